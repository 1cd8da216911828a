// The condition language of the catalogue, e.g.
//   power.adapter.online == false and power.battery.status == "Discharging"
//   exists(power.battery.capacity_pct) and not (power.battery.capacity_pct >= 10)
// Comparisons (== != < <= > >=) between facts and literals (numbers, "strings", true, false),
// and / or / not, parentheses, and exists(fact). Evaluation is three-valued: a comparison over a
// fact that was not measured is unknown, and a rule whose condition is unknown is reported as
// "not evaluated", never as fired.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/base/result.h"
#include "rules/engine/fact.h"

namespace posdiag::rules {

class Expr;  // the parsed tree; defined in expr.cc

// Parentheses and `not` may nest this deep; deeper conditions are rejected so that a hostile one
// cannot exhaust the stack while parsing or evaluating.
inline constexpr int kMaxConditionDepth = 64;

struct ExprError {
  int offset = 0;  // 0-based byte offset into the condition text
  std::string message;
};

// Parses a condition; on failure returns every error found (at least one).
struct ParseOutcome {
  std::shared_ptr<const Expr> expr;  // null when errors is not empty
  std::vector<std::string> facts;    // every fact name the condition mentions, sorted, unique
  std::vector<ExprError> errors;
};
ParseOutcome ParseCondition(std::string_view text);

enum class Truth { kFalse, kTrue, kUnknown };

struct EvalResult {
  Truth truth = Truth::kUnknown;
  std::string why_unknown;  // when kUnknown: "power.battery.capacity_pct not measured: ..."
};

EvalResult EvaluateExpr(const Expr& expr, const FactSet& facts);

// Every fact name the condition mentions, sorted, unique (the same list as ParseOutcome::facts).
const std::vector<std::string>& ExprFacts(const Expr& expr);

// The tree in a canonical prefix form, e.g. "(or (and (not (== a 1)) (exists b)) (< c 2.5))";
// comparisons are written fact first, so `10 < a` reads "(> a 10)".
std::string DescribeExpr(const Expr& expr);

}  // namespace posdiag::rules
