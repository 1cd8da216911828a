#include "drivers/display/text.h"

#include <algorithm>

#include "drivers/display/font.h"

namespace posdiag::drivers::display {

int CellWidth(std::u32string_view text) {
  int cells = 0;
  for (char32_t c : text) cells += CellWidth(c);
  return cells;
}

std::u32string DecodeUtf8(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    const auto b0 = static_cast<unsigned char>(text[i]);
    int extra = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if (b0 < 0x80) {
      out.push_back(b0);
      ++i;
      continue;
    } else if ((b0 & 0xE0) == 0xC0) {
      extra = 1, cp = b0 & 0x1F, min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
      extra = 2, cp = b0 & 0x0F, min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
      extra = 3, cp = b0 & 0x07, min = 0x10000;
    } else {
      out.push_back(kReplacementChar);
      ++i;
      continue;
    }
    std::size_t j = i + 1;
    bool ok = true;
    for (int k = 0; k < extra; ++k, ++j) {
      if (j >= text.size() || (static_cast<unsigned char>(text[j]) & 0xC0) != 0x80) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (static_cast<unsigned char>(text[j]) & 0x3F);
    }
    if (!ok || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) {
      out.push_back(kReplacementChar);
      i = ok ? j : std::max(j, i + 1);
      continue;
    }
    out.push_back(cp);
    i = j;
  }
  return out;
}

std::string EncodeUtf8(std::u32string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char32_t c : text) {
    if (c > 0x10FFFF || (c >= 0xD800 && c < 0xE000)) c = kReplacementChar;
    if (c < 0x80) {
      out.push_back(static_cast<char>(c));
    } else if (c < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (c >> 6)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else if (c < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (c >> 12)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (c >> 18)));
      out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  return out;
}

std::u32string Truncate(std::u32string_view text, int cells) {
  if (cells <= 0) return {};
  if (CellWidth(text) <= cells) return std::u32string(text);
  const int room = cells - CellWidth(kEllipsis);
  std::u32string out;
  int used = 0;
  for (char32_t c : text) {
    const int w = CellWidth(c);
    if (used + w > room) break;
    out.push_back(c);
    used += w;
  }
  if (room >= 0) out.push_back(kEllipsis);
  return out;
}

std::vector<std::u32string> Wrap(std::u32string_view text, int cells, std::size_t max_lines) {
  std::vector<std::u32string> lines;
  if (cells <= 0 || max_lines == 0) return lines;
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && text[pos] == U' ' && !lines.empty()) ++pos;
    if (pos >= text.size()) break;
    if (lines.size() + 1 == max_lines) {
      lines.push_back(Truncate(text.substr(pos), cells));
      break;
    }
    std::size_t end = pos;
    int used = 0;
    std::size_t last_break = std::u32string_view::npos;  // index just after a space
    while (end < text.size()) {
      const int w = CellWidth(text[end]);
      if (used + w > cells) break;
      used += w;
      if (text[end] == U' ') last_break = end + 1;
      ++end;
    }
    if (end < text.size() && last_break != std::u32string_view::npos && last_break > pos &&
        text[end] != U' ' && CellWidth(text[end]) == 1 && CellWidth(text[end - 1]) == 1) {
      end = last_break;  // break at the space rather than inside a word
    }
    if (end == pos) end = pos + 1;  // a glyph wider than the line: show it cut by the edge
    std::u32string line(text.substr(pos, end - pos));
    while (!line.empty() && line.back() == U' ') line.pop_back();
    lines.push_back(std::move(line));
    pos = end;
  }
  return lines;
}

}  // namespace posdiag::drivers::display
