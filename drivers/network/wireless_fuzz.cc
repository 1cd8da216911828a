// ParseProcNetWireless must turn any bytes into rows or an error, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "drivers/network/wireless.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)posdiag::drivers::network::ParseProcNetWireless(text);
  return 0;
}
