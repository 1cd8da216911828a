// A wrong value in the config stops every command that reads it before anything runs: exit 3 and
// one line on stderr, `file:line:col: [section] key: why`, said once — from `selftest`, `daemon`
// and `config check` alike. One case per value that used to pass as "all clear" or only stop the
// daemon at run time.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "tests/e2e/run_command.h"

namespace posdiag {
namespace {

using e2e::Outcome;
using e2e::RunCommand;

struct BadValue {
  const char* name;
  const char* table;  // appended to a config that is otherwise good, from line 5 on
  const char* where;  // "line:col: [section] key" of the report
};

const BadValue kBadValues[] = {
    {"printer_parity", "[printer]\nport = \"/dev/ttyS1\"\nparity = \"mark\"\n",
     "7:10: [printer] parity"},
    {"printer_flow_control", "[printer]\nport = \"/dev/ttyS1\"\nflow_control = \"magic\"\n",
     "7:16: [printer] flow_control"},
    {"printer_transport", "[printer]\ntransport = \"parallel\"\nport = \"/dev/lp0\"\n",
     "6:13: [printer] transport"},
    {"printer_serial_without_port", "[printer]\ntransport = \"serial\"\n", "6:1: [printer] port"},
    {"card_reader_vid_without_pid", "[card_reader]\nvid = 0x08e6\n", "6:1: [card_reader] vid"},
    {"journal_format", "[journal]\npath = \"/var/lib/payapp/journal.jsonl\"\nformat = \"xml\"\n",
     "7:10: [journal] format"},
    {"display_lang", "[display]\nlang = \"fr\"\n", "6:8: [display] lang"},
    {"display_backend", "[display]\nbackend = \"hologram\"\n", "6:11: [display] backend"},
    {"display_geometry", "[display]\ngeometry = \"abc\"\n", "6:12: [display] geometry"},
    {"console_without_port", "[console]\nbaud = 115200\n", "5:1: [console] port"},
    {"console_pin_hash", "[console]\nport = \"/dev/ttyS3\"\npin_hash = \"garbage\"\n",
     "7:12: [console] pin_hash"},
    {"keys_diagnose", "[keys]\ndiagnose = \"KEY_NOPE\"\n", "6:12: [keys] diagnose"},
    {"log_dir_empty", "[run]\nbudget_ms = 2000\n[log]\ndir = \"\"\n", "8:7: [log] dir"},
    {"system_root_missing", "[run]\nbudget_ms = 2000\n[system]\nroot = \"/nonexistent/terminal\"\n",
     "8:8: [system] root"},
};

class ConfigErrorTest : public ::testing::TestWithParam<BadValue> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("posdiag_config_errors_" + std::to_string(::getpid()) + "_" + GetParam().name);
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    config_ = (dir_ / "posdiag.toml").string();
    // The [log] table of a case that sets its own replaces this one.
    const bool own_log = std::string(GetParam().table).find("[log]") != std::string::npos;
    std::ofstream(config_) << "[history]\ndir = \"" << (dir_ / "history").string() << "\"\n"
                           << (own_log ? "[system]\nmodel = \"T\"\n"
                                       : "[log]\ndir = \"" + (dir_ / "log").string() + "\"\n")
                           << GetParam().table;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // The command refused the file with exactly one line naming where and what.
  void ExpectRefused(const Outcome& o, const std::string& command) {
    EXPECT_EQ(o.exit_status, 3) << command << "\n" << o.err;
    const std::string want = config_ + ":" + GetParam().where + ": ";
    const auto at = o.err.find(want);
    EXPECT_NE(at, std::string::npos) << command << ": want " << want << "\ngot:\n" << o.err;
    if (at != std::string::npos) {
      EXPECT_EQ(o.err.find(want, at + 1), std::string::npos) << command << ": said twice";
    }
    EXPECT_EQ(o.err.find("posdiag: "), 0u) << o.err;
    EXPECT_TRUE(o.out.empty()) << command << " ran anyway:\n" << o.out;
    EXPECT_FALSE(std::filesystem::exists(dir_ / "history")) << command << " ran anyway";
  }

  std::filesystem::path dir_;
  std::string config_;
};

TEST_P(ConfigErrorTest, SelftestRefusesTheFile) {
  ExpectRefused(RunCommand({POSDIAG_BINARY, "selftest", "--config", config_}), "selftest");
}

TEST_P(ConfigErrorTest, DaemonRefusesTheFile) {
  ExpectRefused(RunCommand({"timeout", "20", POSDIAG_BINARY, "daemon", "--config", config_}),
                "daemon");
}

TEST_P(ConfigErrorTest, ConfigCheckRefusesTheFile) {
  ExpectRefused(RunCommand({POSDIAG_BINARY, "config", "check", config_}), "config check");
}

INSTANTIATE_TEST_SUITE_P(Rows, ConfigErrorTest, ::testing::ValuesIn(kBadValues),
                         [](const auto& row) { return std::string(row.param.name); });

TEST(ConfigCheck, AGoodFileIsOk) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("posdiag_config_ok_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string config = (dir / "posdiag.toml").string();
  std::ofstream(config) << "[printer]\nport = \"/dev/ttyS1\"\n[keys]\ndiagnose = \"KEY_F2\"\n";
  const Outcome o = RunCommand({POSDIAG_BINARY, "config", "check", config});
  EXPECT_EQ(o.exit_status, 0) << o.err;
  EXPECT_EQ(o.out, config + ": OK\n");
  std::filesystem::remove_all(dir);
}

TEST(RulesCheck, AConditionOverAnUndeclaredFactIsRejectedWithAHint) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("posdiag_rules_fact_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string file = (dir / "site.toml").string();
  std::ofstream(file) << R"toml([[rule]]
id = "site.paper"
condition = 'printr.paper_end == true'
code = "P1"
severity = "error"
component = "printer"
title = { zh-CN = "缺纸", en = "Paper end" }
remedy = { zh-CN = ["装纸"], en = ["Load paper"] }
)toml";
  const Outcome o = RunCommand({POSDIAG_BINARY, "rules", "check", file});
  EXPECT_EQ(o.exit_status, 1) << o.out;
  // At the condition's text (line 3, after `condition = '`), not at the [[rule]] header.
  EXPECT_NE(o.err.find(file + ":3:14: rule 'site.paper' names fact 'printr.paper_end', which no "
                              "probe declares (did you mean 'printer.paper_end'?)"),
            std::string::npos)
      << o.err;
  std::filesystem::remove_all(dir);
}

TEST(Facts, ListsTheDeclaredFacts) {
  const Outcome facts = RunCommand({POSDIAG_BINARY, "facts"});
  ASSERT_EQ(facts.exit_status, 0) << facts.err;
  EXPECT_NE(facts.out.find("printer.paper_end  bool"), std::string::npos) << facts.out;
}

}  // namespace
}  // namespace posdiag
