// Text for the display: UTF-8 decoding that never fails, widths in text cells (an ASCII glyph is
// one cell of 8 pixels, a CJK glyph two), and wrapping and cutting lines to a width in cells.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace posdiag::drivers::display {

inline constexpr char32_t kReplacementChar = 0xFFFD;
inline constexpr char32_t kEllipsis = 0x2026;

// UTF-8 to code points; an invalid, overlong or surrogate sequence becomes U+FFFD.
std::u32string DecodeUtf8(std::string_view text);
std::string EncodeUtf8(std::u32string_view text);

int CellWidth(std::u32string_view text);

// The longest prefix that fits in `cells`; when something was cut, it ends in an ellipsis.
std::u32string Truncate(std::u32string_view text, int cells);

// Lines of at most `cells` cells: breaks after a space where a line has one, anywhere in CJK
// text (and inside a word too long for a line). At most `max_lines` lines: the last one of a
// longer text is cut with an ellipsis. Leading spaces of a continued line are dropped.
std::vector<std::u32string> Wrap(std::u32string_view text, int cells, std::size_t max_lines);

}  // namespace posdiag::drivers::display
