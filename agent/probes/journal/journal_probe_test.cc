#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "agent/probes/journal/journal_device.h"
#include "agent/probes/testing/probe_harness.h"
#include "rules/loader/catalog.h"

namespace posdiag::agent::probes {
namespace {

using posdiag::testing::FixtureTree;
using testing::AtEpoch;
using testing::FixedClock;
using testing::ProbeRun;
using testing::RunProbe;
using V = rules::FactValue;

// Now: 2024-05-01T12:34:56Z.
constexpr std::int64_t kNow = 1714566896;
constexpr char kPan[] = "6222020000000000001";
constexpr char kPath[] = "/var/spool/payapp/journal.jsonl";

std::string JsonLine(const std::string& time, const std::string& rc,
                     const std::string& type = "sale") {
  return R"({"time":")" + time + R"(","type":")" + type + R"(","amount":"12.50","rc":")" + rc +
         R"(","pan":")" + kPan + "\"}\n";
}

class JournalProbeTest : public ::testing::Test {
 protected:
  // [journal] with path_ and these further keys.
  std::string Config(const std::string& extra) const {
    return "[journal]\npath = \"" + path_ + "\"\n" + extra;
  }
  ProbeRun Run(const std::string& extra = "") {
    return RunProbe(device_, tree_, Config(extra), clock_);
  }
  // The config error those keys give, or "" when the schema takes them.
  std::string ConfigError(const std::string& extra) const {
    auto config = testing::DeviceConfig(device_, Config(extra));
    return config.ok() ? std::string() : config.error().detail;
  }
  // No fact value and no missing reason holds the card number or its middle digits.
  static void ExpectNoPan(const ProbeRun& run) {
    for (const auto& [name, fact] : run.facts.facts()) {
      const std::string value = rules::FactValueToString(fact.value);
      EXPECT_EQ(value.find("0200000000"), std::string::npos) << name << " = " << value;
      EXPECT_EQ(value.find(kPan), std::string::npos) << name << " = " << value;
      EXPECT_EQ(name.find("pan"), std::string::npos) << name;
    }
    for (const auto& [name, missing] : run.facts.missing()) {
      EXPECT_EQ(missing.reason.find(kPan), std::string::npos) << name << ": " << missing.reason;
    }
  }

