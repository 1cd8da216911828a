// libFuzzer target: any typed text is a verdict, never a crash; the mask never shows more than
// the first 6 and last 4 digits.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "drivers/input/track.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto v = posdiag::drivers::input::ParseSwipe(text);
  if (v.ok() && (!v.luhn_ok || !*v.luhn_ok)) std::abort();
  std::size_t digits = 0;
  for (char c : v.pan_masked) digits += (c >= '0' && c <= '9') ? 1 : 0;
  if (digits > 10) std::abort();
  return 0;
}
