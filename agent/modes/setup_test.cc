// The declarations hold together: every table's schema is sound, every condition of the built-in
// catalogue names a fact some probe declares, and the generated docs are up to date.
#include "agent/modes/setup.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "agent/probes/registry.h"
#include "rules/loader/catalog.h"

namespace posdiag::agent {
namespace {

std::string ReadDoc(const std::string& name) {
  std::ifstream in(std::filesystem::path(POSDIAG_SOURCE_DIR) / "docs" / name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The part of a doc between its "<!-- generated: ... -->" and "<!-- end generated -->" lines.
std::string Generated(const std::string& doc) {
  const auto begin = doc.find("<!-- generated:");
  const auto end = doc.find("<!-- end generated -->");
  if (begin == std::string::npos || end == std::string::npos) return "<no generated part>";
  const auto start = doc.find('\n', begin) + 1;
  return doc.substr(start, end - start);
}

TEST(Setup, EverySchemaIsSound) {
  const auto problems = CheckSpecs(AllConfigSections());
  for (const auto& p : problems) ADD_FAILURE() << p;
}

TEST(Setup, TheBuiltInCatalogueNamesOnlyDeclaredFacts) {
  for (const auto& d : rules::CheckFactNames(rules::BuiltinCatalog().rules, Devices().facts)) {
    ADD_FAILURE() << d.ToString();
  }
}

TEST(Setup, EveryDeclaredFactHasAMeaningAndAProbe) {
  for (const auto& f : Devices().facts.specs()) {
    EXPECT_FALSE(f.meaning.empty()) << f.pattern;
    EXPECT_FALSE(f.probe.empty()) << f.pattern;
    EXPECT_EQ(f.pattern.rfind(f.probe + ".", 0), 0u) << f.pattern << " from " << f.probe;
  }
}

TEST(Setup, ConfigurationDocHasTheTableOfTheSchemas) {
  EXPECT_EQ(Generated(ReadDoc("configuration.md")), RenderConfigMarkdown(AllConfigSections()))
      << "regenerate: posdiag config keys --format markdown, between the markers of "
         "docs/configuration.md";
}

TEST(Setup, FactsDocIsTheSchema) {
  EXPECT_EQ(Generated(ReadDoc("facts.md")), rules::RenderFactsMarkdown(Devices().facts))
      << "regenerate: posdiag facts --format markdown, between the markers of docs/facts.md";
}

}  // namespace
}  // namespace posdiag::agent
