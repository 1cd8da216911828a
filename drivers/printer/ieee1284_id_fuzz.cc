// Any byte sequence decodes to a device ID or a clear error, never a crash; what it keeps is
// printable and bounded.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "drivers/printer/usb_transport.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto id = posdiag::drivers::printer::ParseIeee1284Id(std::span<const std::uint8_t>(data, size));
  if (!id) return 0;
  if (id->fields.empty() || id->fields.size() > 64) std::abort();
  for (const auto& [key, value] : id->fields) {
    if (key.empty() || key.size() > 256 || value.size() > 256) std::abort();
    for (char c : key + value) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
        std::abort();
      }
    }
  }
  return 0;
}
