// Fuzz target: the ESC/POS reader over any bytes, and the slip builder over any text: whatever the
// text, the slip it makes reads back with the same QR data and no command the text smuggled in.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/printer/slip.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace posdiag::drivers::printer;
  (void)ReadEscPos(std::span(data, size));

  // Fields separated by NUL: title, label, value, code, title, remedy, qr; the first byte picks
  // the language and the paper.
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '\0') {
      parts.emplace_back(text.substr(start, i - start));
      start = i + 1;
    }
  }
  parts.resize(7);
  SlipContent c;
  c.chinese = (data[0] & 1) != 0;
  c.title = parts[0];
  c.fields = {{parts[1], parts[2]}};
  c.findings = {{parts[3], parts[4], parts[5]}};
  c.qr = parts[6];
  const PaperWidth width = (data[0] & 2) != 0 ? PaperWidth::k80mm : PaperWidth::k58mm;
  auto bytes = BuildSlip(c, width);
  if (!bytes) return 0;  // text that has no GB18030 form
  auto doc = ReadEscPos(*bytes);
  if (!doc || !doc->cut || !doc->initialised) __builtin_trap();
  if (c.qr.empty() ? !doc->qr_stored.empty()
                   : doc->qr_stored.size() != 1 || doc->qr_stored[0] != c.qr)
    __builtin_trap();
  return 0;
}
