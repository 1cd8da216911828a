// The rule files of rules/catalog, compiled into the binary by a source generated at build time
// (rules/loader/embed_catalog.cmake), so the built-in catalogue needs no files on the terminal.
#pragma once

#include <span>
#include <string_view>

namespace posdiag::rules::internal {

struct EmbeddedRuleFile {
  std::string_view name;  // "rules/catalog/power.toml", for diagnostics
  std::string_view text;
};

// Every catalogue file, sorted by name; empty when there are none.
std::span<const EmbeddedRuleFile> EmbeddedRuleFiles();

}  // namespace posdiag::rules::internal
