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

// `rauc status --detailed --output-format=json` as RAUC prints it (two slots; B booted).
constexpr const char* kRaucStatus = R"({"compatible":"pos-terminal","variant":"","booted":"B",
  "boot_primary":"rootfs.1","slots":[
  {"rootfs.0":{"class":"rootfs","device":"/dev/mmcblk0p2","type":"ext4","bootname":"A",
    "state":"inactive","parent":null,"mountpoint":null,"boot_status":"good",
    "slot_status":{"bundle":{"compatible":"pos-terminal"},"status":"ok"}}},
  {"rootfs.1":{"class":"rootfs","device":"/dev/mmcblk0p3","type":"ext4","bootname":"B",
    "state":"booted","parent":null,"mountpoint":"/","boot_status":"good",
    "slot_status":{"bundle":{"compatible":"pos-terminal","version":"2.4.1"},
      "installed":{"timestamp":"2026-12-01T02:10:44Z","count":3},
      "activated":{"timestamp":"2026-12-01T02:10:51Z","count":3},"status":"ok"}}}]})";

TEST(UpdateGateTest, RaucStatusNamesTheBootedSlotAndItsLastActivation) {
  auto slot = ParseRaucStatus(kRaucStatus);
  ASSERT_TRUE(slot) << slot.error().detail;
  EXPECT_EQ(slot->bootname, "B");
  EXPECT_EQ(slot->boot_status, "good");
  EXPECT_EQ(slot->activation, "3 2026-12-01T02:10:51Z");
}

TEST(UpdateGateTest, ASlotRaucNeverInstalledHasNoActivation) {
  std::string text = kRaucStatus;
  const auto at = text.find(R"("activated")");
  text.replace(at, text.find('}', at) + 2 - at, "");
  auto slot = ParseRaucStatus(text);
  ASSERT_TRUE(slot) << slot.error().detail;
  EXPECT_EQ(slot->activation, "");
}

TEST(UpdateGateTest, RaucStatusThatCannotBeReadIsAnErrorNotAnOrdinaryBoot) {
  EXPECT_EQ(ParseRaucStatus("rauc: error: D-Bus not running").error().kind, ErrorKind::kParse);
  EXPECT_EQ(ParseRaucStatus(R"({"booted":"A","slots":{}})").error().kind, ErrorKind::kParse);
  std::string none = kRaucStatus;
  none.replace(none.find(R"("state":"booted")"), 16, R"("state":"active")");
  EXPECT_EQ(ParseRaucStatus(none).error().kind, ErrorKind::kNotFound);
}

}  // namespace
}  // namespace posdiag::agent
