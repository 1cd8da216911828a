// Small text helpers every layer shares.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace posdiag {

// ASCII white space: space, \t, \n, \v, \f, \r.
constexpr bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// `s` without leading and trailing ASCII white space.
constexpr std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsAsciiSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Where a TOML text would make Debian 12's toml++ (3.3.0) reach an unreachable point (undefined
// behaviour: upstream issues 190 and 295, fixed after 3.3.0). That parser asks "is this
// whitespace?" of a non-ASCII code point in two places only: outside strings and comments, where
// TOML allows no such character anyway, and in a multi-line basic string right after a backslash
// (an escape cannot be one; after a line-ending backslash, the first character of the text that
// follows). Config and rule files are checked with this before the parser sees them.
struct TomlHazard {
  std::size_t line = 0;    // 1-based
  std::size_t column = 0;  // 1-based, in characters
  std::string why;
};
std::optional<TomlHazard> FindTomlParserHazard(std::string_view text);

// Levenshtein distance, for "did you mean" hints.
std::size_t EditDistance(std::string_view a, std::string_view b);

}  // namespace posdiag
