// Any byte sequence for any n decodes to a reply or a clear error, never a crash; the counts
// always add up to the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>

#include "drivers/printer/escpos_status.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const int n = static_cast<int>(data[0] % 6);  // 0 and 5 exercise the refusal
  const std::span<const std::uint8_t> bytes(data + 1, size - 1);
  auto reply = posdiag::drivers::printer::DecodeDleEot(n, bytes);
  if (!reply) return 0;
  const std::size_t status = reply->raw ? 1 + reply->extra : 0;
  if (reply->framing_errors + reply->flow_control + status != bytes.size()) std::abort();
  if (reply->raw && !posdiag::drivers::printer::IsDleEotByte(*reply->raw)) std::abort();
  return 0;
}