  FixtureTree tree_;
  JournalDevice device_;
  FixedClock clock_{AtEpoch(kNow)};
  std::string path_ = kPath;
};

TEST_F(JournalProbeTest, DeclaresItsSectionAndLevels) {
  const auto sections = device_.ConfigSections();
  ASSERT_EQ(sections.size(), 1u);
  EXPECT_EQ(sections[0].name, "journal");
  const auto probe = device_.MakeProbe();
  ASSERT_NE(probe, nullptr);
  EXPECT_EQ(probe->Name(), "journal");
  EXPECT_EQ(probe->Levels(), kAllLevels);
  EXPECT_TRUE(probe->NeedsConfigSection());
  EXPECT_TRUE(device_.Routines().empty());
}

// The defaults docs/configuration.md gives for [journal].
TEST_F(JournalProbeTest, DefaultsAreTheDocumentedOnes) {
  auto config = testing::DeviceConfig(device_, "[journal]\npath = \"/j\"\n");
  ASSERT_TRUE(config.ok()) << config.error().detail;
  EXPECT_EQ(CheckSpecs(config->specs()), std::vector<std::string>{});
  const ConfigSection& s = config->Section("journal");
  EXPECT_EQ(s.GetString("format"), "jsonl");
  EXPECT_EQ(s.GetString("time_field"), "time");
  EXPECT_EQ(s.GetString("type_field"), "type");
  EXPECT_EQ(s.GetString("amount_field"), "amount");
  EXPECT_EQ(s.GetString("code_field"), "rc");
  EXPECT_EQ(s.GetString("pan_field"), "");
  EXPECT_TRUE(s.GetBool("csv_header"));
  EXPECT_EQ(s.GetInt("window_min"), 30);
  EXPECT_EQ(s.GetInt("utc_offset_min"), 0);
  EXPECT_TRUE(s.GetBool("enabled"));
  EXPECT_EQ(s.GetInt("timeout_ms"), 2000);
}

// A table without a path is a mistake in the file, not a journal to skip.
TEST_F(JournalProbeTest, NoPathIsAConfigError) {
  auto config = testing::DeviceConfig(device_, "[journal]\nformat = \"csv\"\n");
  ASSERT_FALSE(config.ok());
  EXPECT_NE(config.error().detail.find("test.toml:1:1: [journal] path: is required"),
            std::string::npos)
      << config.error().detail;
}

TEST_F(JournalProbeTest, HealthyJsonLines) {
  tree_.Put(kPath, JsonLine("2024-05-01T12:20:00Z", "00") +
                       JsonLine("2024-05-01T20:30:00+08:00", "00") +
                       JsonLine("2024-05-01 12:33:56", "00", "void"));
  const ProbeRun run = Run();
  ASSERT_TRUE(run.result.ok()) << run.result.error().detail;
  EXPECT_EQ(run.Value("journal.lines.read"), V(std::int64_t{3}));
  EXPECT_EQ(run.Value("journal.lines.bad"), V(std::int64_t{0}));
  EXPECT_EQ(run.Value("journal.window.total"), V(std::int64_t{3}));
  EXPECT_EQ(run.Value("journal.window.approved"), V(std::int64_t{3}));
  EXPECT_EQ(run.Value("journal.window.failed"), V(std::int64_t{0}));
  EXPECT_EQ(run.Value("journal.window.code.00"), V(std::int64_t{3}));
  EXPECT_EQ(run.Value("journal.window.bank_side"), V(std::int64_t{0}));
  EXPECT_EQ(run.Value("journal.window.timeouts"), V(std::int64_t{0}));
  EXPECT_EQ(run.Value("journal.consecutive_failures"), V(std::int64_t{0}));
  EXPECT_EQ(run.Value("journal.last.code"), V(std::string("00")));
  EXPECT_EQ(run.Value("journal.last.age_s"), V(std::int64_t{60}));
  EXPECT_EQ(run.Unit("journal.last.age_s"), "s");
  EXPECT_EQ(run.Value("journal.last.in_window"), V(true));
  EXPECT_EQ(run.Value("journal.last.time"), V(std::string("2024-05-01T12:33:56Z")));
  EXPECT_EQ(run.Value("journal.last.type"), V(std::string("void")));
  EXPECT_EQ(run.Value("journal.last.amount"), V(12.5));
  EXPECT_EQ(run.Value("journal.window.minutes"), V(std::int64_t{30}));
  ExpectNoPan(run);
}

TEST_F(JournalProbeTest, BankMaintenanceAndFailuresSinceTheLastApproval) {
  std::string text = JsonLine("2024-05-01T10:00:00Z", "91");  // before the window
  text += JsonLine("2024-05-01T12:10:00Z", "00");
  for (int m = 20; m < 25; ++m)
    text += JsonLine("2024-05-01T12:" + std::to_string(m) + ":00Z", "91");
  text += JsonLine("2024-05-01T12:30:00Z", "98");
  text += JsonLine("2024-05-01T12:31:00Z", "A0");
  tree_.Put(kPath, text);
  const ProbeRun run = Run();
  ASSERT_TRUE(run.result.ok()) << run.result.error().detail;
  EXPECT_EQ(run.Value("journal.window.total"), V(std::int64_t{8}));
  EXPECT_EQ(run.Value("journal.window.code.91"), V(std::int64_t{5}));
  EXPECT_EQ(run.Value("journal.window.code.a0"), V(std::int64_t{1}));
  EXPECT_EQ(run.Value("journal.window.bank_side"), V(std::int64_t{6}));
  EXPECT_EQ(run.Value("journal.window.timeouts"), V(std::int64_t{1}));
  EXPECT_EQ(run.Value("journal.window.failed"), V(std::int64_t{7}));
  EXPECT_EQ(run.Value("journal.consecutive_failures"), V(std::int64_t{7}));
  EXPECT_EQ(run.Value("journal.last.code"), V(std::string("A0")));
  EXPECT_FALSE(run.Has("journal.window.code.51"));
  ExpectNoPan(run);
}

TEST_F(JournalProbeTest, TheWindowFollowsTheConfig) {
  tree_.Put(kPath, JsonLine("2024-05-01T11:40:00Z", "51") + JsonLine("2024-05-01T12:30:00Z", "00"));
  EXPECT_EQ(Run().Value("journal.window.total"), V(std::int64_t{1}));
  EXPECT_EQ(Run("window_min = 60\n").Value("journal.window.total"), V(std::int64_t{2}));
  // Zoneless times at UTC+8: 20:30 local is 12:30Z.
  tree_.Put(kPath, JsonLine("2024-05-01 20:30:00", "00"));
  EXPECT_EQ(Run("utc_offset_min = 480\n").Value("journal.last.age_s"), V(std::int64_t{296}));
}

TEST_F(JournalProbeTest, BadLinesAreCountedAndSkipped) {
  tree_.Put(kPath, JsonLine("2024-05-01T12:30:00Z", "51") + "garbage " + kPan + "\n" +
                       R"({"time":"2024-05-01T12:31:00Z","rc":"5"})"
                       "\n" +
                       R"({"time":"2024-05-01T12:32)");  // truncated mid-write
  const ProbeRun run = Run();
  ASSERT_TRUE(run.result.ok());
  EXPECT_EQ(run.Value("journal.lines.read"), V(std::int64_t{4}));
  EXPECT_EQ(run.Value("journal.lines.bad"), V(std::int64_t{3}));
  EXPECT_EQ(run.Value("journal.last.code"), V(std::string("51")));
  ExpectNoPan(run);
}

TEST_F(JournalProbeTest, EmptyAndUnreadableJournals) {
  tree_.Put(kPath, "");
  const ProbeRun empty = Run();
  ASSERT_TRUE(empty.result.ok());
  EXPECT_EQ(empty.Value("journal.lines.read"), V(std::int64_t{0}));
  EXPECT_EQ(empty.Value("journal.window.total"), V(std::int64_t{0}));
  EXPECT_EQ(empty.Why("journal.last.code"), "the journal has no transactions");

  tree_.Put(kPath, "nothing\nuseful\n");
  const ProbeRun garbage = Run();
  EXPECT_EQ(garbage.Value("journal.lines.bad"), V(std::int64_t{2}));
  EXPECT_EQ(garbage.Why("journal.last.age_s"), "no line of the journal's tail could be read");

  path_ = "/var/spool/payapp/none.jsonl";
  const ProbeRun none = Run();
  ASSERT_FALSE(none.result.ok());
  EXPECT_EQ(none.result.error().kind, ErrorKind::kNotFound);
}

// Wrong values never reach the probe: the schema refuses them, with where and why.
TEST_F(JournalProbeTest, ConfigMistakesAreConfigErrors) {
  const struct {
    const char* extra;
    const char* error;
  } cases[] = {
      {"format = \"xml\"\n", "test.toml:3:10: [journal] format: must be one of jsonl, csv"},
      {"pan_field = \"rc\"\n",
       "test.toml:3:1: [journal] pan_field: names the same field as code_field, which is read"},
      {"time_field = \"when\"\npan_field = \"when\"\n",
       "test.toml:4:1: [journal] pan_field: names the same field as time_field"},
      {"format = \"csv\"\ncode_field = \"2\"\npan_field = \"2\"\n",
       "test.toml:5:1: [journal] pan_field: names the same field as code_field"},
      {"code_field = \"time\"\n",
       "test.toml:3:1: [journal] code_field: time_field and code_field name the same field"},
      {"format = \"csv\"\ncsv_header = false\n",
       "test.toml:4:1: [journal] csv_header: time_field \"time\" is a name, but the journal has no "
       "header row"},
      {"time_field = \"\"\n", "test.toml:3:14: [journal] time_field: must not be empty"},
      {"code_field = \"\"\n", "test.toml:3:14: [journal] code_field: must not be empty"},
      {"pan_field = \"\"\n", "test.toml:3:13: [journal] pan_field: must not be empty"},
      {"window_min = 0\n", "test.toml:3:14: [journal] window_min: 0 is out of range 1..10080"},
      {"utc_offset_min = 900\n",
       "test.toml:3:18: [journal] utc_offset_min: 900 is out of range -720..840"},
      {"csv_header = \"yes\"\n", "test.toml:3:14: [journal] csv_header: must be a boolean"},
  };
  for (const auto& c : cases) {
    EXPECT_NE(ConfigError(c.extra).find(c.error), std::string::npos)
        << c.extra << ConfigError(c.extra);
  }
  path_ = "journal.jsonl";
  EXPECT_NE(ConfigError("").find("test.toml:2:8: [journal] path: must be an absolute path"),
            std::string::npos)
      << ConfigError("");
}

// A card number field that no other field names is taken, and never read.
TEST_F(JournalProbeTest, ACardNumberFieldOfItsOwnIsTaken) {
  tree_.Put(kPath, JsonLine("2024-05-01T12:30:00Z", "00"));
  const ProbeRun run = Run("pan_field = \"pan\"\n");
  EXPECT_TRUE(run.result.ok());
  ExpectNoPan(run);
}

TEST_F(JournalProbeTest, CsvWithHeaderQuotesAndAPanColumn) {
  path_ = "/var/spool/payapp/journal.csv";
  tree_.Put(path_, std::string("when,kind,amt,resp,card\r\n") +
                       "2024-05-01T12:30:00Z,\"sale, chip\",10.00,00," + kPan + "\r\n" +
                       "2024-05-01T12:31:00Z,\"say \"\"hi\"\"\",\"1,000.00\",51," + kPan + "\r\n" +
                       "2024-05-01T12:32:00Z,\"broken,51," + kPan + "\r\n");
  const ProbeRun run =
      Run("format = \"csv\"\ntime_field = \"when\"\ntype_field = \"kind\"\namount_field = \"amt\"\n"
          "code_field = \"resp\"\npan_field = \"card\"\n");
  ASSERT_TRUE(run.result.ok()) << run.result.error().detail;
  EXPECT_EQ(run.Value("journal.lines.read"), V(std::int64_t{3}));  // the header is not a line
  EXPECT_EQ(run.Value("journal.lines.bad"), V(std::int64_t{1}));
  EXPECT_EQ(run.Value("journal.window.code.51"), V(std::int64_t{1}));
  EXPECT_EQ(run.Value("journal.last.code"), V(std::string("51")));
  EXPECT_EQ(run.Value("journal.last.type"), V(std::string("say \"hi\"")));
  EXPECT_FALSE(run.Has("journal.last.amount"));  // "1,000.00" is not a number
  EXPECT_EQ(run.Value("journal.consecutive_failures"), V(std::int64_t{1}));
  ExpectNoPan(run);

  // The card number column by name and another field by number: only the header shows they are
  // the same column.
  const ProbeRun clash =
      Run("format = \"csv\"\ntime_field = \"0\"\ncode_field = \"resp\"\npan_field = \"when\"\n");
  ASSERT_FALSE(clash.result.ok());
  EXPECT_EQ(clash.result.error().kind, ErrorKind::kInvalid);
  EXPECT_NE(clash.result.error().detail.find("pan_field"), std::string::npos);
  const ProbeRun unknown = Run("format = \"csv\"\n");  // no "time" column in this header
  EXPECT_EQ(unknown.result.error().kind, ErrorKind::kInvalid);
}

TEST_F(JournalProbeTest, CsvHeaderIsReadFromTheStartOfALargeFile) {
  path_ = "/var/spool/payapp/journal.csv";
  std::string text = "rc,time\n";
  // About 400 KiB: more than the tail the probe reads.
  for (int i = 0; i < 12000; ++i) text += "00,2024-05-01T11:00:00Z," + std::string(10, 'x') + "\n";
  text += "A0,2024-05-01T12:34:00Z\n";
  tree_.Put(path_, text);
  const ProbeRun run = Run("format = \"csv\"\n");
  ASSERT_TRUE(run.result.ok()) << run.result.error().detail;
  EXPECT_EQ(run.Value("journal.lines.read"), V(std::int64_t{2000}));
  EXPECT_EQ(run.Value("journal.lines.bad"), V(std::int64_t{0}));
  EXPECT_EQ(run.Value("journal.last.code"), V(std::string("A0")));
  EXPECT_EQ(run.Value("journal.window.total"), V(std::int64_t{1}));
}

TEST_F(JournalProbeTest, CsvByColumnNumberWithoutHeader) {
  path_ = "/var/spool/payapp/journal.csv";
  tree_.Put(path_, "1714566800,sale,96\n1714566850,sale,96\n");
  const ProbeRun run =
      Run("format = \"csv\"\ncsv_header = false\ntime_field = \"0\"\ntype_field = \"1\"\n"
          "code_field = \"2\"\namount_field = \"\"\n");
  ASSERT_TRUE(run.result.ok()) << run.result.error().detail;
  EXPECT_EQ(run.Value("journal.window.code.96"), V(std::int64_t{2}));
  EXPECT_EQ(run.Value("journal.window.bank_side"), V(std::int64_t{2}));
  EXPECT_EQ(run.Value("journal.last.age_s"), V(std::int64_t{46}));
}

// Every journal.* fact the catalogue's conditions name is one the probe declares.
TEST_F(JournalProbeTest, DeclaresEveryFactTheCatalogueUses) {
  const auto catalog =
      rules::LoadRuleFile(std::string(POSDIAG_SOURCE_DIR) + "/rules/catalog/journal.toml");
  ASSERT_TRUE(catalog.ok());
  const rules::FactSchema declared(device_.MakeProbe()->Facts());
  std::size_t checked = 0;
  for (const auto& rule : catalog.rules) {
    for (const std::string& fact : rules::ExprFacts(*rule.expr)) {
      if (!fact.starts_with("journal.")) continue;
      EXPECT_NE(declared.Find(fact), nullptr) << rule.id << ": " << fact;
      ++checked;
    }
  }
  EXPECT_GT(checked, 0u);
}

}  // namespace
}  // namespace posdiag::agent::probes
