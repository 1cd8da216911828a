// The built-in catalogue as tables compiled into the binary. rules_catalog_gen (rules/generator)
// loads rules/catalog/*.toml at build time with the run-time loader and its checks
// (LoadRuleText, CheckCatalog, CheckCodes), fails the build on any problem, and writes what
// loaded as these tables: conditions already parsed, so a run parses no TOML and no condition for
// the built-in catalogue. BuiltinCatalog() turns them into the same Rule and CodeInfo values a
// run-time parse of the files gives (static_catalog_test compares the two).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "rules/engine/expr_internal.h"
#include "rules/engine/rule.h"

namespace posdiag::rules::internal {

struct StaticLiteral {
  LitType type = LitType::kBool;
  bool b = false;
  std::int64_t i = 0;
  double d = 0;
  std::string_view s;
};

// A parsed condition: ExprData without the slot hashes (std::hash differs between the build host
// and the target; they are computed when the rule is built).
struct StaticExpr {
  std::span<const Node> nodes;
  std::span<const std::uint32_t> children;
  std::span<const StaticLiteral> literals;
  std::span<const std::string_view> slots;  // sorted, unique
  std::uint32_t root = 0;
};

struct StaticRule {
  std::string_view id;
  std::string_view condition;
  StaticExpr expr;
  std::string_view code;
  Severity severity = Severity::kError;
  std::string_view component;
  std::string_view title_zh_cn;
  std::string_view title_en;
  std::span<const std::string_view> remedy_zh_cn;
  std::span<const std::string_view> remedy_en;
  std::span<const std::string_view> suppresses;
  std::string_view file;  // "rules/catalog/power.toml"
  int line = 0;
  int column = 0;
};

struct StaticCode {
  std::string_view code;
  std::string_view meaning_zh_cn;
  std::string_view meaning_en;
  std::string_view file;
  int line = 0;
  int column = 0;
};

struct StaticCatalogTables {
  std::span<const std::string_view> files;  // every catalogue file, sorted by name
  std::span<const StaticRule> rules;        // in file order, then in each file's order
  std::span<const StaticCode> codes;
};

// Defined in the source rules_catalog_gen writes.
const StaticCatalogTables& StaticCatalog();

}  // namespace posdiag::rules::internal
