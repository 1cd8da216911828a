// The command line as a user meets it, through the real binary: bad config, site rule files
// (broken, duplicate and overriding: a run leaves out what `rules check` rejects), `rules check`,
// `codes`, `history` (exit 3 when its directory cannot be read), a log that is a symlink (a sink
// error, the run goes on), stderr kept for posdiag's own errors, and a binary without its
// modules.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/e2e/run_command.h"

namespace posdiag {
namespace {

using e2e::Outcome;
using e2e::RunCommand;
using json = nlohmann::json;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("posdiag_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    const Outcome built = RunCommand({POSDIAG_SIM, "build", "healthy", (dir_ / "term").string()});
    ASSERT_EQ(built.exit_status, 0) << built.err;
    config_ = (dir_ / "term/posdiag.toml").string();
    DropServiceSections();
  }

  // These tests are about the command line, run outside the simulated terminal's namespaces,
  // where its network, modem and printer services do not run: the tables that need them are
  // removed.
  void DropServiceSections() {
    std::ifstream in(config_);
    std::string line;
    std::string kept;
    bool dropping = false;
    while (std::getline(in, line)) {
      if (line.rfind('[', 0) == 0) {
        dropping = line == "[network]" || line == "[modem]" || line == "[printer]";
      }
      if (!dropping) kept += line + "\n";
    }
    in.close();
    std::ofstream(config_, std::ios::trunc) << kept;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const auto path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path.string();
  }
  void AppendConfig(const std::string& text) {
    std::ofstream(config_, std::ios::app) << "\n" << text;
  }
  Outcome Selftest(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv{POSDIAG_BINARY, "selftest", "--config", config_};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return RunCommand(argv);
  }

  std::filesystem::path dir_;
  std::string config_;
};

constexpr char kGoodSiteRule[] = R"toml(
[[rule]]
id = "system.load_high"
condition = 'system.load.per_cpu_1m >= 0'
code = "E1"
severity = "warning"
component = "system"
title = { zh-CN = "负载（现场阈值）", en = "Load (site threshold)" }
remedy = { zh-CN = ["稍候再试"], en = ["Wait a moment"] }
)toml";

TEST_F(CliTest, HealthyRunKeepsStderrEmpty) {
  const Outcome o = Selftest({"--format", "json"});
  EXPECT_EQ(o.exit_status, 0) << o.err;
  EXPECT_EQ(o.err, "");
  const json report = json::parse(o.out);
  EXPECT_EQ(report["status"], "ok");
  EXPECT_TRUE(report["rule_errors"].empty());
}

TEST_F(CliTest, UnknownConfigKeyIsExit3NamingFileLineAndKey) {
  AppendConfig("[power]\nexpect_batery = true\n");
  // [power] is already in the file: TOML itself refuses the second table.
  const Outcome dup = Selftest();
  EXPECT_EQ(dup.exit_status, 3);
  EXPECT_NE(dup.err.find(config_ + ":"), std::string::npos) << dup.err;
  EXPECT_EQ(dup.out, "");

  const std::string bad = Write("bad.toml", "[system]\nroot = \"/\"\n\n[log]\nmax_size = 10\n");
  const Outcome o = RunCommand({POSDIAG_BINARY, "selftest", "--config", bad});
  EXPECT_EQ(o.exit_status, 3);
  EXPECT_EQ(o.err, "posdiag: " + bad + ":5:1: [log] max_size: unknown key\n");
  EXPECT_EQ(o.out, "");
}

TEST_F(CliTest, WrongTypeAndMissingFileAreExit3) {
  const std::string bad = Write("type.toml", "[history]\nkeep = \"many\"\n");
  const Outcome o = RunCommand({POSDIAG_BINARY, "selftest", "--config", bad});
  EXPECT_EQ(o.exit_status, 3);
  EXPECT_EQ(o.err, "posdiag: " + bad + ":2:8: [history] keep: must be an integer\n");

  const Outcome missing =
      RunCommand({POSDIAG_BINARY, "selftest", "--config", (dir_ / "none.toml").string()});
  EXPECT_EQ(missing.exit_status, 3);
  EXPECT_NE(missing.err.find("none.toml"), std::string::npos) << missing.err;
}

