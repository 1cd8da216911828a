// Drawing on a framebuffer: text from the glyph subset (a character without a glyph is a box of
// its cell width, never skipped or a crash), filled and outlined rectangles. Positions are in
// pixels; text is one glyph row high (kGlyphHeight) and clipped at the screen's edges.
#pragma once

#include <string_view>

#include "drivers/display/font.h"
#include "drivers/display/framebuffer.h"

namespace posdiag::drivers::display {

// Draws `text` with its top-left at (x, y), each cell's background filled; returns the x after
// the last glyph.
int DrawText(Framebuffer& fb, int x, int y, std::u32string_view text, Rgb fg, Rgb bg);

// A one-pixel outline of the rectangle.
void DrawFrame(Framebuffer& fb, int x, int y, int w, int h, Rgb colour);

}  // namespace posdiag::drivers::display
