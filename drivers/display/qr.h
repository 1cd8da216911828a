// QR codes, through libqrencode (the one file that uses it): text in, the symbol's modules out.
// Text of QR alphanumeric characters only (0-9, A-Z, space and $%*+-./:, as the hand-off summary
// is) is encoded in alphanumeric mode, anything else in byte mode; the smallest version that holds
// it at the error correction asked for is chosen. Drawing is the caller's: a framebuffer scales
// each module to pixels, a terminal draws two rows per line with half-block characters.
// Example:
//   auto qr = EncodeQr("PD1:...", QrEcc::kM);
//   if (qr) for (int y...) for (int x...) if (qr->Dark(x, y)) ...
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/base/result.h"

namespace posdiag::drivers::display {

enum class QrEcc { kL, kM, kQ, kH };

struct QrCode {
  int version = 0;
  int size = 0;                       // modules per side (17 + 4 * version), without the quiet zone
  std::vector<std::uint8_t> modules;  // size * size, row by row: 1 dark, 0 light
  bool Dark(int x, int y) const {
    return x >= 0 && y >= 0 && x < size && y < size &&
           modules[static_cast<std::size_t>(y * size + x)] != 0;
  }
};

// True when every character is in the QR alphanumeric set.
bool IsQrAlphanumeric(std::string_view text);

// kInvalid for empty text or text too long for any version at that error correction.
Result<QrCode> EncodeQr(std::string_view text, QrEcc ecc);

// The code drawn with the half blocks ▀ ▄ █ and spaces, two module rows per text line, inside a
// quiet zone of `quiet` light modules. Dark modules are drawn as ink (blocks), so on a terminal
// with light text on a dark background `inverted` = true draws light modules as blocks instead,
// which keeps the dark modules dark as a reader wants.
std::string RenderHalfBlocks(const QrCode& code, int quiet, bool inverted);

}  // namespace posdiag::drivers::display
