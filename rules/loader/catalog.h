// Loading and checking rule files. The built-in catalogue (rules/catalog/*.toml) is compiled
// into the binary; site rule files are loaded at run time, and a broken one is reported and
// skipped while the built-in catalogue still applies.
//
// A rule file holds [[rule]] tables:
//   [[rule]]
//   id = "power.battery_low"
//   condition = 'power.battery.capacity_pct < 15'
//   code = "E1"
//   severity = "error"
//   component = "power"
//   suppresses = ["power.battery_warn"]
//   title = { zh-CN = "电池电量低", en = "Battery low" }
//   remedy = { zh-CN = ["连接电源适配器"], en = ["Plug in the power adapter"] }
//
// and [[code]] tables that document the merchant codes the rules map to:
//   [[code]]
//   code = "E1"
//   meaning = { zh-CN = "终端状态故障", en = "Terminal state fault" }
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rules/engine/fact_schema.h"
#include "rules/engine/rule.h"

namespace posdiag::rules {

struct LoadOutcome {
  std::vector<Rule> rules;              // the rules that loaded cleanly
  std::vector<CodeInfo> codes;          // the code meanings that loaded cleanly
  std::vector<Diagnostic> diagnostics;  // every error, with file, line and column
  bool ok() const { return diagnostics.empty(); }
};

// Parses one rule file's text. file_name is used in diagnostics only.
LoadOutcome LoadRuleText(std::string_view text, std::string_view file_name);
// Reads and parses one rule file from disk.
LoadOutcome LoadRuleFile(const std::string& path);

// Whole-catalogue checks: unique ids, every suppressed id exists, no suppression cycle,
// zh-CN and en present for title and every remedy list, valid severity and code.
std::vector<Diagnostic> CheckCatalog(const std::vector<Rule>& rules);

// Every code a rule maps to has a [[code]] entry with zh-CN and en; no code documented twice.
std::vector<Diagnostic> CheckCodes(const std::vector<Rule>& rules,
                                   const std::vector<CodeInfo>& codes);

// Every fact a condition names is one that `schema` declares; a diagnostic for each that is not,
// with the nearest declared name as a hint ("did you mean 'printer.paper_end'?").
std::vector<Diagnostic> CheckFactNames(const std::vector<Rule>& rules, const FactSchema& schema);

// The catalogue compiled into the binary (parsed once, on first use).
const LoadOutcome& BuiltinCatalog();

// Built-in rules plus site rules: a site rule with the id of a built-in one replaces it (and a
// site [[code]] entry a built-in one). Files that fail to load are listed in `diagnostics` and
// contribute nothing; with `facts`, so does a file whose conditions name an undeclared fact.
LoadOutcome MergeCatalog(const std::vector<Rule>& builtin, const std::vector<std::string>& files,
                         const std::vector<CodeInfo>& builtin_codes = {},
                         const FactSchema* facts = nullptr);

// `posdiag codes`: the catalogue as text, JSON or Markdown (docs/codes.md).
std::string RenderCatalogText(const std::vector<Rule>& rules, Lang lang);
std::string RenderCatalogJson(const std::vector<Rule>& rules);
// Code headings take their meaning from `codes`.
std::string RenderCatalogMarkdown(const std::vector<Rule>& rules,
                                  const std::vector<CodeInfo>& codes = BuiltinCatalog().codes);

}  // namespace posdiag::rules
