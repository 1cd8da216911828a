// Loading and checking rule files. The built-in catalogue (rules/catalog/*.toml) is compiled
// into the binary as tables (static_catalog.h); site rule files are loaded at run time, checked
// exactly as `posdiag rules check` checks them (MergeCatalog), and a file that fails is reported
// and skipped whole while the built-in catalogue still applies.
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

#include <cstddef>
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

// The catalogue compiled into the binary: rules/catalog/*.toml, loaded and checked at build time
// (rules/generator) and kept as tables, built into rules on first use without parsing anything.
// Its diagnostics are empty: a catalogue with a problem does not build.
const LoadOutcome& BuiltinCatalog();
// The same, built anew for a caller that keeps its own (a run merges the site's files into it and
// holds the result), so that the process does not hold the catalogue twice.
LoadOutcome BuildBuiltinCatalog();

// The built-in catalogue with the site's rule files merged in (MergeCatalog).
struct SiteMerge {
  // The built-in rules and codes with every accepted file merged in; `diagnostics` holds every
  // problem of every site file, with file, line and column.
  LoadOutcome catalog;
  std::vector<std::string> rejected;  // the files left out whole, in the order given
  std::size_t site_rules = 0;         // rules the accepted files add or replace
};

// Checks site rule files and merges those that pass over the built-in catalogue: the one check
// that `posdiag rules check` reports and that a run applies before it uses a file. The files are
// taken in order, each checked against the built-in catalogue plus the files accepted before it:
//   - it loads: TOML, keys, types, ids, codes, severities, conditions (LoadRuleFile);
//   - every fact its conditions name is one `facts` declares (CheckFactNames);
//   - no rule id defined twice, in the file or in an earlier site file, and no code documented
//     twice; a site rule with the id of a built-in one replaces it (a site [[code]] a built-in
//     one), and that is no duplicate;
//   - with it merged in, the catalogue passes CheckCatalog and CheckCodes (every suppressed id
//     exists, no suppression cycle, both languages, every code a rule maps to documented by a
//     [[code]] table of the built-in catalogue or of these files) with no problem it did not
//     have before.
// A file that fails any check contributes nothing: its rules and codes are all left out.
SiteMerge MergeCatalog(LoadOutcome builtin, const std::vector<std::string>& files,
                       const FactSchema& facts);

// `posdiag codes`: the catalogue as text, JSON or Markdown (docs/codes.md).
std::string RenderCatalogText(const std::vector<Rule>& rules, Lang lang);
std::string RenderCatalogJson(const std::vector<Rule>& rules);
// Code headings take their meaning from `codes`.
std::string RenderCatalogMarkdown(const std::vector<Rule>& rules,
                                  const std::vector<CodeInfo>& codes = BuiltinCatalog().codes);

}  // namespace posdiag::rules
