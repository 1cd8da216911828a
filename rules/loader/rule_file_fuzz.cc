// Fuzz target rules_file: any bytes as a rule file must load to rules or diagnostics, and whatever
// loads must survive the catalogue check, evaluation and every renderer.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "rules/engine/evaluator.h"
#include "rules/engine/fact.h"
#include "rules/loader/catalog.h"

namespace {

using posdiag::rules::Fact;
using posdiag::rules::FactSet;
using posdiag::rules::MissingFact;

const FactSet& Facts() {
  static const FactSet facts = [] {
    FactSet f;
    f.Add(Fact{"a", std::int64_t{1}, "", "fuzz"});
    f.Add(Fact{"b", std::string("x"), "", "fuzz"});
    f.Add(Fact{"c", true, "", "fuzz"});
    f.Add(Fact{"d", 2.5, "", "fuzz"});
    f.Add(Fact{"power.battery.capacity_pct", std::int64_t{5}, "%", "power"});
    f.Add(Fact{"power.adapter.online", false, "", "power"});
    f.AddMissing(MissingFact{"m", "not configured", "fuzz"});
    return f;
  }();
  return facts;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto loaded = posdiag::rules::LoadRuleText(text, "fuzz.toml");
  for (const auto& d : loaded.diagnostics) {
    if (d.where.file != "fuzz.toml" || d.message.empty() || d.where.line < 0 ||
        d.where.column < 0) {
      __builtin_trap();
    }
  }
  for (const auto& rule : loaded.rules) {
    if (rule.expr == nullptr) __builtin_trap();
  }
  const auto checked = posdiag::rules::CheckCatalog(loaded.rules);
  const auto evaluation = posdiag::rules::Evaluate(loaded.rules, Facts());
  if (evaluation.rules_evaluated != loaded.rules.size()) __builtin_trap();
  const std::size_t accounted =
      evaluation.findings.size() + evaluation.suppressed.size() + evaluation.not_evaluated.size();
  if (accounted > loaded.rules.size()) __builtin_trap();
  std::set<std::string> ids;
  for (const auto& rule : loaded.rules) ids.insert(rule.id);
  for (const auto& f : evaluation.suppressed) {
    if (!ids.contains(f.suppressed_by)) __builtin_trap();
  }
  for (std::size_t i = 1; i < evaluation.findings.size(); ++i) {
    if (evaluation.findings[i - 1].severity < evaluation.findings[i].severity) __builtin_trap();
  }
  (void)posdiag::rules::RenderCatalogText(loaded.rules, posdiag::rules::Lang::kZhCn);
  (void)posdiag::rules::RenderCatalogJson(loaded.rules);
  (void)posdiag::rules::CheckCodes(loaded.rules, loaded.codes);
  (void)posdiag::rules::RenderCatalogMarkdown(loaded.rules, loaded.codes);
  return 0;
}
