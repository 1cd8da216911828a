// Glyphs for the display: the subset of GNU Unifont that the catalogue and the screens use,
// generated at build time (gen_glyphs.py). Every glyph is 16 rows high and 8 or 16 pixels wide
// (one or two text cells); a character without a glyph is drawn as a box of its cell width.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace posdiag::drivers::display {

inline constexpr int kGlyphHeight = 16;
inline constexpr int kCellWidth = 8;  // pixels of one text cell; a wide glyph takes two

// One generated glyph: its code point, width in pixels (8 or 16), and where its rows start in
// the bitmap table (16 rows of width/8 bytes, most significant bit leftmost).
struct GlyphEntry {
  std::uint32_t code;
  std::uint8_t width;
  std::uint32_t offset;
};

struct Glyph {
  int width = 0;                       // 8 or 16 pixels
  const std::uint8_t* rows = nullptr;  // kGlyphHeight rows of width / 8 bytes
  bool Pixel(int x, int y) const {
    const int bytes = width / 8;
    return (rows[y * bytes + x / 8] >> (7 - x % 8)) & 1;
  }
};

// The glyph of a code point, or nothing when the subset has none.
std::optional<Glyph> FindGlyph(char32_t code);
std::size_t GlyphCount();

// Cells a character takes: its glyph's, else 2 for the wide East Asian ranges and 1 otherwise
// (a text console counts the same way).
int CellWidth(char32_t code);

}  // namespace posdiag::drivers::display
