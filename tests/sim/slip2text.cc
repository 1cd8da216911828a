// slip2text — the bytes a printer took (printer_sim --capture) read back as one slip, for the
// end-to-end tests that check what reached the printer: the printer driver's own reader
// (ReadEscPos) turns them into text lines (GB18030 decoded to UTF-8) and the QR data.
//
//   slip2text FILE
//
// Prints one item a line: "initialised yes|no" (ESC @ first), "chinese yes|no" (FS & sent),
// "cut yes|no" (GS V), "qr_printed N" (GS ( k fn 81), then "qr DATA" for each GS ( k fn 80 and
// "text LINE" for each printed line. Exit status 0; 1 when FILE cannot be read or is not a slip
// ESC/POS can read (the reason on stderr); 64 for a usage error.
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <span>
#include <vector>

#include "drivers/printer/slip.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: slip2text FILE\n");
    return 64;
  }
  std::ifstream in(argv[1], std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "slip2text: cannot open %s\n", argv[1]);
    return 1;
  }
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                        std::istreambuf_iterator<char>());
  if (in.bad()) {
    std::fprintf(stderr, "slip2text: cannot read %s\n", argv[1]);
    return 1;
  }
  auto doc = posdiag::drivers::printer::ReadEscPos(std::span(bytes));
  if (!doc) {
    std::fprintf(stderr, "slip2text: %s: %s\n", argv[1], doc.error().detail.c_str());
    return 1;
  }
  const auto yes = [](bool b) { return b ? "yes" : "no"; };
  std::printf("initialised %s\nchinese %s\ncut %s\nqr_printed %d\n", yes(doc->initialised),
              yes(doc->chinese), yes(doc->cut), doc->qr_printed);
  for (const auto& qr : doc->qr_stored) std::printf("qr %s\n", qr.c_str());
  for (const auto& line : doc->lines) std::printf("text %s\n", line.c_str());
  return 0;
}
