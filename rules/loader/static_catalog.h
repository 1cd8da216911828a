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

// The tables hold no pointers: every string is a TextRef into one text and every list a Range of
// an array, so the tables are read-only data that needs no relocation when the program loads
// (a pointer in a position-independent binary costs a relocation entry and a page copied on
// write).
struct TextRef {
  std::uint32_t offset = 0;
  std::uint32_t size = 0;
};

struct Range {
  std::uint32_t begin = 0;
  std::uint32_t count = 0;
};

struct StaticLiteral {
  LitType type = LitType::kBool;
  bool b = false;
  std::int64_t i = 0;
  double d = 0;
  TextRef s;
};

// A parsed condition: ExprData without the slot hashes (std::hash differs between the build host
// and the target; they are computed when the rule is built).
struct StaticExpr {
  Range nodes;
  Range children;
  Range literals;
  Range slots;  // in `lists`: the fact names, sorted, unique
  std::uint32_t root = 0;
};

struct StaticRule {
  TextRef id;
  TextRef condition;
  StaticExpr expr;
  TextRef code;
  Severity severity = Severity::kError;
  TextRef component;
  TextRef title_zh_cn;
  TextRef title_en;
  Range remedy_zh_cn;  // in `lists`
  Range remedy_en;     // in `lists`
  Range suppresses;    // in `lists`
  TextRef file;        // "rules/catalog/power.toml"
  int line = 0;
  int column = 0;
};

struct StaticCode {
  TextRef code;
  TextRef meaning_zh_cn;
  TextRef meaning_en;
  TextRef file;
  int line = 0;
  int column = 0;
};

struct StaticCatalogTables {
  std::string_view text;           // every string of the tables, one after the other
  std::span<const TextRef> lists;  // the items of every list of strings
  std::span<const Node> nodes;     // every condition's nodes, children and literals
  std::span<const std::uint32_t> children;
  std::span<const StaticLiteral> literals;
  Range files;                        // in `lists`: every catalogue file, sorted by name
  std::span<const StaticRule> rules;  // in file order, then in each file's order
  std::span<const StaticCode> codes;

  std::string_view Text(TextRef ref) const { return text.substr(ref.offset, ref.size); }
  std::span<const TextRef> List(Range range) const {
    return lists.subspan(range.begin, range.count);
  }
};

// Defined in the source rules_catalog_gen writes.
const StaticCatalogTables& StaticCatalog();

}  // namespace posdiag::rules::internal