TEST_F(CliTest, BadCommandLineIsExit3) {
  EXPECT_EQ(RunCommand({POSDIAG_BINARY, "selftest", "--level", "bogus"}).exit_status, 3);
  EXPECT_EQ(RunCommand({POSDIAG_BINARY, "nosuchcommand"}).exit_status, 3);
  EXPECT_EQ(RunCommand({POSDIAG_BINARY, "--help"}).exit_status, 0);
}

TEST_F(CliTest, BrokenSiteRuleFileIsReportedAndTheBuiltinCatalogueStillApplies) {
  const std::string broken =
      Write("broken.toml", "[[rule]]\nid = \"site.x\"\ncondition = 'a.b <'\n");
  AppendConfig("[rules]\nfiles = [\"" + broken + "\"]\n");
  const Outcome o = Selftest({"--format", "json"});
  EXPECT_EQ(o.exit_status, 0) << o.err;
  const json report = json::parse(o.out);
  ASSERT_FALSE(report["rule_errors"].empty());
  EXPECT_NE(report["rule_errors"].dump().find(broken + ":3:19: condition:"), std::string::npos)
      << report["rule_errors"];
  EXPECT_GT(report["rules_evaluated"].get<int>(), 20);
}

TEST_F(CliTest, SiteRuleReplacesABuiltinThreshold) {
  const std::string site = Write("site.toml", kGoodSiteRule);
  AppendConfig("[rules]\nfiles = [\"" + site + "\"]\n");
  const Outcome o = Selftest({"--format", "json"});
  EXPECT_EQ(o.exit_status, 1) << o.out;
  const json report = json::parse(o.out);
  ASSERT_EQ(report["findings"].size(), 1u);
  EXPECT_EQ(report["findings"][0]["rule"], "system.load_high");
  EXPECT_EQ(report["findings"][0]["title"]["en"], "Load (site threshold)");
}

TEST_F(CliTest, RulesCheck) {
  const std::string good = Write("good.toml", kGoodSiteRule);
  const Outcome ok = RunCommand({POSDIAG_BINARY, "rules", "check", good});
  EXPECT_EQ(ok.exit_status, 0) << ok.err;

  const std::string bad = Write("bad.toml", std::string(kGoodSiteRule) + R"toml(
[[rule]]
id = "site.paper"
condition = 'exists(x.y) and'
code = "E1"
severity = "eror"
component = "power"
title = { zh-CN = "纸", en = "Paper" }
remedy = { zh-CN = ["装纸"], en = ["Load paper"] }
suppresses = ["no.such_rule"]
)toml");
  const Outcome o = RunCommand({POSDIAG_BINARY, "rules", "check", bad});
  EXPECT_EQ(o.exit_status, 1);
  EXPECT_NE(o.err.find(bad + ":13:29: condition:"), std::string::npos) << o.err;
  EXPECT_NE(o.err.find(bad + ":15:12: invalid severity 'eror'"), std::string::npos) << o.err;

  const Outcome catalogue =
      RunCommand({POSDIAG_BINARY, "rules", "check",
                  std::string(POSDIAG_SOURCE_DIR) + "/rules/catalog/power.toml",
                  std::string(POSDIAG_SOURCE_DIR) + "/rules/catalog/system.toml",
                  std::string(POSDIAG_SOURCE_DIR) + "/rules/catalog/codes.toml"});
  EXPECT_EQ(catalogue.exit_status, 0) << catalogue.err;
}

