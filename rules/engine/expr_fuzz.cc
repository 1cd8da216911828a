// Fuzz target rules_expr: any bytes as a condition must parse to a tree or to errors, never crash,
// and a parsed condition must evaluate consistently with its negation.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "rules/engine/expr.h"
#include "rules/engine/fact.h"

namespace {

using posdiag::rules::Fact;
using posdiag::rules::FactSet;
using posdiag::rules::MissingFact;
using posdiag::rules::Truth;

const FactSet& Facts() {
  static const FactSet facts = [] {
    FactSet f;
    f.Add(Fact{"a", std::int64_t{1}, "", "fuzz"});
    f.Add(Fact{"b", std::string("x"), "", "fuzz"});
    f.Add(Fact{"c", true, "", "fuzz"});
    f.Add(Fact{"d", 2.5, "", "fuzz"});
    f.Add(Fact{"n", std::nan(""), "", "fuzz"});
    f.Add(Fact{"power.battery.capacity_pct", std::int64_t{42}, "%", "power"});
    f.Add(Fact{"power.adapter.online", false, "", "power"});
    f.Add(Fact{"power.battery.status", std::string("Discharging"), "", "power"});
    f.AddMissing(MissingFact{"m", "not configured", "fuzz"});
    f.AddMissing(MissingFact{"printer.paper", "no printer", "printer"});
    return f;
  }();
  return facts;
}

Truth Not(Truth t) {
  if (t == Truth::kTrue) return Truth::kFalse;
  if (t == Truth::kFalse) return Truth::kTrue;
  return Truth::kUnknown;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const posdiag::rules::ParseOutcome parsed = posdiag::rules::ParseCondition(text);
  if (parsed.expr == nullptr) {
    if (parsed.errors.empty()) __builtin_trap();
    for (const auto& e : parsed.errors) {
      if (e.offset < 0 || static_cast<std::size_t>(e.offset) > size || e.message.empty()) {
        __builtin_trap();
      }
    }
    return 0;
  }
  if (!parsed.errors.empty()) __builtin_trap();
  const posdiag::rules::EvalResult result = posdiag::rules::EvaluateExpr(*parsed.expr, Facts());
  if ((result.truth == Truth::kUnknown) == result.why_unknown.empty()) __builtin_trap();
  (void)posdiag::rules::DescribeExpr(*parsed.expr);

  const std::string negated = "not (" + std::string(text) + ")";
  const posdiag::rules::ParseOutcome parsed_not = posdiag::rules::ParseCondition(negated);
  if (parsed_not.expr == nullptr) {
    // Only the nesting limit may reject the negation of a valid condition.
    if (parsed_not.errors.size() != 1 ||
        parsed_not.errors[0].message.find("nested too deeply") == std::string::npos) {
      __builtin_trap();
    }
    return 0;
  }
  const auto negated_result = posdiag::rules::EvaluateExpr(*parsed_not.expr, Facts());
  if (negated_result.truth != Not(result.truth)) __builtin_trap();
  if (parsed_not.facts != parsed.facts) __builtin_trap();
  return 0;
}
