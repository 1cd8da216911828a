// BuiltinCatalog(): the catalogue's tables (static_catalog.h) as rules and codes. Nothing here
// parses: the build loaded and checked rules/catalog/*.toml, so the outcome has no diagnostics.
#include <string>
#include <vector>

#include "rules/loader/catalog.h"
#include "rules/loader/static_catalog.h"

namespace posdiag::rules {
namespace {

std::vector<std::string> Strings(std::span<const std::string_view> views) {
  return {views.begin(), views.end()};
}

std::shared_ptr<const Expr> ExprFromTable(const internal::StaticExpr& table) {
  internal::ExprData data;
  data.nodes.assign(table.nodes.begin(), table.nodes.end());
  data.children.assign(table.children.begin(), table.children.end());
  data.literals.reserve(table.literals.size());
  for (const internal::StaticLiteral& lit : table.literals) {
    data.literals.push_back({lit.type, lit.b, lit.i, lit.d, std::string(lit.s)});
  }
  data.slots = Strings(table.slots);
  data.root = table.root;
  return internal::MakeExpr(std::move(data));
}

}  // namespace

const LoadOutcome& BuiltinCatalog() {
  static const LoadOutcome catalog = [] {
    const internal::StaticCatalogTables& tables = internal::StaticCatalog();
    LoadOutcome all;
    all.rules.reserve(tables.rules.size());
    for (const internal::StaticRule& t : tables.rules) {
      Rule& r = all.rules.emplace_back();
      r.id = t.id;
      r.condition = t.condition;
      r.expr = ExprFromTable(t.expr);
      r.code = t.code;
      r.severity = t.severity;
      r.component = t.component;
      r.title = {std::string(t.title_zh_cn), std::string(t.title_en)};
      r.remedy = {Strings(t.remedy_zh_cn), Strings(t.remedy_en)};
      r.suppresses = Strings(t.suppresses);
      r.where = {std::string(t.file), t.line, t.column};
    }
    all.codes.reserve(tables.codes.size());
    for (const internal::StaticCode& t : tables.codes) {
      all.codes.push_back({std::string(t.code),
                           {std::string(t.meaning_zh_cn), std::string(t.meaning_en)},
                           {std::string(t.file), t.line, t.column}});
    }
    return all;
  }();
  return catalog;
}

}  // namespace posdiag::rules
