#include "agent/report.h"

#include <gtest/gtest.h>

namespace posdiag::agent {
namespace {

rules::Finding Fired(rules::Severity severity) {
  rules::Finding f;
  f.rule = "some.rule";
  f.severity = severity;
  return f;
}

// A run's status and exit status from what its probes did and what fired.
struct Judged {
  Report report;
  Judged(std::vector<ProbeOutcome> probes, std::vector<rules::Finding> findings = {}) {
    report.probes = std::move(probes);
    report.evaluation.findings = std::move(findings);
    report.status = StatusFor(report.evaluation, report.probes);
  }
  RunStatus status() const { return report.status; }
  int exit() const { return ExitCodeFor(report); }
};

ProbeOutcome MakeOutcome(std::string name, ProbeStatus status, std::string unmeasured = {}) {
  ProbeOutcome p;
  p.name = std::move(name);
  p.status = status;
  p.unmeasured = std::move(unmeasured);
  return p;
}

TEST(StatusFor, AllMeasuredAndNothingFiredIsClear) {
  const Judged run({MakeOutcome("system", ProbeStatus::kOk),
                    MakeOutcome("printer", ProbeStatus::kNotConfigured)});
  EXPECT_EQ(run.status(), RunStatus::kOk);
  EXPECT_EQ(run.exit(), 0);
  EXPECT_TRUE(IncompleteChecks(run.report).empty());
}

// A probe the runner abandoned at its deadline: unknown, exit 1, even beside a warning.
TEST(StatusFor, AProbeThatTimedOutIsNeverClear) {
  const Judged run(
      {MakeOutcome("system", ProbeStatus::kOk), MakeOutcome("network", ProbeStatus::kTimeout)},
      {Fired(rules::Severity::kWarning)});
  EXPECT_EQ(run.status(), RunStatus::kUnknown);
  EXPECT_EQ(run.exit(), 1);
  ASSERT_EQ(IncompleteChecks(run.report).size(), 1u);
  EXPECT_EQ(IncompleteChecks(run.report)[0]->name, "network");
}

// Ok, but without facts its rules need: unknown, exit 1, named with what it did not measure.
TEST(StatusFor, AProbeThatDidNotMeasureWhatItsRulesNeedIsNeverClear) {
  const Judged run({MakeOutcome("system", ProbeStatus::kOk,
                                "system.memory.available_pct: /proc/meminfo: not found")});
  EXPECT_EQ(run.status(), RunStatus::kUnknown);
  EXPECT_EQ(run.exit(), 1);
  ASSERT_EQ(IncompleteChecks(run.report).size(), 1u);
  EXPECT_EQ(IncompleteReason(*IncompleteChecks(run.report)[0]),
            "system.memory.available_pct: /proc/meminfo: not found");
}

// An error found outweighs what could not be checked.
TEST(StatusFor, AnErrorFoundOutweighsAnIncompleteCheck) {
  const Judged run({MakeOutcome("system", ProbeStatus::kOk, "system.load.per_cpu_1m: not found"),
                    MakeOutcome("network", ProbeStatus::kOk)},
                   {Fired(rules::Severity::kError)});
  EXPECT_EQ(run.status(), RunStatus::kError);
  EXPECT_EQ(run.exit(), 2);
}

TEST(StatusFor, NothingMeasuredAtAllIsExitThree) {
  const Judged run({MakeOutcome("system", ProbeStatus::kError)});
  EXPECT_EQ(run.status(), RunStatus::kUnknown);
  EXPECT_EQ(run.exit(), 3);
}

}  // namespace
}  // namespace posdiag::agent
