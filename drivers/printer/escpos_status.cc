#include "drivers/printer/escpos_status.h"

#include <string>

namespace posdiag::drivers::printer {

Result<DleEotReply> DecodeDleEot(int n, std::span<const std::uint8_t> bytes) {
  if (n < 1 || n > 4) {
    return Error{ErrorKind::kInvalid, "DLE EOT " + std::to_string(n) + ": n must be 1 to 4"};
  }
  DleEotReply reply;
  reply.n = n;
  for (const std::uint8_t b : bytes) {
    if (b == kXon || b == kXoff) {
      ++reply.flow_control;
    } else if (!IsDleEotByte(b)) {
      ++reply.framing_errors;
    } else {
      if (reply.raw) ++reply.extra;
      reply.raw = b;
    }
  }
  if (!reply.raw) return reply;
  const std::uint8_t b = *reply.raw;
  switch (n) {
    case 1:
      reply.drawer_pin3_high = (b & 0x04) != 0;
      reply.offline = (b & 0x08) != 0;
      reply.waiting_online_recovery = (b & 0x20) != 0;
      reply.feed_button_pressed = (b & 0x40) != 0;
      break;
    case 2:
      reply.cover_open = (b & 0x04) != 0;
      reply.paper_fed_by_button = (b & 0x08) != 0;
      reply.stopped_paper_end = (b & 0x20) != 0;
      reply.error_occurred = (b & 0x40) != 0;
      break;
    case 3:
      reply.recoverable_error = (b & 0x04) != 0;
      reply.cutter_error = (b & 0x08) != 0;
      reply.unrecoverable_error = (b & 0x20) != 0;
      reply.auto_recoverable_error = (b & 0x40) != 0;
      break;
    default:
      reply.paper_near_end = (b & 0x0C) == 0x0C;
      reply.paper_end = (b & 0x60) == 0x60;
      break;
  }
  return reply;
}

}  // namespace posdiag::drivers::printer
