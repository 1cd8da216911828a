#include "drivers/io/companion.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/sim/fixture_tree.h"

namespace posdiag::io {
namespace {

TEST(FindCompanion, BesideTheBinaryFirst) {
  testing::FixtureTree tree;
  tree.Put("/bin/posdiag-tls", "");
  auto found = FindCompanionFrom(tree.root() / "bin", "posdiag-tls");
  ASSERT_TRUE(found) << found.error().detail;
  EXPECT_EQ(*found, tree.root() / "bin" / "posdiag-tls");
}

TEST(FindCompanion, MissingEverywhereNamesBothPlaces) {
  testing::FixtureTree tree;
  tree.Put("/bin/posdiag-tls/x", "");  // a directory by that name is not the program
  auto found = FindCompanionFrom(tree.root() / "bin", "posdiag-tls");
  ASSERT_FALSE(found);
  EXPECT_EQ(found.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(found.error().detail.find(tree.root().string()), std::string::npos);
  EXPECT_NE(found.error().detail.find("libexec/posdiag"), std::string::npos);
}

TEST(FindCompanion, ThenTheLibexecDirectoryFromTheBinarysOwn) {
  testing::FixtureTree tree;
  tree.Put("/usr/bin/posdiag", "");
  tree.Put(std::string("/usr/bin/") + POSDIAG_LIBEXEC_FROM_BIN + "/posdiag-tls", "");
  auto found = FindCompanionFrom(tree.root() / "usr/bin", "posdiag-tls");
  ASSERT_TRUE(found) << found.error().detail;
  EXPECT_EQ(
      *found,
      (tree.root() / "usr/bin" / POSDIAG_LIBEXEC_FROM_BIN / "posdiag-tls").lexically_normal());
}

}  // namespace
}  // namespace posdiag::io
