#include "agent/routine.h"

#include <variant>

namespace posdiag::agent {

std::string_view VerdictName(RoutineResult::Verdict verdict) {
  switch (verdict) {
    case RoutineResult::Verdict::kPassed:
      return "passed";
    case RoutineResult::Verdict::kFailed:
      return "failed";
    case RoutineResult::Verdict::kSkipped:
      return "skipped";
    case RoutineResult::Verdict::kError:
      return "error";
  }
  return "error";
}

std::optional<bool> ProbeRun::Bool(const std::string& name) const {
  const rules::Fact* fact = facts.Find(name);
  if (fact == nullptr) return std::nullopt;
  if (const auto* b = std::get_if<bool>(&fact->value)) return *b;
  return std::nullopt;
}

std::string ProbeRun::Text(const std::string& name) const {
  const rules::Fact* fact = facts.Find(name);
  if (fact == nullptr) return "";
  if (const auto* s = std::get_if<std::string>(&fact->value)) return *s;
  return "";
}

std::string ProbeRun::Why(const std::string& name) const {
  const rules::MissingFact* missing = facts.FindMissing(name);
  return missing == nullptr ? "" : missing->reason;
}

std::optional<RoutineResult> ProbeRun::NotMeasured() const {
  using Verdict = RoutineResult::Verdict;
  switch (outcome.status) {
    case ProbeStatus::kOk:
      return std::nullopt;
    case ProbeStatus::kNotConfigured:
    case ProbeStatus::kUnsupported:
      return RoutineResult{Verdict::kError, "not configured: " + outcome.error};
    case ProbeStatus::kError:
      return RoutineResult{Verdict::kError, outcome.error};
    case ProbeStatus::kTimeout:
      return RoutineResult{Verdict::kSkipped, "nothing happened before the deadline"};
    case ProbeStatus::kSkipped:
      return RoutineResult{Verdict::kSkipped, outcome.error};
  }
  return RoutineResult{Verdict::kError, outcome.error};
}

void RoutineContext::Prompt(std::string_view zh_cn, std::string_view en) const {
  if (screen == nullptr) return;
  if (auto shown = screen->ShowMessage(zh_cn, en); !shown && log) {
    log("display: prompt: " + shown.error().detail);
  }
}

}  // namespace posdiag::agent
