// The evaluator's budget: 1,000 rules over 1,000 facts well inside a boot-time diagnosis. The
// rules are generated with a fixed seed as a realistic mix: threshold comparisons, and/or/not,
// exists(), fact-to-fact comparisons, text and bool facts, some rules over facts that were not
// measured, and suppression chains.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "rules/engine/evaluator.h"
#include "rules/engine/expr.h"
#include "rules/engine/fact.h"
#include "rules/loader/catalog.h"

namespace {

using posdiag::rules::Fact;
using posdiag::rules::FactSet;
using posdiag::rules::MissingFact;
using posdiag::rules::Rule;

constexpr int kFacts = 1000;
constexpr int kRules = 1000;

// Fact i has a type by i % 4: integer, real, bool, text.
std::string FactName(int i) {
  static const char* const kGroups[] = {"power",       "printer", "network", "system",
                                        "card_reader", "modem",   "display", "journal"};
  return std::string(kGroups[i % 8]) + ".unit_" + std::to_string(i / 8) + ".value_" +
         std::to_string(i);
}

FactSet MakeFacts() {
  FactSet facts;
  for (int i = 0; i < kFacts; ++i) {
    Fact f{FactName(i), std::int64_t{0}, "", "bench"};
    switch (i % 4) {
      case 0:
        f.value = std::int64_t{i % 100};
        break;
      case 1:
        f.value = static_cast<double>(i % 100) + 0.5;
        break;
      case 2:
        f.value = i % 16 == 0;
        break;
      default:
        f.value = std::string(i % 20 == 0 ? "fault" : "ok");
        break;
    }
    facts.Add(std::move(f));
  }
  for (int i = 0; i < 50; ++i) {
    facts.AddMissing(
        MissingFact{"absent.unit_" + std::to_string(i) + ".value", "timeout", "bench"});
  }
  return facts;
}

class Generator {
 public:
  std::string Condition() {
    switch (Pick(10)) {
      case 0:
      case 1:
        return Comparison();
      case 2:
      case 3:
        return Comparison() + " and " + Comparison();
      case 4:
        return Comparison() + " or " + Comparison() + " or " + Comparison();
      case 5:
        return "not (" + Comparison() + ") and " + Comparison();
      case 6:
        return "exists(" + FactName(FactOfType(Pick(4))) + ") and " + Comparison();
      case 7:
        return "(" + Comparison() + " or " + Comparison() + ") and not " + Comparison();
      case 8: {
        const std::string missing = "absent.unit_" + std::to_string(Pick(60)) + ".value";
        return missing + " > 3 or " + Comparison();
      }
      default:
        return FactName(FactOfType(0)) + " < " + FactName(FactOfType(1));
    }
  }

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }

 private:
  int FactOfType(int type) { return Pick(kFacts / 4) * 4 + type; }

  // Each comparison is true for about one fact in twenty, as thresholds for faults are.
  std::string Comparison() {
    const int type = Pick(4);
    const std::string name = FactName(FactOfType(type));
    switch (type) {
      case 0:
        return Pick(2) == 0 ? name + " < " + std::to_string(Pick(10))
                            : name + " >= " + std::to_string(90 + Pick(10));
      case 1:
        return Pick(2) == 0 ? name + " <= " + std::to_string(Pick(10)) + ".25"
                            : name + " > " + std::to_string(90 + Pick(10)) + ".25";
      case 2:
        return name + (Pick(2) == 0 ? " == true" : " != false");
      default:
        return name + (Pick(2) == 0 ? " == 'fault'" : " != \"ok\"");
    }
  }

  std::mt19937 rng_{20240611};
};

std::vector<Rule> MakeRules() {
  Generator gen;
  std::vector<Rule> rules;
  rules.reserve(kRules);
  for (int i = 0; i < kRules; ++i) {
    Rule r;
    r.id = "bench.rule_" + std::to_string(i);
    r.condition = gen.Condition();
    posdiag::rules::ParseOutcome parsed = posdiag::rules::ParseCondition(r.condition);
    if (!parsed.errors.empty()) std::abort();
    r.expr = std::move(parsed.expr);
    r.code = "E1";
    r.severity = static_cast<posdiag::rules::Severity>(gen.Pick(4));
    r.component = "bench";
    r.title = {"标题", "title"};
    r.remedy = {{"步骤"}, {"step"}};
    // Every tenth rule is a root cause of the next two: chains of suppression.
    if (i % 10 == 0 && i + 2 < kRules) {
      r.suppresses = {"bench.rule_" + std::to_string(i + 1), "bench.rule_" + std::to_string(i + 2)};
    }
    rules.push_back(std::move(r));
  }
  return rules;
}

void BM_Evaluate(benchmark::State& state) {
  const FactSet facts = MakeFacts();
  const std::vector<Rule> rules = MakeRules();
  std::size_t fired = 0;
  for (auto _ : state) {
    posdiag::rules::Evaluation ev = posdiag::rules::Evaluate(rules, facts);
    fired = ev.findings.size() + ev.suppressed.size();
    benchmark::DoNotOptimize(ev);
  }
  state.counters["fired"] = static_cast<double>(fired);
  state.counters["rules"] = kRules;
  state.counters["facts"] = kFacts;
}
BENCHMARK(BM_Evaluate)->Unit(benchmark::kMicrosecond);

void BM_ParseConditions(benchmark::State& state) {
  Generator gen;
  std::vector<std::string> conditions;
  for (int i = 0; i < kRules; ++i) conditions.push_back(gen.Condition());
  for (auto _ : state) {
    for (const std::string& c : conditions) {
      posdiag::rules::ParseOutcome parsed = posdiag::rules::ParseCondition(c);
      benchmark::DoNotOptimize(parsed);
    }
  }
  state.SetItemsProcessed(state.iterations() * kRules);
}
BENCHMARK(BM_ParseConditions)->Unit(benchmark::kMicrosecond);

void BM_LoadRuleText(benchmark::State& state) {
  Generator gen;
  std::string text;
  for (int i = 0; i < 100; ++i) {
    text += "[[rule]]\nid = \"bench.rule_" + std::to_string(i) + "\"\ncondition = \'\'\'" +
            gen.Condition() +
            "\'\'\'\ncode = \"E1\"\nseverity = \"error\"\ncomponent = \"bench\"\n"
            "title = { zh-CN = \"标题\", en = \"title\" }\n"
            "remedy = { zh-CN = [\"步骤\"], en = [\"step\"] }\n\n";
  }
  for (auto _ : state) {
    posdiag::rules::LoadOutcome loaded = posdiag::rules::LoadRuleText(text, "bench.toml");
    if (!loaded.ok()) state.SkipWithError(loaded.diagnostics.front().ToString().c_str());
    benchmark::DoNotOptimize(loaded);
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_LoadRuleText)->Unit(benchmark::kMicrosecond);

}  // namespace