// A site rule of kGoodSiteRule's shape, with its own id, code and condition.
std::string SiteRule(const std::string& id, const std::string& code = "E1",
                     const std::string& condition = "system.load.per_cpu_1m >= 0") {
  return "[[rule]]\nid = \"" + id + "\"\ncondition = '" + condition + "'\ncode = \"" + code +
         "\"\nseverity = \"warning\"\ncomponent = \"system\"\n"
         "title = { zh-CN = \"现场\", en = \"Site\" }\n"
         "remedy = { zh-CN = [\"稍候再试\"], en = [\"Wait a moment\"] }\n";
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

// What `posdiag rules check` rejects, a run leaves out whole, for the same reasons: its
// rule_errors are rules check's lines, and then one line per file left out. No rule of a file
// left out fires, though each of them would on this terminal.
TEST_F(CliTest, ARunLeavesOutWhatRulesCheckRejects) {
  const std::string valid = SiteRule("site.valid");
  struct Case {
    std::string name;
    std::vector<std::pair<std::string, std::string>> files;  // name, text
    std::string expected;                                    // in the rule errors
    std::size_t left_out;                                    // files
  };
  const std::vector<Case> cases = {
      {"undocumented code",
       {{"code.toml", valid + SiteRule("site.coded", "N7")}},
       "maps to code 'N7', which no [[code]] table documents",
       1},
      {"undeclared fact",
       {{"fact.toml", valid + SiteRule("site.fact", "E1", "system.load.per_cpu_1n >= 0")}},
       "names fact 'system.load.per_cpu_1n', which no probe declares (did you mean "
       "'system.load.per_cpu_1m'?)",
       1},
      {"duplicate id in one file",
       {{"dup.toml", valid + SiteRule("site.valid")}},
       "duplicate rule id 'site.valid'",
       1},
      {"duplicate id in two files",
       {{"a.toml", SiteRule("site.twice")}, {"b.toml", valid + SiteRule("site.twice")}},
       "duplicate rule id 'site.twice' (first defined at ",
       1},
  };
  std::string base_config;
  {
    std::ifstream in(config_, std::ios::binary);
    base_config.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::ofstream(config_, std::ios::binary | std::ios::trunc) << base_config;
    std::vector<std::string> paths;
    std::string list;
    for (const auto& [name, text] : c.files) {
      paths.push_back(Write(name, text));
      list += (list.empty() ? "\"" : ", \"") + paths.back() + "\"";
    }
    AppendConfig("[rules]\nfiles = [" + list + "]\n");

    std::vector<std::string> check_argv{POSDIAG_BINARY, "rules", "check"};
    check_argv.insert(check_argv.end(), paths.begin(), paths.end());
    const Outcome check = RunCommand(check_argv);
    EXPECT_EQ(check.exit_status, 1) << check.err;
    std::vector<std::string> want = Lines(check.err);
    ASSERT_FALSE(want.empty());
    EXPECT_EQ(want.back(), std::to_string(want.size() - 1) + " error(s)");
    want.pop_back();
    EXPECT_NE(check.err.find(c.expected), std::string::npos) << check.err;

    const Outcome o = Selftest({"--format", "json"});
    const json report = json::parse(o.out);
    std::vector<std::string> got = report["rule_errors"].get<std::vector<std::string>>();
    ASSERT_EQ(got.size(), want.size() + c.left_out) << report["rule_errors"];
    for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i], want[i]);
    const std::string left_out =
        paths.back() + ": left out whole: none of its rules or codes apply";
    EXPECT_EQ(got.back(), left_out);
    // Only a rule of an accepted file may fire: site.twice of a.toml.
    for (const auto& f : report["findings"]) {
      EXPECT_TRUE(f["rule"] == "site.twice" && c.files.size() == 2) << f["rule"];
    }
    EXPECT_EQ(o.exit_status, c.files.size() == 2 ? 1 : 0) << o.out;
  }
}

// A site rule with a built-in rule's id replaces it (SiteRuleReplacesABuiltinThreshold); two site
// files replacing it are a duplicate, and the later one is left out.
TEST_F(CliTest, TwoSiteFilesReplacingOneBuiltinRule) {
  const std::string first = Write("first.toml", kGoodSiteRule);
  const std::string second = Write("second.toml", kGoodSiteRule);
  AppendConfig("[rules]\nfiles = [\"" + first + "\", \"" + second + "\"]\n");
  const Outcome o = Selftest({"--format", "json"});
  EXPECT_EQ(o.exit_status, 1) << o.out;
  const json report = json::parse(o.out);
  ASSERT_EQ(report["findings"].size(), 1u);
  EXPECT_EQ(report["findings"][0]["title"]["en"], "Load (site threshold)");
  ASSERT_EQ(report["rule_errors"].size(), 2u) << report["rule_errors"];
  EXPECT_NE(report["rule_errors"][0].get<std::string>().find(
                second + ":2:1: duplicate rule id 'system.load_high' (first defined at " + first),
            std::string::npos)
      << report["rule_errors"];
  // The engineer's text report lists them too.
  const Outcome text = Selftest({"--level", "engineer", "--lang", "en"});
  EXPECT_NE(text.out.find(second + ": left out whole"), std::string::npos) << text.out;

  const Outcome check = RunCommand({POSDIAG_BINARY, "rules", "check", first, second});
  EXPECT_EQ(check.exit_status, 1);
  EXPECT_NE(check.err.find("duplicate rule id 'system.load_high'"), std::string::npos) << check.err;
}

