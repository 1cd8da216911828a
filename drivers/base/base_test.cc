#include <gtest/gtest.h>

#include <chrono>

#include "drivers/base/text.h"
#include "drivers/base/time_format.h"
#include "drivers/base/unique_fd.h"

namespace posdiag {
namespace {

TEST(Trim, AsciiWhiteSpaceAtBothEnds) {
  EXPECT_EQ(Trim("  a b\t\r\n"), "a b");
  EXPECT_EQ(Trim("\v\f"), "");
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Trim("x"), "x");
}

// Texts that made toml++ 3.3.0 reach its unreachable point (each found by fuzzing or in its
// issue tracker), and valid TOML that must still pass.
TEST(TomlParserHazard, NonAsciiWhereTheParserAsksAboutWhitespace) {
  struct Case {
    std::string_view text;
    std::size_t line, column;
  };
  for (const Case& c : {
           Case{"\xcc\xaa", 1, 1},                                // issue 295
           Case{"[system]\nmodel\xce\x8d = \"A6\"\n", 2, 6},      // the config fuzzer's
           Case{"a = 1 \xc2\xa7\n", 1, 7},                        // after a value
           Case{"s = \"\"\"\\\n\xc2\xa7\"\"\"\n", 2, 1},          // issue 190
           Case{"s = \"\"\"x\\  \n\n   \xd0\x96\"\"\"\n", 3, 4},  // after blank lines
           Case{"s = \"\"\"\\\xc2\xa7\"\"\"\n", 1, 9},            // an escape that is none
           Case{"s = \"\"\"a\"\"\"\" \xc2\xa7\n", 1, 14},         // after the closing quotes
           Case{"s=+H'\xce\x9a'\n", 1, 6},  // a quote inside a bad token opens no string
           Case{"a = 1 \"\xc2\xa7\"\n", 1, 8},
       }) {
    const auto hazard = FindTomlParserHazard(c.text);
    ASSERT_TRUE(hazard) << c.text;
    EXPECT_EQ(hazard->line, c.line) << c.text;
    EXPECT_EQ(hazard->column, c.column) << c.text;
    EXPECT_FALSE(hazard->why.empty());
  }
  for (std::string_view fine : {
           "title = \"\xe6\x89\x93\xe5\x8d\xb0\" # \xc2\xa7 \xd0\x96\n",
           "k = 'caf\xc3\xa9'\nm = '''\n\xc2\xa7\\\n'''\n",
           "\"\xc3\xa9t\xc3\xa9\" = 1\n",
           "s = \"\"\"\\\n  \\u00a7 \xc2\xa7\"\"\"\n",
           "s = \"a \\\" \xc2\xa7\"\n",
           "s = \"\"\"\"\"\xc2\xa7\"\"\"\"\"\n",
           "a = [ # x\n  '\xc2\xa7', \"\xd0\x96\" ]\nt = { k = '\xc2\xa7', \"\xc3\xa9\" = 1 }\n",
           "[a.'\xc2\xa7'.\"b\"]\n[[ \"\xd0\x96\" ]]\n",
       }) {
    EXPECT_FALSE(FindTomlParserHazard(fine)) << fine;
  }
}

TEST(TimeFormat, Rfc3339AndCompactInUtc) {
  const auto t =
      std::chrono::system_clock::time_point(std::chrono::milliseconds(1'764'993'481'123));
  EXPECT_EQ(FormatRfc3339Utc(t), "2025-12-06T03:58:01.123Z");
  EXPECT_EQ(FormatCompactUtc(t), "20251206T035801.123Z");
  EXPECT_EQ(FormatRfc3339UtcSeconds(1'764'993'481), "2025-12-06T03:58:01Z");
}

TEST(TimeFormat, BeforeTheEpochStillFormats) {
  const auto t = std::chrono::system_clock::time_point(std::chrono::milliseconds(-1));
  EXPECT_EQ(FormatRfc3339Utc(t), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339UtcSeconds(0), "1970-01-01T00:00:00Z");
}

TEST(UniqueFd, ClosesOnceAndMoves) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  {
    io::UniqueFd a(fds[0]);
    io::UniqueFd b(std::move(a));
    EXPECT_FALSE(a.valid());
    EXPECT_EQ(b.get(), fds[0]);
  }
  EXPECT_EQ(::close(fds[0]), -1);  // already closed by b
  io::UniqueFd c(fds[1]);
  EXPECT_EQ(c.Release(), fds[1]);
  EXPECT_EQ(::close(fds[1]), 0);
}

}  // namespace
}  // namespace posdiag
