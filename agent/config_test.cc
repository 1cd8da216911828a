#include "agent/config.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace posdiag::agent {
namespace {

std::vector<SectionSpec> Specs() {
  auto specs = CoreSections();
  specs.push_back({"power",
                   "power",
                   {Bool("expect_battery").Default(false).Means("has a battery"),
                    Int("timeout_ms", 1, 1000).Default(500).Means("deadline")}});
  specs.push_back({"system", "", {TerminalPath("data_path").Default("/var/lib").Means("data")}});
  specs.push_back({"printer",
                   "printer",
                   {String("transport").OneOf({"serial", "usb"}).Default("serial").Means("how"),
                    TerminalPath("port").RequiredWhen("transport", "serial").Means("port"),
                    String("parity").OneOf({"none", "odd", "even"}).Default("none").Means("parity"),
                    Int("vid", 0, 0xFFFF).With("pid").Means("vendor"),
                    Int("pid", 0, 0xFFFF).With("vid").Means("product"),
                    Real("ratio", 0.0, 1.0).Default(0.5).Means("a number")}});
  specs.push_back({"console", "console", {TerminalPath("port").Required().Means("port")}});
  return MergeSpecs(std::move(specs));
}

Result<Config> Parse(std::string_view text) { return Config::Parse(text, "t.toml", Specs()); }

TEST(ConfigTest, ReadsDeclaredKeysAndDefaults) {
  auto c = Parse(
      "[system]\nroot = \"/tmp\"\ndata_path = \"/data\"\n[power]\nexpect_battery = true\n"
      "[rules]\nfiles = [\"a.toml\", \"b.toml\"]\n");
  ASSERT_TRUE(c.ok()) << c.error().detail;
  EXPECT_EQ(c->Section("system").GetString("root"), "/tmp");
  EXPECT_EQ(c->Section("system").GetString("data_path"), "/data");
  EXPECT_TRUE(c->Section("power").present());
  EXPECT_TRUE(c->Section("power").GetBool("expect_battery"));
  EXPECT_EQ(c->Section("power").GetInt("timeout_ms"), 500);
  EXPECT_EQ(c->Section("rules").GetStringList("files").size(), 2u);
  // An absent table yields its defaults.
  EXPECT_FALSE(c->Section("history").present());
  EXPECT_EQ(c->Section("history").GetInt("keep"), 50);
  EXPECT_EQ(c->Section("history").GetString("dir"), "/var/lib/posdiag/history");
  EXPECT_EQ(c->Section("printer").GetString("transport"), "serial");
  EXPECT_DOUBLE_EQ(c->Section("printer").GetReal("ratio"), 0.5);
  EXPECT_FALSE(c->Section("printer").Has("transport"));
}

TEST(ConfigTest, UndeclaredNamesAreProgrammingErrors) {
  auto c = Parse("");
  ASSERT_TRUE(c.ok());
  EXPECT_THROW(c->Section("powr"), std::logic_error);
  EXPECT_THROW(c->Section("power").GetBool("expect_batery"), std::logic_error);
  EXPECT_THROW(c->Section("power").GetString("expect_battery"), std::logic_error);  // a bool
}

TEST(ConfigTest, UnknownKeyNamesKeyFileAndLine) {
  auto c = Parse("[power]\n\nexpect_batery = true\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kInvalid);
  EXPECT_EQ(c.error().detail, "t.toml:3:1: [power] expect_batery: unknown key");
}

// Non-ASCII where toml++ 3.3.0 would reach its unreachable point (under UBSan, a failed run) is
// refused with the place, before that parser sees it.
TEST(ConfigTest, ACharacterTheTomlParserCannotTakeIsAnErrorWithItsPlace) {
  auto c = Parse("[system]\nmodel\xce\x8d = \"A6\"\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kInvalid);
  EXPECT_EQ(c.error().detail.rfind("t.toml:2:6: a non-ASCII character", 0), 0u) << c.error().detail;
  c = Parse("[system]\nmodel = '\xc2\xa7'\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().detail.rfind("t.toml:2:10: a character this system's TOML parser", 0), 0u)
      << c.error().detail;
}

TEST(ConfigTest, UnknownSection) {
  auto c = Parse("[powr]\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().detail, "t.toml:1:2: [powr]: unknown section");
}

TEST(ConfigTest, WrongTypeRangeAndChoice) {
  EXPECT_EQ(Parse("[power]\nexpect_battery = \"yes\"\n").error().detail,
            "t.toml:2:18: [power] expect_battery: must be a boolean");
  EXPECT_EQ(Parse("[power]\ntimeout_ms = 0\n").error().detail,
            "t.toml:2:14: [power] timeout_ms: 0 is out of range 1..1000");
  EXPECT_EQ(Parse("[printer]\nport = \"/dev/ttyS1\"\nparity = \"mark\"\n").error().detail,
            "t.toml:3:10: [printer] parity: must be one of none, odd, even, not \"mark\"");
  EXPECT_EQ(Parse("[printer]\nport = \"/dev/ttyS1\"\nratio = 2\n").error().detail,
            "t.toml:3:9: [printer] ratio: 2 is out of range 0..1");
  EXPECT_FALSE(Parse("[rules]\nfiles = [1]\n").ok());
  EXPECT_NE(Parse("power = 1\n").error().detail.find("[power]: must be a table"),
            std::string::npos);
}

TEST(ConfigTest, PathsAreAbsoluteAndNotEmpty) {
  EXPECT_EQ(Parse("[printer]\nport = \"ttyS1\"\n").error().detail,
            "t.toml:2:8: [printer] port: must be an absolute path, not \"ttyS1\"");
  EXPECT_EQ(Parse("[log]\ndir = \"\"\n").error().detail,
            "t.toml:2:7: [log] dir: must not be empty");
}

TEST(ConfigTest, ARootThatIsNotThereIsAConfigError) {
  EXPECT_EQ(Parse("[system]\nroot = \"/nonexistent/terminal\"\n").error().detail,
            "t.toml:2:8: [system] root: \"/nonexistent/terminal\" is not a directory");
}

TEST(ConfigTest, DependenciesBetweenKeys) {
  // transport defaults to serial, which needs a port: said at the table.
  EXPECT_EQ(Parse("[printer]\n").error().detail,
            "t.toml:1:1: [printer] port: is required when transport = \"serial\"");
  EXPECT_EQ(Parse("[printer]\ntransport = \"serial\"\n").error().detail,
            "t.toml:2:1: [printer] port: is required when transport = \"serial\"");
  EXPECT_TRUE(Parse("[printer]\ntransport = \"usb\"\n").ok());
  EXPECT_EQ(Parse("[printer]\ntransport = \"usb\"\nvid = 1208\n").error().detail,
            "t.toml:3:1: [printer] vid: goes with pid, which is not set");
  EXPECT_TRUE(Parse("[printer]\ntransport = \"usb\"\nvid = 1208\npid = 514\n").ok());
  EXPECT_EQ(Parse("[console]\n").error().detail, "t.toml:1:1: [console] port: is required");
}

TEST(ConfigTest, EveryProblemIsSaidOnce) {
  auto c = Parse("[power]\nexpect_batery = 1\ntimeout_ms = 0\n[printer]\nparity = \"mark\"\n");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().detail,
            "t.toml:2:1: [power] expect_batery: unknown key\n"
            "t.toml:3:14: [power] timeout_ms: 0 is out of range 1..1000\n"
            "t.toml:5:10: [printer] parity: must be one of none, odd, even, not \"mark\"\n"
            "t.toml:4:1: [printer] port: is required when transport = \"serial\"");
}

TEST(ConfigTest, SectionChecksPointAtTheirKey) {
  auto specs = Specs();
  specs.push_back({"pair",
                   "two keys",
                   {Int("a", 0, 9).Default(1).Means("a"), Int("b", 0, 9).Default(2).Means("b")},
                   [](const ConfigSection& s) -> std::optional<KeyProblem> {
                     if (s.GetInt("a") == s.GetInt("b")) return KeyProblem{"b", "equals a"};
                     return std::nullopt;
                   }});
  auto c = Config::Parse("[pair]\na = 3\nb = 3\n", "t.toml", specs);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().detail, "t.toml:3:1: [pair] b: equals a");
}

TEST(ConfigTest, SyntaxErrorHasPosition) {
  auto c = Parse("[power\n");
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.error().detail.find("t.toml:1:"), std::string::npos) << c.error().detail;
}

TEST(ConfigTest, MissingFile) {
  auto c = Config::Load("/nonexistent/posdiag.toml", Specs());
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(c.error().detail.find("/nonexistent/posdiag.toml"), std::string::npos);
}

TEST(ConfigTest, SpecsAreChecked) {
  EXPECT_TRUE(CheckSpecs(Specs()).empty());
  const auto problems =
      CheckSpecs({{"x",
                   "",
                   {Int("n", 1, 5).Default(9).Means("n"), String("s"),
                    String("t").With("u").Means("t"), Bool("flag").Default("yes").Means("flag")}}});
  ASSERT_EQ(problems.size(), 4u);
  EXPECT_EQ(problems[0], "[x] n: default: 9 is out of range 1..5");
  EXPECT_EQ(problems[1], "[x] s: says nothing of its meaning");
  EXPECT_EQ(problems[2], "[x] t: goes with undeclared key u");
  EXPECT_EQ(problems[3], "[x] flag: default is not a boolean");
}

TEST(ConfigTest, RendersTheTable) {
  const std::string md = RenderConfigMarkdown(Specs());
  EXPECT_NE(md.find("| `[printer]` | `transport` | one of `serial`, `usb` | `\"serial\"` | how |"),
            std::string::npos)
      << md;
  EXPECT_NE(
      md.find("| | `port` | terminal path | — | port; required when `transport = \"serial\"` |"),
      std::string::npos)
      << md;
}

}  // namespace
}  // namespace posdiag::agent