TEST_F(CliTest, CodesInEveryFormat) {
  const Outcome j = RunCommand({POSDIAG_BINARY, "codes", "--format", "json"});
  ASSERT_EQ(j.exit_status, 0);
  const json catalogue = json::parse(j.out);
  ASSERT_TRUE(catalogue.is_array());
  EXPECT_GT(catalogue.size(), 20u);
  for (const auto& rule : catalogue) {
    EXPECT_FALSE(rule["title"]["zh-CN"].get<std::string>().empty()) << rule["id"];
    EXPECT_FALSE(rule["remedy"]["en"].empty()) << rule["id"];
  }
  const Outcome text = RunCommand({POSDIAG_BINARY, "codes", "--lang", "en"});
  EXPECT_EQ(text.exit_status, 0);
  EXPECT_NE(text.out.find("power.battery_low"), std::string::npos);
  const Outcome md = RunCommand({POSDIAG_BINARY, "codes", "--format", "markdown"});
  EXPECT_EQ(md.exit_status, 0);
  EXPECT_EQ(md.out.rfind("# Merchant codes and rules", 0), 0u);
}

TEST_F(CliTest, HistoryListsRunsAndTheEngineerReportCountsThem) {
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Selftest().exit_status, 0);
  const Outcome list =
      RunCommand({POSDIAG_BINARY, "history", "--config", config_, "--format", "json"});
  ASSERT_EQ(list.exit_status, 0) << list.err;
  EXPECT_EQ(json::parse(list.out)["reports"].size(), 3u);

  const Outcome eng = Selftest({"--level", "engineer", "--format", "json"});
  const json report = json::parse(eng.out);
  EXPECT_EQ(report["history"]["reports"], 3);
}

