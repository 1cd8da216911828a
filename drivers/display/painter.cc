#include "drivers/display/painter.h"

namespace posdiag::drivers::display {

int DrawText(Framebuffer& fb, int x, int y, std::u32string_view text, Rgb fg, Rgb bg) {
  for (char32_t c : text) {
    if (x >= fb.width()) break;
    const auto glyph = FindGlyph(c);
    const int w = glyph ? glyph->width : CellWidth(c) * kCellWidth;
    fb.Fill(x, y, w, kGlyphHeight, bg);
    if (glyph) {
      for (int gy = 0; gy < kGlyphHeight; ++gy) {
        for (int gx = 0; gx < w; ++gx) {
          if (glyph->Pixel(gx, gy)) fb.Set(x + gx, y + gy, fg);
        }
      }
    } else {
      DrawFrame(fb, x + 1, y + 2, w - 2, kGlyphHeight - 4, fg);
    }
    x += w;
  }
  return x;
}

void DrawFrame(Framebuffer& fb, int x, int y, int w, int h, Rgb colour) {
  if (w <= 0 || h <= 0) return;
  fb.Fill(x, y, w, 1, colour);
  fb.Fill(x, y + h - 1, w, 1, colour);
  fb.Fill(x, y, 1, h, colour);
  fb.Fill(x + w - 1, y, 1, h, colour);
}

}  // namespace posdiag::drivers::display
