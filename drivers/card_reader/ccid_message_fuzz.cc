// Any bytes from a reader decode to a reply, an interrupt message, a class descriptor or an
// error, never a crash or a hang. The first byte picks the slot and sequence expected.
#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/card_reader/ccid.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace cr = posdiag::drivers::card_reader;
  if (size == 0) return 0;
  const std::uint8_t pick = data[0];
  const std::span<const std::uint8_t> bytes(data + 1, size - 1);
  for (std::uint8_t type : {cr::kSlotStatus, cr::kDataBlock}) {
    if (auto r = cr::DecodeReply(bytes, type, pick & 0x01, pick >> 1)) {
      (void)cr::IccStatusName(r->icc);
      (void)cr::ClockStatusName(r->param);
      (void)cr::ErrorName(r->error);
      (void)cr::CheckAtr(r->data);
    }
  }
  (void)cr::DecodeInterrupt(bytes);
  (void)cr::DecodeClassDescriptor(bytes);
  return 0;
}
