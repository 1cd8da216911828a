// The evaluator is pure: facts in, findings out. A rule whose condition is true fires; the
// fired rules' `suppresses` lists hide symptoms behind their root cause; findings come out most
// severe first, ties in catalogue order.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "rules/engine/fact.h"
#include "rules/engine/rule.h"

namespace posdiag::rules {

struct Finding {
  std::string rule;  // rule id
  std::string code;
  Severity severity = Severity::kError;
  std::string component;
  Localized title;
  LocalizedSteps remedy;
  std::map<std::string, FactValue> evidence;  // the measured facts its condition mentions
  std::vector<std::string> suppressed;        // ids of fired rules this one hides (transitively)
  std::string suppressed_by;                  // for a hidden symptom: its root cause's id
};

struct NotEvaluated {
  std::string rule;
  std::string reason;
};

struct Evaluation {
  std::vector<Finding> findings;    // root causes and unsuppressed findings, most severe first
  std::vector<Finding> suppressed;  // symptoms hidden by a root cause
  std::vector<NotEvaluated> not_evaluated;
  std::size_t rules_evaluated = 0;
};

Evaluation Evaluate(const std::vector<Rule>& rules, const FactSet& facts);

}  // namespace posdiag::rules
