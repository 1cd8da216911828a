// BuiltinCatalog(): the catalogue's tables (static_catalog.h) as rules and codes. Nothing here
// parses: the build loaded and checked rules/catalog/*.toml, so the outcome has no diagnostics.
#include <string>
#include <vector>

#include "rules/loader/catalog.h"
#include "rules/loader/static_catalog.h"

namespace posdiag::rules {
namespace {

using internal::StaticCatalogTables;

std::vector<std::string> Strings(const StaticCatalogTables& tables, internal::Range range) {
  std::vector<std::string> out;
  out.reserve(range.count);
  for (const internal::TextRef ref : tables.List(range)) out.emplace_back(tables.Text(ref));
  return out;
}

template <typename T>
std::vector<T> Slice(std::span<const T> all, internal::Range range) {
  const std::span<const T> part = all.subspan(range.begin, range.count);
  return {part.begin(), part.end()};
}

std::shared_ptr<const Expr> ExprFromTable(const StaticCatalogTables& tables,
                                          const internal::StaticExpr& table) {
  internal::ExprData data;
  data.nodes = Slice(tables.nodes, table.nodes);
  data.children = Slice(tables.children, table.children);
  data.literals.reserve(table.literals.count);
  for (const internal::StaticLiteral& lit :
       tables.literals.subspan(table.literals.begin, table.literals.count)) {
    data.literals.push_back({lit.type, lit.b, lit.i, lit.d, std::string(tables.Text(lit.s))});
  }
  data.slots = Strings(tables, table.slots);
  data.root = table.root;
  return internal::MakeExpr(std::move(data));
}

}  // namespace

LoadOutcome BuildBuiltinCatalog() {
  const StaticCatalogTables& tables = internal::StaticCatalog();
  auto text = [&](internal::TextRef ref) { return std::string(tables.Text(ref)); };
  LoadOutcome all;
  all.rules.reserve(tables.rules.size());
  for (const internal::StaticRule& t : tables.rules) {
    Rule& r = all.rules.emplace_back();
    r.id = text(t.id);
    r.condition = text(t.condition);
    r.expr = ExprFromTable(tables, t.expr);
    r.code = text(t.code);
    r.severity = t.severity;
    r.component = text(t.component);
    r.title = {text(t.title_zh_cn), text(t.title_en)};
    r.remedy = {Strings(tables, t.remedy_zh_cn), Strings(tables, t.remedy_en)};
    r.suppresses = Strings(tables, t.suppresses);
    r.where = {text(t.file), t.line, t.column};
  }
  all.codes.reserve(tables.codes.size());
  for (const internal::StaticCode& t : tables.codes) {
    all.codes.push_back({text(t.code),
                         {text(t.meaning_zh_cn), text(t.meaning_en)},
                         {text(t.file), t.line, t.column}});
  }
  return all;
}

const LoadOutcome& BuiltinCatalog() {
  static const LoadOutcome catalog = BuildBuiltinCatalog();
  return catalog;
}

}  // namespace posdiag::rules
