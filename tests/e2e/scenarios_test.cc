// Runs every simulated terminal (tests/sim/scenarios/*.sh) through the real posdiag binary with
// tests/sim/posdiag-sim and checks the external contract: the exit status, the JSON report and
// the text report show the scenario's expected findings, and nothing else.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/run_command.h"

namespace posdiag {
namespace {

using e2e::Outcome;
using e2e::RunCommand;

std::vector<std::string> ScenarioNames() {
  std::vector<std::string> names;
  const std::filesystem::path dir =
      std::filesystem::path(POSDIAG_SOURCE_DIR) / "tests/sim/scenarios";
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".sh") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

struct Expectation {
  int exit_status = -1;
  std::set<std::string> rules;
  std::set<std::string> codes;        // empty: not checked
  std::set<std::string> suppressed;   // symptoms hidden behind a root cause
  std::string level = "boot";         // posdiag-sim run passes it unless told another
  std::set<std::string> incomplete;   // probes that must be incomplete (error, timeout, unmeasured)
  long max_duration_ms = -1;          // -1: not checked
  std::set<std::string> facts;        // NAME=VALUE or NAME>=NUMBER
  std::set<std::string> rule_errors;  // texts the report's rule_errors must hold (else: none)
};

std::set<std::string> SplitCommas(const std::string& text) {
  std::set<std::string> out;
  std::istringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    if (!item.empty()) out.insert(item);
  }
  return out;
}

Expectation Expect(const std::string& scenario) {
  const Outcome o = RunCommand({POSDIAG_SIM, "expect", scenario});
  EXPECT_EQ(o.exit_status, 0) << o.out;
  Expectation e;
  std::istringstream lines(o.out);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.rfind("exit=", 0) == 0) e.exit_status = std::stoi(line.substr(5));
    if (line.rfind("rules=", 0) == 0) e.rules = SplitCommas(line.substr(6));
    if (line.rfind("codes=", 0) == 0) e.codes = SplitCommas(line.substr(6));
    if (line.rfind("suppressed=", 0) == 0) e.suppressed = SplitCommas(line.substr(11));
    if (line.rfind("level=", 0) == 0 && line.size() > 6) e.level = line.substr(6);
    if (line.rfind("incomplete=", 0) == 0) e.incomplete = SplitCommas(line.substr(11));
    if (line.rfind("facts=", 0) == 0) e.facts = SplitCommas(line.substr(6));
    if (line.rfind("rule_errors=", 0) == 0) e.rule_errors = SplitCommas(line.substr(12));
    if (line.rfind("max_duration_ms=", 0) == 0 && line.size() > 16) {
      e.max_duration_ms = std::stol(line.substr(16));
    }
  }
  return e;
}

// Checks one NAME=VALUE or NAME>=NUMBER against the report's facts; the failure says why.
::testing::AssertionResult HasFact(const nlohmann::json& report, const std::string& want) {
  const auto ge = want.find(">=");
  const auto eq = want.find('=');
  if (eq == std::string::npos || eq == 0) {
    return ::testing::AssertionFailure() << "not NAME=VALUE or NAME>=NUMBER: " << want;
  }
  const bool at_least = ge != std::string::npos && ge + 1 == eq;
  const std::string name = want.substr(0, at_least ? ge : eq);
  const std::string value = want.substr(eq + 1);
  const auto facts = report.value("facts", nlohmann::json::object());
  if (!facts.contains(name)) {
    const auto missing = report.value("facts_missing", nlohmann::json::object());
    return ::testing::AssertionFailure()
           << name << " is not in the report: " << missing.value(name, "(not missing either)");
  }
  const nlohmann::json& got = facts[name];
  if (at_least) {
    if (got.is_number() && got.get<double>() >= std::stod(value)) {
      return ::testing::AssertionSuccess();
    }
  } else if ((got.is_string() && got.get<std::string>() == value) ||
             (!got.is_string() && got.dump() == value)) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << name << " is " << got.dump() << ", wanted " << (at_least ? ">= " : "") << value;
}

class ScenarioTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ScenarioTest, JsonAndTextReportsShowTheExpectedFindings) {
  const std::string scenario = GetParam();
  const Expectation want = Expect(scenario);
  ASSERT_GE(want.exit_status, 0) << "posdiag-sim expect " << scenario << " gave no exit=";

  const Outcome json_run =
      RunCommand({POSDIAG_SIM, "run", scenario, "--posdiag", POSDIAG_BINARY, "--format", "json"});
  EXPECT_EQ(json_run.exit_status, want.exit_status) << json_run.out << "\nstderr:\n"
                                                    << json_run.err;
  const auto report = nlohmann::json::parse(json_run.out, nullptr, /*allow_exceptions=*/false);
  ASSERT_FALSE(report.is_discarded()) << "not JSON:\n" << json_run.out;
  EXPECT_EQ(report.value("schema", ""), "posdiag.report/1");
  EXPECT_EQ(report.value("level", ""), want.level);
  ASSERT_TRUE(report.contains("findings") && report["findings"].is_array()) << json_run.out;

  std::set<std::string> got;
  std::set<std::string> codes;
  std::vector<std::string> titles;
  for (const auto& f : report["findings"]) {
    const std::string rule = f.value("rule", "");
    got.insert(rule);
    codes.insert(f.value("code", ""));
    if (f.contains("title")) titles.push_back(f["title"].value("en", ""));
  }
  EXPECT_EQ(got, want.rules) << json_run.out;
  if (!want.codes.empty()) {
    EXPECT_EQ(codes, want.codes) << json_run.out;
  }
  std::set<std::string> hidden;
  for (const auto& f : report.value("suppressed_findings", nlohmann::json::array())) {
    hidden.insert(f.value("rule", ""));
  }
  for (const auto& rule : want.suppressed) {
    EXPECT_TRUE(hidden.contains(rule)) << rule << " is not suppressed:\n" << json_run.out;
  }
  // Every probe that ran measured something, but those the scenario expects to be incomplete:
  // no scenario may pass because a probe failed unnoticed.
  std::set<std::string> incomplete;
  for (const auto& p : report["probes"]) {
    const std::string name = p.value("name", "");
    const std::string status = p.value("status", "");
    if (want.incomplete.contains(name)) {
      // It failed, overran, or ran to its end without what its rules need (ok, and listed as
      // "incomplete" below).
      EXPECT_TRUE(status == "error" || status == "timeout" || status == "ok")
          << name << ": " << status;
    } else {
      EXPECT_TRUE(status == "ok" || status == "not_configured")
          << name << ": " << status << ": " << p.value("error", "");
    }
  }
  for (const auto& i : report.value("incomplete", nlohmann::json::array())) {
    incomplete.insert(i.value("probe", ""));
    EXPECT_FALSE(i.value("reason", "").empty()) << i.dump();
  }
  EXPECT_EQ(incomplete, want.incomplete) << json_run.out;
  if (!want.incomplete.empty()) {
    EXPECT_EQ(report.value("status", ""), "unknown");
  }
  if (want.max_duration_ms >= 0) {
    EXPECT_LE(report.value("duration_ms", 0L), want.max_duration_ms) << json_run.out;
  }
  for (const auto& fact : want.facts) {
    EXPECT_TRUE(HasFact(report, fact));
  }
  // A site rule file the run left out is listed; no scenario passes with one left out unsaid.
  const auto rule_errors = report.value("rule_errors", nlohmann::json::array());
  if (want.rule_errors.empty()) {
    EXPECT_TRUE(rule_errors.empty()) << rule_errors.dump(2);
  }
  for (const auto& text : want.rule_errors) {
    EXPECT_NE(rule_errors.dump().find(text), std::string::npos)
        << text << " is not in rule_errors: " << rule_errors.dump(2);
  }

