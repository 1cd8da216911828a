// Fuzz target: the hand-off summary parser. Whatever a QR reader hands it must parse or fail with
// an error, and what parses must encode back to the same bytes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "agent/handoff/signing.h"
#include "agent/handoff/summary.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace posdiag::agent::handoff;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = ParsePayload(text);
  if (!parsed) return 0;
  (void)Verify(*parsed, nullptr);
  if (!parsed->signature) {
    auto again = EncodePayload(parsed->summary, nullptr);
    if (!again) __builtin_trap();
    auto back = ParsePayload(*again);
    if (!back || !(back->summary == parsed->summary)) __builtin_trap();
  }
  return 0;
}
