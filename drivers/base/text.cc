#include "drivers/base/text.h"

#include <algorithm>
#include <string>
#include <utility>
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

namespace {

// The code points for which toml++ 3.3.0's is_non_ascii_horizontal_whitespace() falls through its
// switch to TOML_UNREACHABLE (the blocks of its table that are neither all "no" nor handled).
bool ParserCannotClassify(char32_t c) {
  return (c >= 0xA1 && c <= 0x499) || (c >= 0x2C5E && c <= 0x3057 && c != 0x3000) ||
         (c >= 0xFB26 && c <= 0xFEFE);
}

// The code point of the UTF-8 sequence at `at` and its length; length 0 for bytes that make none
// (the parser refuses such text itself, before it classifies anything).
std::pair<char32_t, std::size_t> DecodeUtf8(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(at);
  std::size_t n = 0;
  char32_t c = 0;
  if (lead >= 0xC2 && lead <= 0xDF) {
    n = 2;
    c = lead & 0x1Fu;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    n = 3;
    c = lead & 0x0Fu;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    n = 4;
    c = lead & 0x07u;
  } else {
    return {0, 0};
  }
  if (at + n > text.size()) return {0, 0};
  for (std::size_t k = 1; k < n; ++k) {
    if ((byte(at + k) & 0xC0) != 0x80) return {0, 0};
    c = (c << 6) | (byte(at + k) & 0x3Fu);
  }
  return {c, n};
}

std::string Escape(char32_t c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kHex[(c >> shift) & 0xFu];
  return out;
}

}  // namespace

TomlSafeText MakeTomlParserSafe(std::string_view text) {
  enum class In { kToml, kComment, kBasic, kLiteral, kMultiBasic, kMultiLiteral };
  TomlSafeText out;
  out.text.reserve(text.size());
  In in = In::kToml;
  std::size_t line = 1;
  std::size_t line_start = 0;
  char last = '\n';      // the last character outside strings and comments, white space aside
  bool escaped = false;  // in a basic string: the character after a backslash
  const auto hazard = [&](std::size_t at, const char* why) {
    std::size_t column = 1;  // in characters, as the parser counts them
    for (std::size_t k = line_start; k < at; ++k) {
      if ((static_cast<unsigned char>(text[k]) & 0xC0) != 0x80) ++column;
    }
    out.hazard = TomlHazard{line, column, why};
    return out;
  };
  const auto starts = [&](std::size_t at, std::string_view what) {
    return text.substr(at, what.size()) == what;
  };
  // A closing delimiter and up to two more of its quotes (they end the content, not the string).
  const auto close_multi = [&](std::size_t& at, char quote) {
    out.text += text.substr(at + 1, 2);
    at += 2;
    for (int extra = 0; extra < 2 && at + 1 < text.size() && text[at + 1] == quote; ++extra) {
      out.text += quote;
      ++at;
    }
    in = In::kToml;
    last = quote;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (static_cast<unsigned char>(c) >= 0x80) {
      if (in == In::kToml) return hazard(i, "a non-ASCII character outside a string or a comment");
      const auto [code, length] = DecodeUtf8(text, i);
      if (length == 0 || !ParserCannotClassify(code)) {
        out.text += c;  // passed on byte by byte; the parser judges a bad sequence itself
        escaped = false;
        continue;
      }
      switch (in) {
        case In::kComment:  // dropped by the parser: any other character of the same length
          out.text += length == 2 ? "\xD2\xA0" : "\xE4\xB8\x80";
          break;
        case In::kBasic:
        case In::kMultiBasic:
          if (escaped) return hazard(i, "a backslash before a non-ASCII character");
          out.text += Escape(code);  // the same string
          break;
        default:
          return hazard(i,
                        "a character this system's TOML parser cannot take in a '...' string "
                        "(write the string in double quotes)");
      }
      i += length - 1;
      continue;
    }
    out.text += c;
    if (c == '\n') {
      ++line;
      line_start = i + 1;
      if (in == In::kComment || in == In::kBasic || in == In::kLiteral) in = In::kToml;
      if (in == In::kToml) last = '\n';
      escaped = false;
      continue;
    }
    switch (in) {
      case In::kToml:
        if (c == '#') in = In::kComment;
        // A quote opens a string only where a key or a value starts; elsewhere (`2""2`) the
        // parser reads it as part of a bad token.
        if ((c == '"' || c == '\'') &&
            std::string_view("\n=[{,.").find(last) != std::string_view::npos) {
          const bool multi = starts(i, c == '"' ? R"(""")" : "'''");
          if (multi) {
            out.text += text.substr(i + 1, 2);
            i += 2;
          }
          in = c == '"' ? (multi ? In::kMultiBasic : In::kBasic)
                        : (multi ? In::kMultiLiteral : In::kLiteral);
          escaped = false;
          break;
        }
        if (c != ' ' && c != '\t' && c != '\r') last = c;
        break;
      case In::kComment:
        break;
      case In::kBasic:
      case In::kMultiBasic:
        if (escaped) {
          escaped = false;
        } else if (c == '\\') {
          escaped = true;
        } else if (c == '"' && in == In::kBasic) {
          in = In::kToml;
          last = c;
        } else if (c == '"' && starts(i, R"(""")")) {
          close_multi(i, '"');
        }
        break;
      case In::kLiteral:
        if (c == '\'') {
          in = In::kToml;
          last = c;
        }
        break;
      case In::kMultiLiteral:
        if (starts(i, "'''")) close_multi(i, '\'');
        break;
    }
  }
  return out;
}

}  // namespace posdiag