  const Outcome text_run = RunCommand({POSDIAG_SIM, "run", scenario, "--posdiag", POSDIAG_BINARY,
                                       "--format", "text", "--lang", "en"});
  EXPECT_EQ(text_run.exit_status, want.exit_status) << text_run.out << "\nstderr:\n"
                                                    << text_run.err;
  for (const auto& title : titles) {
    EXPECT_NE(text_run.out.find(title), std::string::npos)
        << "title \"" << title << "\" not in the text report:\n"
        << text_run.out;
  }
  if (want.rules.empty()) {
    EXPECT_EQ(text_run.out.find("[E1]"), std::string::npos) << text_run.out;
  }
  // The merchant's lines stop before the engineer sections; a hidden symptom is not among them.
  const std::string merchant_lines = text_run.out.substr(0, text_run.out.find("\n== "));
  for (const auto& rule : want.suppressed) {
    for (const auto& f : report["suppressed_findings"]) {
      if (f.value("rule", "") != rule) continue;
      const std::string title = f["title"].value("en", "");
      EXPECT_EQ(merchant_lines.find(title), std::string::npos)
          << "suppressed \"" << title << "\" shown to the merchant:\n"
          << text_run.out;
    }
  }

  // The engineer's report names each finding by its rule id.
  const Outcome engineer = RunCommand({POSDIAG_SIM, "run", scenario, "--posdiag", POSDIAG_BINARY,
                                       "--format", "text", "--lang", "en", "--level", "engineer"});
  EXPECT_EQ(engineer.exit_status, want.exit_status) << engineer.out << "\nstderr:\n"
                                                    << engineer.err;
  for (const auto& rule : want.rules) {
    EXPECT_NE(engineer.out.find(rule), std::string::npos) << rule << " not in:\n" << engineer.out;
  }
  for (const auto& rule : want.suppressed) {
    EXPECT_NE(engineer.out.find(rule), std::string::npos) << rule << " not in:\n" << engineer.out;
  }
}

// gtest names may not hold '-': "on-battery-low" runs as Sim/ScenarioTest.X/on_battery_low.
std::string TestName(const ::testing::TestParamInfo<std::string>& param) {
  std::string name = param.param;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

INSTANTIATE_TEST_SUITE_P(Sim, ScenarioTest, ::testing::ValuesIn(ScenarioNames()), TestName);

TEST(PosdiagSim, ListsEveryScenarioWithADescription) {
  const Outcome o = RunCommand({POSDIAG_SIM, "list"});
  ASSERT_EQ(o.exit_status, 0);
  const auto names = ScenarioNames();
  ASSERT_GE(names.size(), 6u);
  for (const auto& name : names) {
    const auto at = o.out.find(name + " ");
    ASSERT_NE(at, std::string::npos) << name << " not listed:\n" << o.out;
    const auto eol = o.out.find('\n', at);
    EXPECT_GT(eol - at, name.size() + 5) << name << " has no description";
  }
}

TEST(PosdiagSim, BuildsATreeAndAConfig) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("posdiag_sim_build_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  const Outcome o = RunCommand({POSDIAG_SIM, "build", "healthy", dir.string()});
  ASSERT_EQ(o.exit_status, 0) << o.out;
  for (const char* rel :
       {"posdiag.toml", "root/sys/class/power_supply/BAT0/capacity",
        "root/sys/class/thermal/thermal_zone0/trip_point_0_temp", "root/proc/meminfo",
        "root/var/lib/dpkg/status", "root/opt/payapp/bin/payapp"}) {
    EXPECT_TRUE(std::filesystem::exists(dir / rel)) << rel;
  }
  // Building into a non-empty directory is refused rather than mixed with the old tree.
  EXPECT_EQ(RunCommand({POSDIAG_SIM, "build", "healthy", dir.string()}).exit_status, 70);
  std::filesystem::remove_all(dir);
}

TEST(PosdiagSim, RejectsUnknownScenariosAndCommands) {
  EXPECT_EQ(RunCommand({POSDIAG_SIM, "expect", "no-such-scenario"}).exit_status, 64);
  EXPECT_EQ(RunCommand({POSDIAG_SIM, "expect", "../healthy"}).exit_status, 64);
  EXPECT_EQ(RunCommand({POSDIAG_SIM, "frobnicate"}).exit_status, 64);
}

}  // namespace
}  // namespace posdiag
