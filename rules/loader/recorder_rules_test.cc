// The rules over incidents (rules/catalog/recorder.toml, docs/recorder.md) over the facts the
// daemon's flight recorder writes: each fires on its own facts and on nothing less, and none is
// anything but clear in a report that is not an incident.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rules/engine/evaluator.h"
#include "rules/loader/catalog.h"

namespace posdiag::rules {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const LoadOutcome& RecorderRules() {
  static const LoadOutcome loaded =
      LoadRuleFile(std::string(POSDIAG_SOURCE_DIR) + "/rules/catalog/recorder.toml");
  return loaded;
}

// An incident on a terminal that found nothing in common with other failures: the first of the
// day, over ethernet, the name resolved, the host not reachable, not a failure on the terminal.
struct Incident {
  bool active = true;
  bool local = false;
  std::int64_t count = 1;
  std::int64_t not_cellular = 1;
  std::int64_t dns_failed = 0;
  bool dns_ok = true;
  bool tcp_ok = false;

  FactSet Facts() const {
    FactSet f;
    f.Add({"recorder.incident.active", active, "", "recorder"});
    f.Add({"recorder.incident.local", local, "", "recorder"});
    f.Add({"recorder.incident.recent.count", count, "", "recorder"});
    f.Add({"recorder.incident.recent.not_cellular", not_cellular, "", "recorder"});
    f.Add({"recorder.incident.recent.dns_failed", dns_failed, "", "recorder"});
    f.Add({"network.dns.ok", dns_ok, "", "network"});
    f.Add({"network.tcp.ok", tcp_ok, "", "network"});
    return f;
  }
};

// The rules that fired (shown or hidden); every rule must have been evaluated.
std::vector<std::string> Fired(const FactSet& facts) {
  const Evaluation ev = Evaluate(RecorderRules().rules, facts);
  std::vector<std::string> out;
  for (const auto& f : ev.findings) out.push_back(f.rule);
  for (const auto& f : ev.suppressed) out.push_back(f.rule);
  for (const auto& n : ev.not_evaluated) ADD_FAILURE() << n.rule << " not evaluated: " << n.reason;
  return out;
}

TEST(RecorderRules, LoadCleanlyAndAreTheFourDocumented) {
  const LoadOutcome& loaded = RecorderRules();
  ASSERT_TRUE(loaded.ok()) << (loaded.diagnostics.empty() ? "" : loaded.diagnostics[0].ToString());
  std::vector<std::string> ids;
  for (const Rule& r : loaded.rules) ids.push_back(r.id);
  // A rule added here needs its cases below.
  EXPECT_THAT(
      ids,
      ElementsAre("recorder.failures_while_dns_failing", "recorder.failures_repeat_with_dns",
                  "recorder.failures_only_on_cellular", "recorder.failures_with_host_reachable"));
}

TEST(RecorderRules, NothingInCommonFiresNothing) {
  EXPECT_THAT(Fired(Incident{}.Facts()), IsEmpty());
}

TEST(RecorderRules, FailuresWhileDnsFailing) {
  Incident i;
  i.dns_ok = false;
  EXPECT_THAT(Fired(i.Facts()), ElementsAre("recorder.failures_while_dns_failing"));
  i.active = false;
  EXPECT_THAT(Fired(i.Facts()), IsEmpty());
}

TEST(RecorderRules, FailuresRepeatWithDns) {
  Incident i;
  i.count = 3;
  i.dns_failed = 3;
  EXPECT_THAT(Fired(i.Facts()), ElementsAre("recorder.failures_repeat_with_dns"));
  i.dns_failed = 2;  // the third incident of the day, but only two while DNS failed
  EXPECT_THAT(Fired(i.Facts()), IsEmpty());
  i.count = 2;  // two incidents, both while DNS failed: not yet a pattern
  i.dns_failed = 2;
  EXPECT_THAT(Fired(i.Facts()), IsEmpty());
}

TEST(RecorderRules, FailuresOnlyOnCellular) {
  Incident i;
  i.count = 3;
  i.not_cellular = 0;
  EXPECT_THAT(Fired(i.Facts()), ElementsAre("recorder.failures_only_on_cellular"));
  i.not_cellular = 1;  // one of them over ethernet or Wi-Fi
  EXPECT_THAT(Fired(i.Facts()), IsEmpty());
  i.count = 2;
  i.not_cellular = 0;
  EXPECT_THAT(Fired(i.Facts()), IsEmpty());
}

TEST(RecorderRules, FailuresWithHostReachable) {
  Incident i;
  i.tcp_ok = true;
  EXPECT_THAT(Fired(i.Facts()), ElementsAre("recorder.failures_with_host_reachable"));
  i.local = true;  // a failure on the terminal: not the bank's side
  EXPECT_THAT(Fired(i.Facts()), IsEmpty());
}

// Every fact pointing at every rule, but not an incident: all four are clear, none "not
// evaluated" (the recorder's facts are written in every report; the rest may be missing).
TEST(RecorderRules, ClearInAReportThatIsNotAnIncident) {
  Incident i;
  i.active = false;
  i.count = 5;
  i.not_cellular = 0;
  i.dns_failed = 5;
  i.dns_ok = false;
  i.tcp_ok = true;
  EXPECT_THAT(Fired(i.Facts()), IsEmpty());
  FactSet only_active;
  only_active.Add({"recorder.incident.active", false, "", "recorder"});
  EXPECT_THAT(Fired(only_active), IsEmpty());
}

}  // namespace
}  // namespace posdiag::rules
