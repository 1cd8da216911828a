// One run's report: what every probe did, every fact, the findings, and what could not be
// evaluated. Sinks render it; nothing in it is ever a card number or track data.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/engine/evaluator.h"
#include "rules/engine/fact.h"

namespace posdiag::agent {

// How deep a run goes: at boot, for the merchant (diagnose key), for the engineer (everything,
// including what needs a person at the terminal).
enum class Level { kBoot, kMerchant, kEngineer };
std::string_view LevelName(Level level);
bool ParseLevel(std::string_view text, Level& out);

// Where a run is, for a progress screen: `done` of `total` probes have finished; `running` is
// one still running (empty when all are done).
struct RunProgress {
  std::size_t done = 0;
  std::size_t total = 0;
  std::string running;
};

// kSkipped: configured, but not run this time on purpose (an incident run leaves the payment
// application's devices alone while it is in a transaction); the reason says why.
enum class ProbeStatus { kOk, kUnsupported, kNotConfigured, kError, kTimeout, kSkipped };
std::string_view ProbeStatusName(ProbeStatus s);  // "ok", "unsupported", "not_configured", ...

struct ProbeOutcome {
  std::string name;
  ProbeStatus status = ProbeStatus::kOk;
  std::chrono::milliseconds duration{0};
  std::string error;       // the reason for every status but ok
  rules::Localized title;  // what it checks, for people: "网络" / "Network"
  // Ok, but facts its rules cannot do without were not measured (a file that is not there, a
  // step its deadline left no time for): why, one reason per fact or step, "; "-joined. Empty
  // when it measured all it needs.
  std::string unmeasured = {};
};

// A configured check that ran but could not complete: it failed or overran its deadline. Not
// configured and unsupported are not checks that failed to complete.
bool CouldNotComplete(ProbeStatus status);
// The same for a whole outcome: it could not complete, or it ended ok without measuring what
// its rules need (`unmeasured`).
bool CouldNotComplete(const ProbeOutcome& outcome);

// How often each rule fired in the recent history (engineer report).
struct RuleFrequency {
  std::size_t reports = 0;                   // how many past reports were read
  std::map<std::string, std::size_t> fired;  // rule id -> reports in which it fired
};

// The failed payment an incident report was started by (the flight recorder, docs/recorder.md):
// what the journal said about it, never a card number. `failures` counts the failed entries this
// report covers: the one that started it and those the rate limit folded into it.
struct IncidentInfo {
  std::int64_t time_s = 0;  // the transaction's time (epoch seconds), as the journal has it
  std::string type;         // "sale", ...; empty when the journal has none
  std::string amount_band;  // "<10", "10-100", "100-1000", ">=1000"; empty when no amount
  std::string code;         // the host's response code ("98")
  bool local = false;       // a code [recorder] local_codes names: the failure was on the terminal
  std::int64_t failures = 1;
  std::int64_t first_s = 0;  // the first and last transaction times of those failures
  std::int64_t last_s = 0;
  std::int64_t capture_ms = 0;  // from reading the entry to the facts being captured
  // At that moment: the type of the interface carrying the route to the payment host, and
  // whether the host's name failed to resolve.
  std::string via;
  bool dns_failed = false;
};

// A past incident as history keeps it, for the key's merchant line and the engineer report.
struct IncidentDigest {
  std::string report_id;
  std::int64_t first_s = 0;
  std::int64_t last_s = 0;
  std::string code;
  std::int64_t failures = 1;
  std::string via;
  bool dns_failed = false;
  struct Cause {
    std::string rule;
    std::string code;
    rules::Localized title;
  };
  std::vector<Cause> causes;  // the findings shown (root causes), most severe first
};

enum class RunStatus { kOk, kWarning, kError, kCritical, kUnknown };
std::string_view RunStatusName(RunStatus s);  // "ok", "warning", "error", "critical", "unknown"

struct Report {
  std::string report_id;  // e.g. "7KQ2-M9X4": 7 symbols and a check symbol
  Level level = Level::kBoot;
  RunStatus status = RunStatus::kUnknown;
  std::chrono::system_clock::time_point started_at;
  std::chrono::milliseconds duration{0};
  std::vector<ProbeOutcome> probes;
  rules::FactSet facts;
  rules::Evaluation evaluation;
  std::vector<std::string> rule_errors;  // site rule files that failed to load, one line each
  std::vector<std::string> sink_errors;  // sinks that failed before this one ran
  RuleFrequency history;                 // filled at engineer level
  std::string config_source;             // the config file used, or "built-in defaults"
  // What asked for it: "selftest", "key" (the diagnose key), "console", "remote" (the desk).
  std::string kind = "selftest";
  // The hand-off summary the QR code and the slip carry ("PD1:...", docs/hand-off.md), signed
  // when [report] signing_key is set; empty when none was made.
  std::string handoff;
  std::optional<IncidentInfo> incident;  // kind "incident": the failed payment it is about
  // Recent incidents from history, newest first (merchant and engineer levels), and the zone
  // the merchant reads their times in (seconds east of UTC: [journal] utc_offset_min).
  std::vector<IncidentDigest> incidents;
  std::int64_t local_offset_s = 0;
};

// The exit status DESIGN.md promises: 0 all clear, 1 warnings only or a configured check that
// could not complete (status unknown: "incomplete" is never "all clear"), 2 error or critical,
// 3 could not complete at all (nothing could be measured).
int ExitCodeFor(const Report& report);

// The run status from the findings and probes: error or critical when such a finding fired;
// else unknown when a configured check could not complete (CouldNotComplete: it failed, overran
// or did not measure what its rules need) or nothing was
// measured at all; else warning or ok.
RunStatus StatusFor(const rules::Evaluation& evaluation, const std::vector<ProbeOutcome>& probes);

// The checks that could not complete (CouldNotComplete), in report order.
std::vector<const ProbeOutcome*> IncompleteChecks(const Report& report);
// Why one of them could not complete: its error, or what it did not measure.
const std::string& IncompleteReason(const ProbeOutcome& outcome);
// True when some probe measured something (false: the run could not test anything at all).
bool AnythingMeasured(const std::vector<ProbeOutcome>& probes);

}  // namespace posdiag::agent
