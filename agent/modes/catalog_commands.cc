// `posdiag rules check`, `posdiag codes`, `posdiag facts` and `posdiag config check|keys`.
#include <cstdio>
#include <string>

#include "agent/modes/modes.h"
#include "agent/modes/setup.h"
#include "agent/probes/registry.h"
#include "rules/loader/catalog.h"

namespace posdiag::agent {

// The files as a run would take them (rules::MergeCatalog): the same checks, in the same order,
// so a file this accepts is one a run uses and a file it rejects is one a run leaves out.
int RunRulesCheck(const std::vector<std::string>& files) {
  const rules::SiteMerge merged =
      rules::MergeCatalog(rules::BuiltinCatalog(), files, Devices().facts);
  const auto& problems = merged.catalog.diagnostics;
  for (const auto& d : problems) std::fprintf(stderr, "%s\n", d.ToString().c_str());
  if (problems.empty()) {
    std::printf("%zu file(s), %zu rule(s): OK\n", files.size(), merged.site_rules);
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
    auto merged =
        rules::MergeCatalog(builtin, SiteRuleFiles(*setup->config), setup->registry->facts);
    for (const auto& d : merged.catalog.diagnostics) {
      std::fprintf(stderr, "%s\n", d.ToString().c_str());
    }
    catalog = std::move(merged.catalog.rules);
    codes = std::move(merged.catalog.codes);
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
    case OutputFormat::kNagios:  // not offered for the catalogue
      return 3;
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
