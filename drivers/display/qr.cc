#include "drivers/display/qr.h"

#include <qrencode.h>

#include <cerrno>
#include <memory>

namespace posdiag::drivers::display {
namespace {

QRecLevel LevelOf(QrEcc ecc) {
  switch (ecc) {
    case QrEcc::kL:
      return QR_ECLEVEL_L;
    case QrEcc::kM:
      return QR_ECLEVEL_M;
    case QrEcc::kQ:
      return QR_ECLEVEL_Q;
    case QrEcc::kH:
      return QR_ECLEVEL_H;
  }
  return QR_ECLEVEL_M;
}

struct InputFree {
  void operator()(QRinput* in) const { QRinput_free(in); }
};
struct CodeFree {
  void operator()(QRcode* c) const { QRcode_free(c); }
};

}  // namespace

bool IsQrAlphanumeric(std::string_view text) {
  constexpr std::string_view kSet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  return text.find_first_not_of(kSet) == std::string_view::npos;
}

Result<QrCode> EncodeQr(std::string_view text, QrEcc ecc) {
  if (text.empty()) return Error{ErrorKind::kInvalid, "QR: nothing to encode"};
  std::unique_ptr<QRinput, InputFree> input(QRinput_new2(0, LevelOf(ecc)));
  if (!input) return Error{ErrorKind::kIo, "QR: out of memory"};
  const QRencodeMode mode = IsQrAlphanumeric(text) ? QR_MODE_AN : QR_MODE_8;
  if (QRinput_append(input.get(), mode, static_cast<int>(text.size()),
                     reinterpret_cast<const unsigned char*>(text.data())) != 0) {
    return Error{ErrorKind::kInvalid, "QR: the text cannot be encoded"};
  }
  errno = 0;
  std::unique_ptr<QRcode, CodeFree> code(QRcode_encodeInput(input.get()));
  if (!code) {
    if (errno == ERANGE) {
      return Error{ErrorKind::kInvalid,
                   "QR: " + std::to_string(text.size()) + " characters are too many for a QR code"};
    }
    return Error{ErrorKind::kIo, "QR: encoding failed"};
  }
  QrCode out;
  out.version = code->version;
  out.size = code->width;
  const auto n = static_cast<std::size_t>(code->width) * static_cast<std::size_t>(code->width);
  out.modules.resize(n);
  // Bit 0 of each of libqrencode's bytes is the module's colour; the others say what it is for.
  for (std::size_t i = 0; i < n; ++i) out.modules[i] = code->data[i] & 1;
  return out;
}

std::string RenderHalfBlocks(const QrCode& code, int quiet, bool inverted) {
  const int from = -quiet;
  const int to = code.size + quiet;
  std::string out;
  for (int y = from; y < to; y += 2) {
    for (int x = from; x < to; ++x) {
      const bool top = code.Dark(x, y) != inverted;
      const bool bottom = y + 1 < to && (code.Dark(x, y + 1) != inverted);
      if (top && bottom) {
        out += "\u2588";  // █
      } else if (top) {
        out += "\u2580";  // ▀
      } else if (bottom) {
        out += "\u2584";  // ▄
      } else {
        out += ' ';
      }
    }
    out += '\n';
  }
  return out;
}

}  // namespace posdiag::drivers::display
