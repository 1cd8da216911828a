#include "rules/engine/evaluator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "rules/loader/catalog.h"

namespace posdiag::rules {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

Rule MakeRule(std::string id, std::string condition, Severity severity = Severity::kError,
              std::vector<std::string> suppresses = {}) {
  Rule r;
  r.id = std::move(id);
  r.condition = std::move(condition);
  ParseOutcome parsed = ParseCondition(r.condition);
  EXPECT_TRUE(parsed.errors.empty()) << r.condition;
  r.expr = parsed.expr;
  r.code = "E1";
  r.severity = severity;
  r.component = "test";
  r.title = {"标题 " + r.id, "Title " + r.id};
  r.remedy = {{"步骤"}, {"Step"}};
  r.suppresses = std::move(suppresses);
  return r;
}

FactSet Facts() {
  FactSet f;
  f.Add({"power.adapter.online", false, "", "power"});
  f.Add({"power.battery.capacity_pct", std::int64_t{8}, "%", "power"});
  f.Add({"power.battery.status", std::string("Discharging"), "", "power"});
  f.Add({"network.link", false, "", "network"});
  f.Add({"network.dns.ok", false, "", "network"});
  f.Add({"network.host.tcp", false, "", "network"});
  f.AddMissing({"printer.paper", "printer not answering", "printer"});
  return f;
}

std::vector<std::string> Ids(const std::vector<Finding>& findings) {
  std::vector<std::string> out;
  for (const Finding& f : findings) out.push_back(f.rule);
  return out;
}

TEST(Evaluate, FiredFalseAndNotEvaluated) {
  const std::vector<Rule> rules = {
      MakeRule("power.battery_low", "power.battery.capacity_pct < 15"),
      MakeRule("power.battery_ok", "power.battery.capacity_pct >= 50"),
      MakeRule("printer.paper_end", "printer.paper == 'end'"),
      MakeRule("printer.unknown_fact", "printer.cover == 'open'"),
  };
  const Evaluation ev = Evaluate(rules, Facts());
  EXPECT_EQ(ev.rules_evaluated, 4u);
  ASSERT_EQ(ev.findings.size(), 1u);
  const Finding& f = ev.findings[0];
  EXPECT_EQ(f.rule, "power.battery_low");
  EXPECT_EQ(f.code, "E1");
  EXPECT_EQ(f.severity, Severity::kError);
  EXPECT_EQ(f.component, "test");
  EXPECT_EQ(f.title.en, "Title power.battery_low");
  EXPECT_THAT(f.remedy.zh_cn, ElementsAre("步骤"));
  EXPECT_THAT(f.evidence,
              ElementsAre(Pair("power.battery.capacity_pct", FactValue(std::int64_t{8}))));
  EXPECT_THAT(f.suppressed, IsEmpty());
  EXPECT_EQ(f.suppressed_by, "");
  EXPECT_THAT(ev.suppressed, IsEmpty());
  ASSERT_EQ(ev.not_evaluated.size(), 2u);
  EXPECT_EQ(ev.not_evaluated[0].rule, "printer.paper_end");
  EXPECT_EQ(ev.not_evaluated[0].reason, "printer.paper not measured: printer not answering");
  EXPECT_EQ(ev.not_evaluated[1].rule, "printer.unknown_fact");
  EXPECT_EQ(ev.not_evaluated[1].reason, "printer.cover not measured");
}

TEST(Evaluate, EvidenceHoldsOnlyMeasuredFacts) {
  const std::vector<Rule> rules = {MakeRule("power.adapter_off",
                                            "power.adapter.online == false and (printer.paper == "
                                            "'ok' or power.battery.status != 'Full')")};
  const Evaluation ev = Evaluate(rules, Facts());
  ASSERT_EQ(ev.findings.size(), 1u);
  EXPECT_THAT(ev.findings[0].evidence,
              ElementsAre(Pair("power.adapter.online", FactValue(false)),
                          Pair("power.battery.status", FactValue(std::string("Discharging")))));
}

TEST(Evaluate, SortedMostSevereFirstTiesInCatalogueOrder) {
  const std::vector<Rule> rules = {
      MakeRule("r.info", "network.link == false", Severity::kInfo),
      MakeRule("r.error_a", "network.link == false", Severity::kError),
      MakeRule("r.warning", "network.link == false", Severity::kWarning),
      MakeRule("r.critical", "network.link == false", Severity::kCritical),
      MakeRule("r.error_b", "network.link == false", Severity::kError),
  };
  EXPECT_THAT(Ids(Evaluate(rules, Facts()).findings),
              ElementsAre("r.critical", "r.error_a", "r.error_b", "r.warning", "r.info"));
}

TEST(Evaluate, SuppressionIsTransitive) {
  // link down hides DNS failure, which hides host unreachable.
  const std::vector<Rule> rules = {
      MakeRule("network.host_unreachable", "network.host.tcp == false", Severity::kError),
      MakeRule("network.dns_failure", "network.dns.ok == false", Severity::kError,
               {"network.host_unreachable"}),
      MakeRule("network.link_down", "network.link == false", Severity::kWarning,
               {"network.dns_failure"}),
  };
  const Evaluation ev = Evaluate(rules, Facts());
  ASSERT_THAT(Ids(ev.findings), ElementsAre("network.link_down"));
  EXPECT_THAT(ev.findings[0].suppressed,
              ElementsAre("network.host_unreachable", "network.dns_failure"));
  ASSERT_THAT(Ids(ev.suppressed), ElementsAre("network.host_unreachable", "network.dns_failure"));
  for (const Finding& f : ev.suppressed) {
    EXPECT_EQ(f.suppressed_by, "network.link_down") << f.rule;
    EXPECT_FALSE(f.evidence.empty());
  }
}

TEST(Evaluate, NotHiddenWhenTheRootDidNotFire) {
  const std::vector<Rule> rules = {
      MakeRule("power.adapter_off", "power.adapter.online == true", Severity::kError,
               {"power.battery_low"}),
      MakeRule("power.battery_low", "power.battery.capacity_pct < 15", Severity::kWarning),
      // Unknown does not fire either, so it hides nothing.
      MakeRule("printer.offline", "printer.paper == 'x'", Severity::kError, {"network.link_down"}),
      MakeRule("network.link_down", "network.link == false", Severity::kWarning),
  };
  const Evaluation ev = Evaluate(rules, Facts());
  EXPECT_THAT(Ids(ev.findings), ElementsAre("power.battery_low", "network.link_down"));
  EXPECT_THAT(ev.suppressed, IsEmpty());
  ASSERT_EQ(ev.not_evaluated.size(), 1u);
  EXPECT_EQ(ev.not_evaluated[0].rule, "printer.offline");
}

TEST(Evaluate, ChainBrokenByARuleThatDidNotFire) {
  // A fired, B did not: B hides nothing, so C stands on its own.
  const std::vector<Rule> rules = {
      MakeRule("x.a", "network.link == false", Severity::kError, {"x.b"}),
      MakeRule("x.b", "network.link == true", Severity::kError, {"x.c"}),
      MakeRule("x.c", "network.dns.ok == false", Severity::kError),
  };
  const Evaluation ev = Evaluate(rules, Facts());
  EXPECT_THAT(Ids(ev.findings), ElementsAre("x.a", "x.c"));
  EXPECT_THAT(ev.findings[0].suppressed, IsEmpty());
  EXPECT_THAT(ev.suppressed, IsEmpty());
}

TEST(Evaluate, SharedSymptomGoesToTheMostSevereRoot) {
  const std::vector<Rule> rules = {
      MakeRule("x.warning_root", "network.link == false", Severity::kWarning, {"x.symptom"}),
      MakeRule("x.critical_root", "network.link == false", Severity::kCritical, {"x.symptom"}),
      MakeRule("x.symptom", "network.dns.ok == false", Severity::kError),
  };
  const Evaluation ev = Evaluate(rules, Facts());
  EXPECT_THAT(Ids(ev.findings), ElementsAre("x.critical_root", "x.warning_root"));
  EXPECT_THAT(ev.findings[0].suppressed, ElementsAre("x.symptom"));
  EXPECT_THAT(ev.findings[1].suppressed, IsEmpty());
  ASSERT_EQ(ev.suppressed.size(), 1u);
  EXPECT_EQ(ev.suppressed[0].suppressed_by, "x.critical_root");
}

TEST(Evaluate, SuppressedListIsInReportOrder) {
  const std::vector<Rule> rules = {
      MakeRule("x.root", "network.link == false", Severity::kCritical, {"x.low", "x.high"}),
      MakeRule("x.low", "network.link == false", Severity::kInfo),
      MakeRule("x.high", "network.link == false", Severity::kError),
  };
  const Evaluation ev = Evaluate(rules, Facts());
  EXPECT_THAT(Ids(ev.suppressed), ElementsAre("x.high", "x.low"));
  EXPECT_THAT(ev.findings[0].suppressed, ElementsAre("x.low", "x.high"));  // catalogue order
}

TEST(Evaluate, CycleLosesNothing) {
  // CheckCatalog rejects this; the evaluator must still report every fired rule once.
  const std::vector<Rule> rules = {
      MakeRule("x.a", "network.link == false", Severity::kWarning, {"x.b"}),
      MakeRule("x.b", "network.link == false", Severity::kError, {"x.a"}),
      MakeRule("x.self", "network.link == false", Severity::kInfo, {"x.self"}),
  };
  const Evaluation ev = Evaluate(rules, Facts());
  EXPECT_THAT(Ids(ev.findings), ElementsAre("x.b", "x.self"));
  EXPECT_THAT(ev.findings[0].suppressed, ElementsAre("x.a"));
  EXPECT_THAT(Ids(ev.suppressed), ElementsAre("x.a"));
}

TEST(Evaluate, RuleWithoutParsedConditionIsParsedOrReported) {
  Rule text_only = MakeRule("x.text_only", "network.link == false");
  text_only.expr = nullptr;
  Rule broken = MakeRule("x.broken", "network.link == false");
  broken.expr = nullptr;
  broken.condition = "network.link = false";
  const Evaluation ev = Evaluate({text_only, broken}, Facts());
  EXPECT_THAT(Ids(ev.findings), ElementsAre("x.text_only"));
  ASSERT_EQ(ev.not_evaluated.size(), 1u);
  EXPECT_EQ(ev.not_evaluated[0].reason,
            "condition does not parse: unknown operator '=' (write '==') (offset 13)");
}

TEST(Evaluate, EmptyInputs) {
  Evaluation ev = Evaluate({}, Facts());
  EXPECT_EQ(ev.rules_evaluated, 0u);
  EXPECT_THAT(ev.findings, IsEmpty());
  ev = Evaluate({MakeRule("x.a", "a == 1"), MakeRule("x.b", "not exists(a)")}, FactSet());
  EXPECT_THAT(Ids(ev.findings), ElementsAre("x.b"));
  ASSERT_EQ(ev.not_evaluated.size(), 1u);
  EXPECT_EQ(ev.not_evaluated[0].reason, "a not measured");
}

TEST(Evaluate, ManyFactsResolveByName) {
  // Enough facts that the evaluator's index has to probe past collisions.
  FactSet facts;
  std::vector<Rule> rules;
  for (int i = 0; i < 3000; ++i) {
    const std::string name = "bulk.unit_" + std::to_string(i % 37) + ".value_" + std::to_string(i);
    facts.Add({name, std::int64_t{i}, "", "bulk"});
    if (i % 7 == 0)
      rules.push_back(MakeRule("bulk.r" + std::to_string(i), name + " == " + std::to_string(i)));
    if (i % 11 == 0)
      rules.push_back(MakeRule("bulk.s" + std::to_string(i), name + " != " + std::to_string(i)));
  }
  const Evaluation ev = Evaluate(rules, facts);
  std::size_t expected = 0;
  for (int i = 0; i < 3000; i += 7) ++expected;
  EXPECT_EQ(ev.findings.size(), expected);
  EXPECT_THAT(ev.not_evaluated, IsEmpty());
}

TEST(Evaluate, LoadedCatalogueEndToEnd) {
  LoadOutcome loaded =
      LoadRuleFile(std::string(POSDIAG_SOURCE_DIR) + "/rules/loader/testdata/good.toml");
  ASSERT_TRUE(loaded.ok());
  FactSet facts;
  facts.Add({"power.adapter.online", false, "", "power"});
  facts.Add({"power.battery.status", std::string("Discharging"), "", "power"});
  facts.Add({"power.battery.capacity_pct", std::int64_t{9}, "%", "power"});
  facts.Add({"printer.paper", std::string("ok"), "", "printer"});
  const Evaluation ev = Evaluate(loaded.rules, facts);
  // The adapter rule (a warning) is the root cause of the battery (error) symptom.
  EXPECT_THAT(Ids(ev.findings), ElementsAre("power.adapter_off"));
  EXPECT_THAT(ev.findings[0].suppressed, ElementsAre("power.battery_low"));
  EXPECT_THAT(Ids(ev.suppressed), ElementsAre("power.battery_low"));
  ASSERT_EQ(ev.not_evaluated.size(), 1u);
  EXPECT_EQ(ev.not_evaluated[0].rule, "host.insufficient_funds");
}

}  // namespace
}  // namespace posdiag::rules
