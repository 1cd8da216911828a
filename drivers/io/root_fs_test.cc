#include "drivers/io/root_fs.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace posdiag::io {
namespace {

class RootFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("rootfs_test_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "sys/class/x");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& rel, const std::string& text) { std::ofstream(dir_ / rel) << text; }
  std::filesystem::path dir_;
};

TEST_F(RootFsTest, MapsSystemPathsUnderTheRoot) {
  RootFs fs(dir_);
  EXPECT_EQ(fs.Path("/sys/class/x"), dir_ / "sys/class/x");
  EXPECT_EQ(fs.Path("/sys/../../etc/passwd"), dir_ / "sys/etc/passwd");
}

TEST_F(RootFsTest, ReadAttrTrimsTheNewline) {
  Write("sys/class/x/a", "Discharging\n");
  RootFs fs(dir_);
  auto v = fs.ReadAttr("/sys/class/x/a");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, "Discharging");
}

TEST_F(RootFsTest, MissingFileIsNotFound) {
  RootFs fs(dir_);
  auto v = fs.ReadAttr("/sys/class/x/none");
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().kind, ErrorKind::kNotFound);
}

TEST_F(RootFsTest, ReadsAreBounded) {
  Write("sys/class/x/big", std::string(10000, 'a'));
  RootFs fs(dir_);
  auto v = fs.ReadText("/sys/class/x/big", 100);
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->size(), 100u);
}

TEST_F(RootFsTest, ListIsSorted) {
  Write("sys/class/x/b", "");
  Write("sys/class/x/a", "");
  RootFs fs(dir_);
  auto v = fs.List("/sys/class/x");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(*v, (std::vector<std::string>{"a", "b"}));
  EXPECT_FALSE(fs.List("/sys/none").ok());
}

}  // namespace
}  // namespace posdiag::io
