#include "drivers/base/text.h"

#include <algorithm>
#include <vector>

namespace posdiag {

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::optional<TomlHazard> FindTomlParserHazard(std::string_view text) {
  enum class In { kToml, kComment, kBasic, kLiteral, kMultiBasic, kMultiLiteral };
  In in = In::kToml;
  std::size_t line = 1;
  std::size_t line_start = 0;
  char last = '\n';  // the last character outside strings and comments, white space aside
  const auto hazard = [&](std::size_t at, const char* why) {
    std::size_t column = 1;  // in characters, as the parser counts them
    for (std::size_t k = line_start; k < at; ++k) {
      if ((static_cast<unsigned char>(text[k]) & 0xC0) != 0x80) ++column;
    }
    return TomlHazard{line, column, why};
  };
  const auto starts = [&](std::size_t at, std::string_view what) {
    return text.substr(at, what.size()) == what;
  };
  const auto non_ascii = [&](std::size_t at) {
    return at < text.size() && static_cast<unsigned char>(text[at]) >= 0x80;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      line_start = i + 1;
      if (in == In::kComment || in == In::kBasic || in == In::kLiteral) in = In::kToml;
      if (in == In::kToml) last = '\n';
      continue;
    }
    switch (in) {
      case In::kToml:
        if (non_ascii(i)) {
          return hazard(i, "a non-ASCII character outside a string or a comment");
        }
        if (c == '#') in = In::kComment;
        // A quote opens a string only where a key or a value starts; elsewhere (`+H'x`) the
        // parser reads it as part of a bad token and asks about every character after it.
        if ((c == '"' || c == '\'') &&
            std::string_view("\n=[{,.").find(last) != std::string_view::npos) {
          const bool multi = starts(i, c == '"' ? R"(""")" : "'''");
          if (multi) i += 2;
          in = c == '"' ? (multi ? In::kMultiBasic : In::kBasic)
                        : (multi ? In::kMultiLiteral : In::kLiteral);
        }
        if (c != ' ' && c != '\t' && c != '\r') last = c;
        break;
      case In::kComment:
        break;
      case In::kBasic:
        if (c == '\\' && i + 1 < text.size() && text[i + 1] != '\n') {
          ++i;  // the escaped character
        } else if (c == '"') {
          in = In::kToml;
          last = c;
        }
        break;
      case In::kLiteral:
        if (c == '\'') {
          in = In::kToml;
          last = c;
        }
        break;
      case In::kMultiBasic:
        if (c == '\\') {
          if (non_ascii(i + 1)) return hazard(i + 1, "a backslash before a non-ASCII character");
          if (i + 1 < text.size() && IsAsciiSpace(text[i + 1])) {
            // A line-ending backslash: the white space after it is skipped, the character that
            // ends it is what the parser asks about.
            std::size_t j = i + 1;
            for (; j < text.size() && IsAsciiSpace(text[j]); ++j) {
              if (text[j] == '\n') {
                ++line;
                line_start = j + 1;
              }
            }
            if (non_ascii(j)) {
              return hazard(j,
                            "a non-ASCII character right after a line-ending backslash (write it "
                            "as a \\u escape)");
            }
            i = j - 1;
          } else {
            ++i;  // the escaped character
          }
        } else if (starts(i, R"(""")")) {
          i += 2;
          // Up to two more quotes end the content, not the string.
          for (int extra = 0; extra < 2 && i + 1 < text.size() && text[i + 1] == '"'; ++extra) ++i;
          in = In::kToml;
          last = '"';
        }
        break;
      case In::kMultiLiteral:
        if (starts(i, "'''")) {
          i += 2;
          for (int extra = 0; extra < 2 && i + 1 < text.size() && text[i + 1] == '\''; ++extra) ++i;
          in = In::kToml;
          last = '\'';
        }
        break;
    }
  }
  return std::nullopt;
}

}  // namespace posdiag
