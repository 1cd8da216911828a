// A printed slip as ESC/POS bytes, and the reading of such bytes back. Both pure.
//
// BuildSlip lays out a title, "label: value" lines, findings (code, title, first remedy) and a QR
// code for a receipt printer of 58 mm or 80 mm paper (32 or 48 columns of font A; a CJK character
// takes two): ESC @, the text — in the printer's Chinese mode (FS &, GB18030 double-byte) when
// `chinese` is set, ASCII otherwise — then the QR code through GS ( k (model 2, error correction M,
// the largest module that fits the paper), ESC d 4 and GS V 1 (partial cut). Control bytes in the
// text never reach the printer: they could be commands.
//
// ReadEscPos walks bytes such a slip is made of, command by command, and gives back the text lines
// (GB18030 decoded to UTF-8 in Chinese mode), the QR data stored and printed, and whether the slip
// was cut; anything it does not know is kParse. The tests and the printer simulator check a slip
// with it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/base/result.h"

namespace posdiag::drivers::printer {

enum class PaperWidth { k58mm, k80mm };
int Columns(PaperWidth width);        // 32, 48
int PrintableDots(PaperWidth width);  // 384, 576

struct SlipField {
  std::string label;  // UTF-8
  std::string value;
};

struct SlipFinding {
  std::string code;  // "P1"
  std::string title;
  std::string remedy;  // the first step; "" for none
};

struct SlipContent {
  bool chinese = false;
  std::string title;
  std::vector<SlipField> fields;
  std::vector<SlipFinding> findings;
  std::string footer;  // a line under the findings ("scan the code for support"); may be ""
  std::string qr;      // the QR code's text; "" for none
};

// kInvalid when Chinese text cannot be put into GB18030 or the QR text is longer than GS ( k
// takes.
Result<std::vector<std::uint8_t>> BuildSlip(const SlipContent& content, PaperWidth width);

// The UTF-8 text wrapped to `columns` cells (CJK two), on spaces where a line has them.
std::vector<std::string> WrapColumns(std::string_view utf8, int columns);

struct EscPosDocument {
  bool initialised = false;            // ESC @ came first
  std::vector<std::string> lines;      // text, UTF-8, one per LF
  std::vector<std::string> qr_stored;  // GS ( k fn 80 data, in order
  int qr_printed = 0;                  // GS ( k fn 81
  int qr_module = 0;                   // the last GS ( k fn 67
  bool chinese = false;                // FS & was ever sent
  bool cut = false;                    // GS V
  std::size_t commands = 0;
};

Result<EscPosDocument> ReadEscPos(std::span<const std::uint8_t> bytes);

}  // namespace posdiag::drivers::printer
