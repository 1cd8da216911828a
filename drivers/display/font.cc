#include "drivers/display/font.h"

#include <algorithm>
#include <span>

namespace posdiag::drivers::display {
namespace font_data {
extern const std::uint8_t kBits[];
extern const GlyphEntry kGlyphs[];
extern const std::size_t kGlyphCount;
}  // namespace font_data

namespace {

// The generated entries, in code point order.
std::span<const GlyphEntry> Entries() { return {font_data::kGlyphs, font_data::kGlyphCount}; }

bool IsWide(char32_t c) {
  return (c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0xA4CF && c != 0x303F) ||
         (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
         (c >= 0xFFE0 && c <= 0xFFE6);
}

}  // namespace

std::optional<Glyph> FindGlyph(char32_t code) {
  const auto entries = Entries();
  const auto it = std::lower_bound(entries.begin(), entries.end(), code,
                                   [](const GlyphEntry& e, char32_t c) { return e.code < c; });
  if (it == entries.end() || it->code != code) return std::nullopt;
  return Glyph{it->width, font_data::kBits + it->offset};
}

std::size_t GlyphCount() { return Entries().size(); }

int CellWidth(char32_t code) {
  if (const auto g = FindGlyph(code)) return g->width / kCellWidth;
  return IsWide(code) ? 2 : 1;
}

}  // namespace posdiag::drivers::display
