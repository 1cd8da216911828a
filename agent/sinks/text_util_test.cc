#include "agent/sinks/text_util.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "agent/sinks/sample_report.h"

namespace posdiag::agent {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(TextUtilTest, FormatsTimesInUtc) {
  EXPECT_EQ(FormatRfc3339Utc(testing::SampleTime()), "2026-11-21T05:40:49.123Z");
  EXPECT_EQ(FormatCompactUtc(testing::SampleTime()), "20261121T054049.123Z");
  // A terminal with a dead clock battery can be before 1970; milliseconds still count up.
  const std::chrono::system_clock::time_point before_epoch{std::chrono::milliseconds{-1}};
  EXPECT_EQ(FormatRfc3339Utc(before_epoch), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339Utc({}), "1970-01-01T00:00:00.000Z");
}

TEST(TextUtilTest, FormatsLocalTimeWithItsOffset) {
  const char* old = std::getenv("TZ");
  const std::string saved = old != nullptr ? old : "";
  setenv("TZ", "CST-8", 1);
  tzset();
  EXPECT_EQ(FormatLocalTime(testing::SampleTime()), "2026-11-21 13:40:49 +0800");
  setenv("TZ", "UTC0", 1);
  tzset();
  EXPECT_EQ(FormatLocalTime(testing::SampleTime()), "2026-11-21 05:40:49 +0000");
  if (old != nullptr) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
}

TEST(TextUtilTest, MasksCardNumbersToFirstSixAndLastFour) {
  EXPECT_EQ(RedactCardData("pan 4111111111111111 end"), "pan 411111******1111 end");
  EXPECT_EQ(RedactCardData("6222021234567894"), "622202******7894");
  EXPECT_EQ(RedactCardData("card=6228480012345678903."), "card=622848*********8903.");
  EXPECT_EQ(RedactCardData("4222222222222"), "422222***2222");
  EXPECT_EQ(RedactCardData("4111 1111 1111 1111"), "4111 11** **** 1111");
  EXPECT_EQ(RedactCardData("4111-1111-1111-1111 2024"), "4111-11**-****-1111 2024");
  EXPECT_EQ(RedactCardData("x 4111 1111 1111 1111 2024 y"), "x 4111 11** **** 1111 2024 y");
}

TEST(TextUtilTest, RemovesTrackData) {
  EXPECT_EQ(RedactCardData("read ;4111111111111111=25121010000012345678? done"),
            "read ;411111******1111[track data removed] done");
  EXPECT_EQ(RedactCardData("%B4111111111111111^DOE/JOHN Q^2512101000000?\nnext"),
            "%B411111******1111[track data removed]\nnext");
  EXPECT_EQ(RedactCardData("\"6222021234567894=2512\""),
            "\"622202******7894[track data removed]\"");
}

TEST(TextUtilTest, LeavesOtherNumbersAlone) {
  for (const char* text : {"4111111111111112", "serial 12345678901", "abc4111111111111111",
                           "4111111111111111abc", "41111111111111111111111", "1700000000000",
                           "v1.2.3 1 2 3 4 5 6 7 8 9 10 11 12 13", "", "1234"}) {
    EXPECT_EQ(RedactCardData(text), text);
  }
}

TEST(TextUtilTest, LongDigitListsStayLinear) {
  std::string text;
  for (int i = 0; i < 20000; ++i) text += "1 ";
  EXPECT_EQ(RedactCardData(text).size(), text.size());
}

TEST(TextUtilTest, DisplayTextIsOneSafeLine) {
  EXPECT_EQ(DisplayText("电池电量低"), "电池电量低");
  EXPECT_EQ(DisplayText("a\nb\tc\rd"), "a b c d");
  EXPECT_THAT(DisplayText("\x1b[31mred\x1b[0m"), Not(HasSubstr("\x1b")));
  EXPECT_EQ(DisplayText("x\xC2\x9B"
                        "31m"),
            "x\xEF\xBF\xBD"
            "31m");  // C1 CSI
  EXPECT_EQ(DisplayText("bad \xFF\xFE end"), "bad \xEF\xBF\xBD\xEF\xBF\xBD end");
  EXPECT_EQ(DisplayText("del\x7f"), "del");
  EXPECT_EQ(DisplayText("pan 4111111111111111"), "pan 411111******1111");
}

TEST(TextUtilTest, ValidUtf8ReplacesOnlyBadSequences) {
  EXPECT_EQ(ValidUtf8("ok 中文 \n"), "ok 中文 \n");
  EXPECT_EQ(ValidUtf8("\xC0\xAF"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  EXPECT_EQ(ValidUtf8("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
  EXPECT_EQ(ValidUtf8("\xE4\xB8"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // truncated
  EXPECT_EQ(ValidUtf8("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");
}

}  // namespace
}  // namespace posdiag::agent
