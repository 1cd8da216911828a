#include "agent/modes/update_gate.h"

#include <gtest/gtest.h>

namespace posdiag::agent {
namespace {

Report Base() {
  Report r;
  r.probes = {{"network", ProbeStatus::kOk, {}, "", {}},
              {"system", ProbeStatus::kOk, {}, "", {}},
              {"printer", ProbeStatus::kOk, {}, "", {}}};
  return r;
}

rules::Finding Finding(const std::string& component, rules::Severity severity) {
  rules::Finding f;
  f.rule = component + ".broken";
  f.code = "T1";
  f.component = component;
  f.severity = severity;
  f.title = {"坏了", "broken"};
  return f;
}

TEST(UpdateGateTest, KeepsWhenThePaymentPathIsClearWhateverElseIsWrong) {
  Report r = Base();
  r.evaluation.findings.push_back(Finding("printer", rules::Severity::kCritical));
  r.evaluation.findings.push_back(Finding("network", rules::Severity::kWarning));
  EXPECT_EQ(JudgeUpdate(r, kPaymentPath).kind, GateVerdict::Kind::kKeep);
}

TEST(UpdateGateTest, RollsBackOnAPaymentPathError) {
  Report r = Base();
  r.evaluation.findings.push_back(Finding("network", rules::Severity::kError));
  const GateVerdict v = JudgeUpdate(r, kPaymentPath);
  EXPECT_EQ(v.kind, GateVerdict::Kind::kRollBack);
  ASSERT_EQ(v.reasons.size(), 1u);
  EXPECT_EQ(v.reasons[0], "T1 network.broken: broken");
  // The same finding off the path the site names does not count.
  EXPECT_EQ(JudgeUpdate(r, {"system"}).kind, GateVerdict::Kind::kKeep);
}

TEST(UpdateGateTest, ACheckThatCouldNotCompleteIsNotAPass) {
  Report r = Base();
  r.probes[0].status = ProbeStatus::kTimeout;
  r.probes[0].error = "deadline";
  const GateVerdict v = JudgeUpdate(r, kPaymentPath);
  EXPECT_EQ(v.kind, GateVerdict::Kind::kCannotTell);
  EXPECT_EQ(v.reasons[0], "network could not complete: deadline");
  Report unconfigured = Base();
  unconfigured.probes[0].status = ProbeStatus::kNotConfigured;
  EXPECT_EQ(JudgeUpdate(unconfigured, kPaymentPath).kind, GateVerdict::Kind::kCannotTell);
  Report nothing;
  nothing.probes = {{"printer", ProbeStatus::kOk, {}, "", {}}};
  EXPECT_EQ(JudgeUpdate(nothing, kPaymentPath).kind, GateVerdict::Kind::kCannotTell);
}

}  // namespace
}  // namespace posdiag::agent
