#include "agent/config.h"

#include <gtest/gtest.h>

namespace posdiag::agent {
namespace {

std::vector<SectionSpec> Specs() {
  auto specs = Config::CoreSections();
  specs.push_back(
      {"power", {{"expect_battery", ValueType::kBool}, {"timeout_ms", ValueType::kInt, 1, 1000}}});
  specs.push_back({"system", {{"data_path", ValueType::kString}}});
  return Config::MergeSpecs(std::move(specs));
}

TEST(ConfigTest, ReadsDeclaredKeys) {
  auto c = Config::Parse(
      "[system]\nroot = \"/tmp/x\"\ndata_path = \"/data\"\n[power]\nexpect_battery = true\n"
      "[rules]\nfiles = [\"a.toml\", \"b.toml\"]\n",
      "t.toml", Specs());
  ASSERT_TRUE(c.ok()) << c.error().detail;
  EXPECT_EQ(c->Section("system").GetString("root", "/"), "/tmp/x");
  EXPECT_EQ(c->Section("system").GetString("data_path", ""), "/data");
  EXPECT_TRUE(c->Section("power").present());
  EXPECT_TRUE(c->Section("power").GetBool("expect_battery", false));
  EXPECT_EQ(c->Section("rules").GetStringList("files").size(), 2u);
  EXPECT_FALSE(c->Section("history").present());
  EXPECT_EQ(c->Section("history").GetInt("keep", 50), 50);
}

TEST(ConfigTest, UnknownKeyNamesKeyFileAndLine) {
  auto c = Config::Parse("[power]\n\nexpect_batery = true\n", "posdiag.toml", Specs());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kInvalid);
  EXPECT_NE(c.error().detail.find("posdiag.toml:3:"), std::string::npos) << c.error().detail;
  EXPECT_NE(c.error().detail.find("expect_batery"), std::string::npos);
}

TEST(ConfigTest, UnknownSection) {
  auto c = Config::Parse("[powr]\n", "posdiag.toml", Specs());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().detail.find("unknown section [powr]"), std::string::npos);
}

TEST(ConfigTest, WrongTypeAndRange) {
  auto c = Config::Parse("[power]\nexpect_battery = \"yes\"\n", "p.toml", Specs());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().detail.find("expect_battery must be a boolean"), std::string::npos);
  auto r = Config::Parse("[power]\ntimeout_ms = 0\n", "p.toml", Specs());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().detail.find("out of range"), std::string::npos);
  auto l = Config::Parse("[rules]\nfiles = [1]\n", "p.toml", Specs());
  ASSERT_FALSE(l.ok());
  auto t = Config::Parse("power = 1\n", "p.toml", Specs());
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().detail.find("must be a table"), std::string::npos);
}

TEST(ConfigTest, SyntaxErrorHasPosition) {
  auto c = Config::Parse("[power\n", "bad.toml", Specs());
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().detail.find("bad.toml:1:"), std::string::npos) << c.error().detail;
}

TEST(ConfigTest, MissingFile) {
  auto c = Config::Load("/nonexistent/posdiag.toml", Specs());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(c.error().detail.find("/nonexistent/posdiag.toml"), std::string::npos);
}

}  // namespace
}  // namespace posdiag::agent
