// The built-in catalogue's tables against a run-time parse of the same files: rules/catalog/*.toml
// as they are on disk, loaded with LoadRuleFile and checked, must give exactly the rules, codes,
// positions and parsed conditions BuiltinCatalog() builds from the tables. A stale build (a file
// changed, added or removed since the tables were generated) fails here too.
#include "rules/loader/static_catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "rules/engine/evaluator.h"
#include "rules/engine/expr_internal.h"
#include "rules/loader/catalog.h"

namespace posdiag::rules {
namespace {

// rules/catalog/*.toml parsed now, the way the catalogue was loaded before it was compiled in.
LoadOutcome ParseCatalogFiles() {
  const std::filesystem::path root(POSDIAG_SOURCE_DIR);
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(root / "rules/catalog")) {
    if (entry.path().extension() == ".toml") {
      names.push_back("rules/catalog/" + entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  LoadOutcome all;
  for (const std::string& name : names) {
    LoadOutcome one = LoadRuleFile((root / name).string());
    for (Rule& r : one.rules) {
      r.where.file = name;
      all.rules.push_back(std::move(r));
    }
    for (CodeInfo& c : one.codes) {
      c.where.file = name;
      all.codes.push_back(std::move(c));
    }
    for (Diagnostic& d : one.diagnostics) all.diagnostics.push_back(std::move(d));
  }
  for (Diagnostic& d : CheckCatalog(all.rules)) all.diagnostics.push_back(std::move(d));
  for (Diagnostic& d : CheckCodes(all.rules, all.codes)) all.diagnostics.push_back(std::move(d));
  return all;
}

void ExpectSameExpr(const Expr& table, const Expr& parsed, const std::string& id) {
  const internal::ExprData& a = internal::Data(table);
  const internal::ExprData& b = internal::Data(parsed);
  EXPECT_EQ(DescribeExpr(table), DescribeExpr(parsed)) << id;
  EXPECT_EQ(a.root, b.root) << id;
  ASSERT_EQ(a.nodes.size(), b.nodes.size()) << id;
  for (std::size_t i = 0; i < a.nodes.size(); ++i) {
    EXPECT_EQ(a.nodes[i].kind, b.nodes[i].kind) << id << " node " << i;
    EXPECT_EQ(a.nodes[i].op, b.nodes[i].op) << id << " node " << i;
    EXPECT_EQ(a.nodes[i].a, b.nodes[i].a) << id << " node " << i;
    EXPECT_EQ(a.nodes[i].b, b.nodes[i].b) << id << " node " << i;
  }
  EXPECT_EQ(a.children, b.children) << id;
  ASSERT_EQ(a.literals.size(), b.literals.size()) << id;
  for (std::size_t i = 0; i < a.literals.size(); ++i) {
    const internal::Literal& x = a.literals[i];
    const internal::Literal& y = b.literals[i];
    EXPECT_EQ(x.type, y.type) << id << " literal " << i;
    EXPECT_EQ(x.b, y.b) << id << " literal " << i;
    EXPECT_EQ(x.i, y.i) << id << " literal " << i;
    EXPECT_EQ(std::bit_cast<std::uint64_t>(x.d), std::bit_cast<std::uint64_t>(y.d))
        << id << " literal " << i;
    EXPECT_EQ(x.s, y.s) << id << " literal " << i;
  }
  EXPECT_EQ(a.slots, b.slots) << id;
  EXPECT_EQ(a.slot_hashes, b.slot_hashes) << id;
  EXPECT_EQ(ExprFacts(table), ExprFacts(parsed)) << id;
}

TEST(StaticCatalog, MatchesARunTimeParseOfTheFiles) {
  const LoadOutcome parsed = ParseCatalogFiles();
  ASSERT_TRUE(parsed.ok()) << parsed.diagnostics.front().ToString();
  const LoadOutcome& tables = BuiltinCatalog();
  EXPECT_TRUE(tables.ok());
  ASSERT_EQ(tables.rules.size(), parsed.rules.size()) << "stale tables: rebuild";
  for (std::size_t i = 0; i < parsed.rules.size(); ++i) {
    const Rule& t = tables.rules[i];
    const Rule& p = parsed.rules[i];
    EXPECT_EQ(t.id, p.id);
    EXPECT_EQ(t.condition, p.condition) << p.id;
    EXPECT_EQ(t.code, p.code) << p.id;
    EXPECT_EQ(t.severity, p.severity) << p.id;
    EXPECT_EQ(t.component, p.component) << p.id;
    EXPECT_EQ(t.title.zh_cn, p.title.zh_cn) << p.id;
    EXPECT_EQ(t.title.en, p.title.en) << p.id;
    EXPECT_EQ(t.remedy.zh_cn, p.remedy.zh_cn) << p.id;
    EXPECT_EQ(t.remedy.en, p.remedy.en) << p.id;
    EXPECT_EQ(t.suppresses, p.suppresses) << p.id;
    EXPECT_EQ(t.where.file, p.where.file) << p.id;
    EXPECT_EQ(t.where.line, p.where.line) << p.id;
    EXPECT_EQ(t.where.column, p.where.column) << p.id;
    ASSERT_NE(t.expr, nullptr) << p.id;
    ASSERT_NE(p.expr, nullptr) << p.id;
    ExpectSameExpr(*t.expr, *p.expr, p.id);
  }
  ASSERT_EQ(tables.codes.size(), parsed.codes.size()) << "stale tables: rebuild";
  for (std::size_t i = 0; i < parsed.codes.size(); ++i) {
    const CodeInfo& t = tables.codes[i];
    const CodeInfo& p = parsed.codes[i];
    EXPECT_EQ(t.code, p.code);
    EXPECT_EQ(t.meaning.zh_cn, p.meaning.zh_cn) << p.code;
    EXPECT_EQ(t.meaning.en, p.meaning.en) << p.code;
    EXPECT_EQ(t.where.file, p.where.file) << p.code;
    EXPECT_EQ(t.where.line, p.where.line) << p.code;
    EXPECT_EQ(t.where.column, p.where.column) << p.code;
  }
  // Everything that reads the catalogue renders it the same.
  EXPECT_EQ(RenderCatalogText(tables.rules, Lang::kEn), RenderCatalogText(parsed.rules, Lang::kEn));
  EXPECT_EQ(RenderCatalogText(tables.rules, Lang::kZhCn),
            RenderCatalogText(parsed.rules, Lang::kZhCn));
  EXPECT_EQ(RenderCatalogJson(tables.rules), RenderCatalogJson(parsed.rules));
  EXPECT_EQ(RenderCatalogMarkdown(tables.rules, tables.codes),
            RenderCatalogMarkdown(parsed.rules, parsed.codes));
}

// The same findings over the same facts: every fact every rule names, set so that each
// comparison goes one way, then the other, then missing.
TEST(StaticCatalog, EvaluatesLikeTheParsedCatalogue) {
  const LoadOutcome parsed = ParseCatalogFiles();
  const LoadOutcome& tables = BuiltinCatalog();
  std::vector<std::string> facts;
  for (const Rule& r : parsed.rules) {
    for (const std::string& f : ExprFacts(*r.expr)) facts.push_back(f);
  }
  std::sort(facts.begin(), facts.end());
  facts.erase(std::unique(facts.begin(), facts.end()), facts.end());
  const std::vector<FactValue> values = {FactValue{false},
                                         FactValue{true},
                                         FactValue{std::int64_t{0}},
                                         FactValue{std::int64_t{50}},
                                         FactValue{1e9},
                                         FactValue{std::string("Discharging")}};
  for (std::size_t round = 0; round < values.size() + 1; ++round) {
    FactSet set;
    for (std::size_t i = 0; i < facts.size(); ++i) {
      const std::size_t pick = (i + round) % (values.size() + 1);
      if (pick < values.size()) set.Add({facts[i], values[pick], "", "test"});
    }
    const Evaluation a = Evaluate(tables.rules, set);
    const Evaluation b = Evaluate(parsed.rules, set);
    auto ids = [](const std::vector<Finding>& findings) {
      std::vector<std::string> out;
      for (const Finding& f : findings) out.push_back(f.rule + " " + f.suppressed_by);
      return out;
    };
    EXPECT_EQ(ids(a.findings), ids(b.findings)) << "round " << round;
    EXPECT_EQ(ids(a.suppressed), ids(b.suppressed)) << "round " << round;
    ASSERT_EQ(a.not_evaluated.size(), b.not_evaluated.size()) << "round " << round;
    for (std::size_t i = 0; i < a.not_evaluated.size(); ++i) {
      EXPECT_EQ(a.not_evaluated[i].rule, b.not_evaluated[i].rule) << "round " << round;
      EXPECT_EQ(a.not_evaluated[i].reason, b.not_evaluated[i].reason) << "round " << round;
    }
    EXPECT_EQ(a.rules_evaluated, b.rules_evaluated) << "round " << round;
  }
}

}  // namespace
}  // namespace posdiag::rules
