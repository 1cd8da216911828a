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
