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

// Debian 12's toml++ (3.3.0) reaches an unreachable point (undefined behaviour; upstream issues
// 190 and 295, fixed after 3.3.0) when it asks "is this whitespace?" of a code point in
// U+00A1-U+0499, U+2C5E-U+3057 (but U+3000) or U+FB26-U+FEFE: Latin-1, Greek, Cyrillic, the CJK
// comma and full stop U+3001/U+3002 among them. It asks that of the characters outside strings,
// of those after a line-ending backslash in a """ string, and of every character of a bad token,
// quotes included. MakeTomlParserSafe gives the text the parser may have instead: such a character
// in a "..." string becomes its \uXXXX escape (the same string; columns after it on its line
// move), in a comment some other character. Refused with their place: any non-ASCII character
// outside strings and comments (TOML allows none there), one right after an escaping backslash (no
// escape), and one of those in a '...' string (a limit of this parser: the message says to use
// double quotes).
struct TomlHazard {
  std::size_t line = 0;    // 1-based
  std::size_t column = 0;  // 1-based, in characters
  std::string why;
};
struct TomlSafeText {
  std::string text;                  // what to parse, when there is no hazard
  std::optional<TomlHazard> hazard;  // the first character refused
};
TomlSafeText MakeTomlParserSafe(std::string_view text);

// Levenshtein distance, for "did you mean" hints.
std::size_t EditDistance(std::string_view a, std::string_view b);

}  // namespace posdiag