TEST_F(CliTest, AnAbsentHistoryIsEmptyAndOneThatCannotBeReadIsExit3) {
  std::filesystem::remove_all(dir_ / "term/history");
  const Outcome empty =
      RunCommand({POSDIAG_BINARY, "history", "--config", config_, "--lang", "en"});
  EXPECT_EQ(empty.exit_status, 0) << empty.err;
  EXPECT_EQ(empty.out, "No saved reports\n");

  if (::geteuid() != 0) GTEST_SKIP() << "needs root, to run posdiag history as another user";
  ASSERT_EQ(Selftest().exit_status, 0);
  // The history is root's and closed to others; the config stays readable.
  for (const auto& p : {dir_, dir_ / "term"}) ::chmod(p.c_str(), 0755);
  ::chmod(config_.c_str(), 0644);
  ::chmod((dir_ / "term/history").c_str(), 0700);
  const Outcome o = RunCommand({"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                POSDIAG_BINARY, "history", "--config", config_, "--lang", "en"});
  EXPECT_EQ(o.exit_status, 3) << o.out << o.err;
  EXPECT_EQ(o.out, "");
  EXPECT_NE(o.err.find("posdiag: history: "), std::string::npos) << o.err;
  EXPECT_NE(o.err.find((dir_ / "term/history").string()), std::string::npos) << o.err;
  EXPECT_NE(o.err.find("Permission denied"), std::string::npos) << o.err;
}

TEST_F(CliTest, ALogThatIsASymlinkIsASinkErrorAndTheRunGoesOn) {
  const std::string precious = "do not write here\n";
  const std::string target = Write("precious", precious);
  std::filesystem::create_directories(dir_ / "term/log");
  std::filesystem::create_symlink(target, dir_ / "term/log/posdiag.log");
  const Outcome o = Selftest({"--format", "json"});
  EXPECT_EQ(o.exit_status, 0) << o.err;
  const json report = json::parse(o.out);
  ASSERT_EQ(report["sink_errors"].size(), 1u) << report["sink_errors"];
  const std::string error = report["sink_errors"][0];
  EXPECT_EQ(error.rfind("log: ", 0), 0u) << error;
  EXPECT_NE(error.find("a symbolic link"), std::string::npos) << error;
  EXPECT_NE(o.err.find("a symbolic link"), std::string::npos) << o.err;
  std::ifstream in(target, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), precious);
  // The history still has the run.
  const Outcome list =
      RunCommand({POSDIAG_BINARY, "history", "--config", config_, "--format", "json"});
  EXPECT_EQ(json::parse(list.out)["reports"].size(), 1u);
}

// A terminal image without posdiag's modules (drivers/io/module.h: posdiag-crypto.so, which
// brings OpenSSL): the self-test still runs, and what needed the module says which file it could
// not find. The hand-off is unsigned and the report says why; keygen and hash-pin exit 3.
TEST_F(CliTest, WithoutItsModulesTheRunGoesOnAndSaysWhatIsMissing) {
  const Outcome keygen =
      RunCommand({POSDIAG_BINARY, "keygen", (dir_ / "term/root/handoff.pem").string()});
  ASSERT_EQ(keygen.exit_status, 0) << keygen.err;
  AppendConfig("[report]\nsigning_key = \"/handoff.pem\"\n");
  const Outcome with_module = Selftest({"--format", "json"});
  ASSERT_EQ(with_module.exit_status, 0) << with_module.err;
  EXPECT_EQ(json::parse(with_module.out)["sink_errors"].size(), 0u) << with_module.out;

  std::filesystem::create_directories(dir_ / "alone");
  const std::string alone = (dir_ / "alone/posdiag").string();
  std::filesystem::copy_file(POSDIAG_BINARY, alone);
  const Outcome o = RunCommand({alone, "selftest", "--config", config_, "--format", "json"});
  EXPECT_EQ(o.exit_status, 0) << o.err;
  const json report = json::parse(o.out);
  ASSERT_EQ(report["sink_errors"].size(), 1u) << report["sink_errors"];
  const std::string error = report["sink_errors"][0];
  EXPECT_EQ(error.rfind("hand-off: signing key ", 0), 0u) << error;
  EXPECT_NE(error.find("posdiag-crypto.so: not found beside the binary (" +
                       (dir_ / "alone/posdiag-crypto.so").string() + ") nor in "),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("; summaries are unsigned"), std::string::npos) << error;
  EXPECT_EQ(report["status"], "ok");

  const Outcome made = RunCommand({alone, "keygen", (dir_ / "second.pem").string()});
  EXPECT_EQ(made.exit_status, 3);
  EXPECT_NE(made.err.find("posdiag-crypto.so: not found"), std::string::npos) << made.err;
  EXPECT_FALSE(std::filesystem::exists(dir_ / "second.pem"));
  const Outcome hashed =
      RunCommand({"sh", "-c", "echo 482915 | " + e2e::ShellQuote(alone) + " console hash-pin"});
  EXPECT_EQ(hashed.exit_status, 3);
  EXPECT_EQ(hashed.out, "");
  EXPECT_NE(hashed.err.find("posdiag: hash-pin: posdiag-crypto.so: not found"), std::string::npos)
      << hashed.err;
}

// Without posdiag-mqtt.so (libmosquitto), [fleet] cannot connect and says why; the run itself
// does not need it (its report waits in the outbox).
TEST_F(CliTest, WithoutTheMqttModuleTheFleetSaysWhy) {
  AppendConfig("[fleet]\nbroker = \"mqtt://127.0.0.1:1\"\nterminal_id = \"t1\"\noutbox_dir = \"" +
               (dir_ / "outbox").string() + "\"\n");
  std::filesystem::create_directories(dir_ / "alone");
  const std::string alone = (dir_ / "alone/posdiag").string();
  std::filesystem::copy_file(POSDIAG_BINARY, alone);
  const Outcome run = RunCommand({alone, "selftest", "--config", config_, "--format", "json"});
  EXPECT_EQ(run.exit_status, 0) << run.err;
  const Outcome flush =
      RunCommand({alone, "fleet", "flush", "--config", config_, "--timeout", "2"});
  EXPECT_EQ(flush.exit_status, 3);
  EXPECT_NE(flush.err.find("posdiag: fleet: posdiag-mqtt.so: not found beside the binary (" +
                           (dir_ / "alone/posdiag-mqtt.so").string() + ")"),
            std::string::npos)
      << flush.err;
  EXPECT_NE(flush.out.find("sent 0, 1 still in the outbox"), std::string::npos) << flush.out;
}

}  // namespace
}  // namespace posdiag
