// Any bytes from a serial CCID reader decode to frames or a clear error, never a crash or a hang;
// every message a frame yields then goes through the CCID reply decoder.
#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/card_reader/ccid.h"
#include "drivers/card_reader/ccid_serial.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace cr = posdiag::drivers::card_reader;
  std::span<const std::uint8_t> bytes(data, size);
  (void)cr::DecodeWholeSerialFrame(bytes, cr::kSerialMaxMessage);
  while (!bytes.empty()) {
    auto frame = cr::DecodeSerialFrame(bytes, cr::kSerialMaxMessage);
    if (!frame || !*frame) break;
    const cr::SerialFrame& f = **frame;
    if (f.size == 0 || f.size > bytes.size()) __builtin_trap();
    if (f.kind == cr::SerialFrame::Kind::kMessage) {
      (void)cr::DecodeReply(f.message, cr::kSlotStatus, 0, 0);
      (void)cr::DecodeReply(f.message, cr::kDataBlock, 0, 0);
      if (cr::EncodeSerialFrame(f.message).size() != f.size) __builtin_trap();
    }
    bytes = bytes.subspan(f.size);
  }
  return 0;
}
