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

// Texts that made toml++ 3.3.0 reach its unreachable point (found by fuzzing or in its issue
// tracker) are refused with their place, or made safe without changing what they say.
TEST(TomlParserSafe, RefusesWhatNoTomlAllowsAndWhatThisParserCannotTake) {
  struct Case {
    std::string_view text;
    std::size_t line, column;
  };
  for (const Case& c : {
           Case{"\xcc\xaa", 1, 1},                            // issue 295
           Case{"[system]\nmodel\xce\x8d = \"A6\"\n", 2, 6},  // the config fuzzer's first
           Case{"a = 1 \xc2\xa7\n", 1, 7},                    // after a value
           Case{"s=+H'\xce\x9a'\n", 1, 6},                 // a quote in a bad token opens nothing
           Case{"s = \"\"\"\\\xc2\xa7\"\"\"\n", 1, 9},     // an escape that is none
           Case{"s = \"\"\"a\"\"\"\" \xc2\xa7\n", 1, 14},  // after the closing quotes
           Case{"k = 'caf\xc3\xa9'\n", 1, 9},              // in a literal string
           Case{"m = '''\n\xe3\x80\x82'''\n", 2, 1},       // in a multi-line one
       }) {
    const auto safe = MakeTomlParserSafe(c.text);
    ASSERT_TRUE(safe.hazard) << c.text;
    EXPECT_EQ(safe.hazard->line, c.line) << c.text;
    EXPECT_EQ(safe.hazard->column, c.column) << c.text;
    EXPECT_FALSE(safe.hazard->why.empty());
  }
  struct Made {
    std::string_view text, safe;
  };
  for (const Made& m : {
           Made{"s = \"\"\"\\\n\xc2\xa7\"\"\"\n", "s = \"\"\"\\\n\\u00A7\"\"\"\n"},  // issue 190
           Made{"t = \"\xe6\x89\x93\xe3\x80\x82\" # \xd0\x96\n",
                "t = \"\xe6\x89\x93\\u3002\" # \xd2\xa0\n"},
           Made{"\"\xc3\xa9t\xc3\xa9\" = '\xe6\x89\x93'\n",
                "\"\\u00E9t\\u00E9\" = '\xe6\x89\x93'\n"},
           Made{"a = [ # x\n  '\xe6\x89\x93', \"\xd0\x96\" ]\n",
                "a = [ # x\n  '\xe6\x89\x93', \"\\u0416\" ]\n"},
           Made{"s = \"a \\\" \xc2\xa7\"\n", "s = \"a \\\" \\u00A7\"\n"},
           Made{"[a.\"\xc2\xa7\".b]\n", "[a.\"\\u00A7\".b]\n"},
           // A bad token the parser reads through: what it reads is ASCII (fuzzer).
           Made{"s= 2\"\"2.[[\"p\xc5\x80\"\n", "s= 2\"\"2.[[\"p\\u0140\"\n"},
           Made{"s = \"\"\"\"\"\xc2\xa7\"\"\"\"\"\n", "s = \"\"\"\"\"\\u00A7\"\"\"\"\"\n"},
       }) {
    const auto safe = MakeTomlParserSafe(m.text);
    ASSERT_FALSE(safe.hazard) << m.text << ": " << safe.hazard->why;
    EXPECT_EQ(safe.text, m.safe) << m.text;
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
