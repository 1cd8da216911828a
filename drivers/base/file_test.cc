#include "drivers/base/file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

namespace posdiag::io {
namespace {

std::filesystem::path Temp(const std::string& name) {
  return std::filesystem::temp_directory_path() /
         ("file_test_" + std::to_string(::getpid()) + "_" + name);
}

TEST(ReadFileBounded, ReadsAWholeFile) {
  const auto path = Temp("whole");
  std::ofstream(path) << "hello\n";
  auto text = ReadFileBounded(path);
  ASSERT_TRUE(text.ok()) << text.error().detail;
  EXPECT_EQ(*text, "hello\n");
  std::filesystem::remove(path);
}

TEST(ReadFileBounded, RefusesLargerThanTheBound) {
  const auto path = Temp("large");
  std::ofstream(path) << std::string(100, 'x');
  auto text = ReadFileBounded(path, {.max_bytes = 99});
  ASSERT_FALSE(text.ok());
  EXPECT_EQ(text.error().kind, ErrorKind::kInvalid);
  EXPECT_NE(text.error().detail.find("larger than 99 bytes"), std::string::npos);
  EXPECT_TRUE(ReadFileBounded(path, {.max_bytes = 100}).ok());
  std::filesystem::remove(path);
}

TEST(ReadFileBounded, MissingDirectoryAndFifo) {
  auto missing = ReadFileBounded("/nonexistent/file");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(missing.error().detail.find("/nonexistent/file"), std::string::npos);

  EXPECT_EQ(ReadFileBounded(std::filesystem::temp_directory_path()).error().kind,
            ErrorKind::kInvalid);

  const auto fifo = Temp("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto from_fifo = ReadFileBounded(fifo);  // must return at once, not wait for a writer
  ASSERT_FALSE(from_fifo.ok());
  EXPECT_NE(from_fifo.error().detail.find("not a regular file"), std::string::npos);
  std::filesystem::remove(fifo);
}

TEST(ReadFileBounded, NoFollowRefusesALink) {
  const auto target = Temp("target");
  const auto link = Temp("link");
  std::ofstream(target) << "x";
  std::filesystem::create_symlink(target, link);
  EXPECT_TRUE(ReadFileBounded(link).ok());
  EXPECT_FALSE(ReadFileBounded(link, {.follow_symlinks = false}).ok());
  std::filesystem::remove(link);
  std::filesystem::remove(target);
}

}  // namespace
}  // namespace posdiag::io
