#include "drivers/io/module.h"

#include <gtest/gtest.h>

#include "tests/sim/fixture_tree.h"

namespace posdiag::io {
namespace {

TEST(LoadModule, FoundBesideTheBinaryAndItsEntryCalled) {
  auto answer =
      LoadModuleEntryFrom(POSDIAG_TEST_MODULE_DIR, POSDIAG_TEST_MODULE, "posdiag_test_module_v1");
  ASSERT_TRUE(answer) << answer.error().detail;
  EXPECT_EQ(*reinterpret_cast<const int* (*)()>(*answer)(), 42);
  // Asked again: the same module, not a second copy.
  auto again =
      LoadModuleEntryFrom(POSDIAG_TEST_MODULE_DIR, POSDIAG_TEST_MODULE, "posdiag_test_module_v1");
  ASSERT_TRUE(again);
  EXPECT_EQ(*again, *answer);
}

TEST(LoadModule, MissingNamesWhereItLooked) {
  testing::FixtureTree tree;
  auto entry = LoadModuleEntryFrom(tree.root() / "bin", "posdiag-nothing.so", "entry");
  ASSERT_FALSE(entry);
  EXPECT_EQ(entry.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(entry.error().detail.find("posdiag-nothing.so: not found beside the binary"),
            std::string::npos)
      << entry.error().detail;
}

TEST(LoadModule, AFileThatIsNoModuleIsAnError) {
  testing::FixtureTree tree;
  tree.Put("/bin/posdiag-broken.so", "not an ELF file");
  auto entry = LoadModuleEntryFrom(tree.root() / "bin", "posdiag-broken.so", "entry");
  ASSERT_FALSE(entry);
  EXPECT_EQ(entry.error().kind, ErrorKind::kIo);
  EXPECT_NE(entry.error().detail.find("posdiag-broken.so: cannot be loaded"), std::string::npos)
      << entry.error().detail;
}

TEST(LoadModule, AModuleWithoutTheEntryIsAnError) {
  auto entry =
      LoadModuleEntryFrom(POSDIAG_TEST_MODULE_DIR, POSDIAG_TEST_MODULE, "posdiag_test_module_v2");
  ASSERT_FALSE(entry);
  EXPECT_EQ(entry.error().kind, ErrorKind::kIo);
  EXPECT_NE(entry.error().detail.find("has no posdiag_test_module_v2"), std::string::npos)
      << entry.error().detail;
}

// The test program and its module are built in the same directory: found beside the binary.
TEST(LoadModule, TheInterfaceFromBesideThisProgram) {
  auto loaded = LoadModule<int>(POSDIAG_TEST_MODULE, "posdiag_test_module_v1");
  ASSERT_TRUE(loaded) << loaded.error().detail;
  EXPECT_EQ(**loaded, 42);
  auto nothing = LoadModule<int>(POSDIAG_TEST_MODULE, "posdiag_test_module_null");
  ASSERT_FALSE(nothing);
  EXPECT_NE(nothing.error().detail.find("posdiag_test_module_null gave nothing"), std::string::npos)
      << nothing.error().detail;
}

}  // namespace
}  // namespace posdiag::io
