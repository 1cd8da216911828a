#include "agent/report.h"

#include <algorithm>

namespace posdiag::agent {

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kBoot:
      return "boot";
    case Level::kMerchant:
      return "merchant";
    case Level::kEngineer:
      return "engineer";
  }
  return "boot";
}

bool ParseLevel(std::string_view text, Level& out) {
  for (Level l : {Level::kBoot, Level::kMerchant, Level::kEngineer}) {
    if (text == LevelName(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

std::string_view ProbeStatusName(ProbeStatus s) {
  switch (s) {
    case ProbeStatus::kOk:
      return "ok";
    case ProbeStatus::kUnsupported:
      return "unsupported";
    case ProbeStatus::kNotConfigured:
      return "not_configured";
    case ProbeStatus::kError:
      return "error";
    case ProbeStatus::kTimeout:
      return "timeout";
    case ProbeStatus::kSkipped:
      return "skipped";
  }
  return "error";
}

std::string_view RunStatusName(RunStatus s) {
  switch (s) {
    case RunStatus::kOk:
      return "ok";
    case RunStatus::kWarning:
      return "warning";
    case RunStatus::kError:
      return "error";
    case RunStatus::kCritical:
      return "critical";
    case RunStatus::kUnknown:
      return "unknown";
  }
  return "unknown";
}

bool CouldNotComplete(ProbeStatus status) {
  return status == ProbeStatus::kError || status == ProbeStatus::kTimeout;
}

bool CouldNotComplete(const ProbeOutcome& outcome) {
  return CouldNotComplete(outcome.status) ||
         (outcome.status == ProbeStatus::kOk && !outcome.unmeasured.empty());
}

const std::string& IncompleteReason(const ProbeOutcome& outcome) {
  return CouldNotComplete(outcome.status) ? outcome.error : outcome.unmeasured;
}

bool AnythingMeasured(const std::vector<ProbeOutcome>& probes) {
  return std::any_of(probes.begin(), probes.end(),
                     [](const ProbeOutcome& p) { return p.status == ProbeStatus::kOk; });
}

std::vector<const ProbeOutcome*> IncompleteChecks(const Report& report) {
  std::vector<const ProbeOutcome*> out;
  for (const auto& p : report.probes) {
    if (CouldNotComplete(p)) out.push_back(&p);
  }
  return out;
}

RunStatus StatusFor(const rules::Evaluation& evaluation, const std::vector<ProbeOutcome>& probes) {
  if (!AnythingMeasured(probes)) return RunStatus::kUnknown;
  int worst = -1;
  for (const auto* list : {&evaluation.findings, &evaluation.suppressed}) {
    for (const auto& f : *list) worst = std::max(worst, static_cast<int>(f.severity));
  }
  if (worst == static_cast<int>(rules::Severity::kCritical)) return RunStatus::kCritical;
  if (worst == static_cast<int>(rules::Severity::kError)) return RunStatus::kError;
  // What could not be checked may hide an error: never report it as clear, nor as a mere
  // warning.
  const bool incomplete = std::any_of(probes.begin(), probes.end(),
                                      [](const ProbeOutcome& p) { return CouldNotComplete(p); });
  if (incomplete) return RunStatus::kUnknown;
  if (worst == static_cast<int>(rules::Severity::kWarning)) return RunStatus::kWarning;
  return RunStatus::kOk;  // info findings only, or none
}

int ExitCodeFor(const Report& report) {
  switch (report.status) {
    case RunStatus::kOk:
      return 0;
    case RunStatus::kWarning:
      return 1;
    case RunStatus::kError:
    case RunStatus::kCritical:
      return 2;
    case RunStatus::kUnknown:
      return AnythingMeasured(report.probes) ? 1 : 3;
  }
  return 3;
}

}  // namespace posdiag::agent
