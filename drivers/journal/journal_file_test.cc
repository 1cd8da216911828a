#include "drivers/journal/journal_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <string>

#include "tests/sim/fixture_tree.h"

namespace posdiag::drivers::journal {
namespace {

using posdiag::testing::FixtureTree;

io::Deadline Soon() { return io::Deadline::In(std::chrono::seconds(5)); }

TEST(ReadTail, SmallFileWhole) {
  FixtureTree tree;
  tree.Put("/j", "\xEF\xBB\xBFh1\r\nl2\n\nl3\npartial");
  const auto t = ReadTail(tree.At("/j"), Soon());
  ASSERT_TRUE(t.ok()) << t.error().detail;
  EXPECT_TRUE(t->from_start);
  EXPECT_EQ(t->lines, (std::vector<std::string>{"h1", "l2", "l3", "partial"}));
}

TEST(ReadTail, LargeFileOnlyItsTailFromALineStart) {
  FixtureTree tree;
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "line " + std::to_string(i) + "\n";
  tree.Put("/j", text);
  TailOptions small;
  small.max_bytes = 100;
  const auto t = ReadTail(tree.At("/j"), Soon(), small);
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->from_start);
  ASSERT_FALSE(t->lines.empty());
  EXPECT_EQ(t->lines.back(), "line 999");
  for (const auto& l : t->lines) EXPECT_EQ(l.rfind("line ", 0), 0u) << l;

  TailOptions few;
  few.max_lines = 3;
  const auto u = ReadTail(tree.At("/j"), Soon(), few);
  ASSERT_TRUE(u.ok());
  EXPECT_FALSE(u->from_start);
  EXPECT_EQ(u->lines, (std::vector<std::string>{"line 997", "line 998", "line 999"}));
}

TEST(ReadTail, ErrorsAreValues) {
  FixtureTree tree;
  EXPECT_EQ(ReadTail(tree.At("/none"), Soon()).error().kind, ErrorKind::kNotFound);
  tree.MakeDir("/dir");
  EXPECT_NE(ReadTail(tree.At("/dir"), Soon()).error().kind, ErrorKind::kNotFound);
  ASSERT_EQ(::mkfifo(tree.At("/fifo").c_str(), 0600), 0);
  EXPECT_EQ(ReadTail(tree.At("/fifo"), Soon()).error().kind, ErrorKind::kInvalid);
  tree.Put("/j", "a\nb\n");
  const io::Deadline past(std::chrono::steady_clock::now() - std::chrono::seconds(1));
  EXPECT_EQ(ReadTail(tree.At("/j"), past).error().kind, ErrorKind::kTimeout);
}

TEST(ReadFirstLine, HeaderOfALargeFile) {
  FixtureTree tree;
  tree.Put("/j", "time,rc\r\n" + std::string(10000, 'x') + "\n");
  EXPECT_EQ(*ReadFirstLine(tree.At("/j"), Soon()), "time,rc");
  tree.Put("/k", std::string(10000, 'x'));
  EXPECT_EQ(ReadFirstLine(tree.At("/k"), Soon()).error().kind, ErrorKind::kParse);
}

}  // namespace
}  // namespace posdiag::drivers::journal
