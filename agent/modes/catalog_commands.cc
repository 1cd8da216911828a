// `posdiag rules check`, `posdiag codes`, `posdiag facts` and `posdiag config check|keys`.
#include <algorithm>
#include <cstdio>
#include <set>
#include <string>

#include "agent/modes/modes.h"
#include "agent/modes/setup.h"
#include "agent/probes/registry.h"
#include "rules/loader/catalog.h"

namespace posdiag::agent {

int RunRulesCheck(const std::vector<std::string>& files) {
  const auto& builtin = rules::BuiltinCatalog();
  std::vector<rules::Diagnostic> problems;
  std::vector<rules::Rule> site;
  std::vector<rules::CodeInfo> site_codes;
  std::set<std::string> checked;
  for (const auto& file : files) {
    auto loaded = rules::LoadRuleFile(file);
    problems.insert(problems.end(), loaded.diagnostics.begin(), loaded.diagnostics.end());
    for (auto& rule : loaded.rules) site.push_back(std::move(rule));
    for (auto& code : loaded.codes) site_codes.push_back(std::move(code));
    checked.insert(file);
  }
  // Whole-catalogue checks over the built-in rules with these files merged in (a site rule may
  // suppress a built-in one), reported only for the files being checked.
  std::vector<rules::Rule> merged;
  std::set<std::string> site_ids;
  for (const auto& rule : site) site_ids.insert(rule.id);
  for (const auto& rule : builtin.rules) {
    if (!site_ids.contains(rule.id)) merged.push_back(rule);
  }
  std::set<std::string> seen;
  for (const auto& rule : site) {
    if (!seen.insert(rule.id).second) {
      problems.push_back({rule.where, "duplicate rule id \"" + rule.id + "\""});
      continue;
    }
    merged.push_back(rule);
  }
  std::vector<rules::CodeInfo> codes = site_codes;
  for (const auto& code : builtin.codes) {
    const bool replaced =
        std::any_of(site_codes.begin(), site_codes.end(),
                    [&](const rules::CodeInfo& c) { return c.code == code.code; });
    if (!replaced) codes.push_back(code);
  }
  auto checks = rules::CheckCatalog(merged);
  auto code_checks = rules::CheckCodes(merged, codes);
  checks.insert(checks.end(), code_checks.begin(), code_checks.end());
  auto fact_checks = rules::CheckFactNames(site, Devices().facts);
  checks.insert(checks.end(), fact_checks.begin(), fact_checks.end());
  for (auto& d : checks) {
    if (checked.contains(d.where.file)) problems.push_back(std::move(d));
  }
  for (const auto& d : problems) std::fprintf(stderr, "%s\n", d.ToString().c_str());
  if (problems.empty()) {
    std::printf("%zu file(s), %zu rule(s): OK\n", files.size(), site.size());
    return 0;
  }
  std::fprintf(stderr, "%zu error(s)\n", problems.size());
  return 1;
}

int RunCodes(const std::optional<std::string>& config, OutputFormat format, rules::Lang lang) {
  const auto& builtin = rules::BuiltinCatalog();
  std::vector<rules::Rule> catalog = builtin.rules;
  std::vector<rules::CodeInfo> codes = builtin.codes;
  if (config) {
    auto setup = LoadSetup(config);
    if (!setup) {
      PrintError(setup.error());
      return 3;
    }
    auto merged = rules::MergeCatalog(builtin.rules, SiteRuleFiles(*setup->config), builtin.codes,
                                      &setup->registry->facts);
    for (const auto& d : merged.diagnostics) std::fprintf(stderr, "%s\n", d.ToString().c_str());
    catalog = std::move(merged.rules);
    codes = std::move(merged.codes);
  }
  std::string out;
  switch (format) {
    case OutputFormat::kText:
      out = rules::RenderCatalogText(catalog, lang);
      break;
    case OutputFormat::kJson:
      out = rules::RenderCatalogJson(catalog);
      break;
    case OutputFormat::kMarkdown:
      out = rules::RenderCatalogMarkdown(catalog, codes);
      break;
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 3;
}

namespace {

int Print(const std::string& out) {
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 3;
}

}  // namespace

int RunFacts(OutputFormat format) {
  const rules::FactSchema& facts = Devices().facts;
  return Print(format == OutputFormat::kMarkdown ? rules::RenderFactsMarkdown(facts)
                                                 : rules::RenderFactsText(facts));
}

int RunConfigCheck(const std::optional<std::string>& config) {
  auto setup = LoadSetup(config);
  if (!setup) {
    PrintError(setup.error());
    return 3;
  }
  std::printf("%s: OK\n", setup->config->source().c_str());
  return std::fflush(stdout) == 0 ? 0 : 3;
}

int RunConfigKeys(OutputFormat format) {
  const auto specs = AllConfigSections();
  return Print(format == OutputFormat::kMarkdown ? RenderConfigMarkdown(specs)
                                                 : RenderConfigText(specs));
}

}  // namespace posdiag::agent
