#include "drivers/card_reader/ccid.h"

#include <algorithm>
#include <cstdio>

namespace posdiag::drivers::card_reader {
namespace {

// Larger than any message a reader sends to a terminal-side query: an ATR is ≤ 33 bytes and
// dwMaxCCIDMessageLength is at most 65544 (64 KiB extended APDU + header).
constexpr std::uint32_t kMaxData = 65536;
constexpr std::size_t kMaxAtr = 33;

std::uint32_t Le32(std::span<const std::uint8_t> b, std::size_t at) {
  return std::uint32_t{b[at]} | std::uint32_t{b[at + 1]} << 8 | std::uint32_t{b[at + 2]} << 16 |
         std::uint32_t{b[at + 3]} << 24;
}

Error ParseError(std::string detail) { return Error{ErrorKind::kParse, std::move(detail)}; }

std::string Hex(std::uint8_t b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02X", unsigned{b});
  return buf;
}

}  // namespace

std::string_view IccStatusName(IccStatus status) {
  switch (status) {
    case IccStatus::kActive:
      return "active";
    case IccStatus::kInactive:
      return "inactive";
    case IccStatus::kAbsent:
      return "absent";
  }
  return "absent";
}

std::string_view ClockStatusName(std::uint8_t clock) {
  switch (clock) {
    case 0:
      return "running";
    case 1:
      return "stopped_low";
    case 2:
      return "stopped_high";
    case 3:
      return "stopped_unknown";
    default:
      return "invalid";
  }
}

std::string ErrorName(std::uint8_t error) {
  switch (error) {
    case 0xFF:
      return "CMD_ABORTED";
    case 0xFE:
      return "ICC_MUTE";
    case 0xFD:
      return "XFR_PARITY_ERROR";
    case 0xFC:
      return "XFR_OVERRUN";
    case 0xFB:
      return "HW_ERROR";
    case 0xF8:
      return "BAD_ATR_TS";
    case 0xF7:
      return "BAD_ATR_TCK";
    case 0xF6:
      return "ICC_PROTOCOL_NOT_SUPPORTED";
    case 0xF5:
      return "ICC_CLASS_NOT_SUPPORTED";
    case 0xF4:
      return "PROCEDURE_BYTE_CONFLICT";
    case 0xF3:
      return "DEACTIVATED_PROTOCOL";
    case 0xF2:
      return "BUSY_WITH_AUTO_SEQUENCE";
    case 0xF0:
      return "PIN_TIMEOUT";
    case 0xEF:
      return "PIN_CANCELLED";
    case 0xE0:
      return "CMD_SLOT_BUSY";
    case 0x00:
      return "CMD_NOT_SUPPORTED";
    default:
      break;
  }
  if (error <= 0x7F) return "BAD_PARAMETER_AT_OFFSET_" + std::to_string(error);
  return "UNKNOWN_ERROR_" + Hex(error);
}

std::vector<std::uint8_t> EncodeCommand(std::uint8_t type, std::uint8_t slot, std::uint8_t seq,
                                        std::uint8_t param) {
  return {type, 0, 0, 0, 0, slot, seq, param, 0, 0};
}

Result<Reply> DecodeReply(std::span<const std::uint8_t> bytes, std::uint8_t type, std::uint8_t slot,
                          std::uint8_t seq) {
  if (bytes.size() < kHeaderSize) {
    return ParseError("CCID reply of " + std::to_string(bytes.size()) +
                      " bytes, shorter than the 10-byte header");
  }
  Reply r;
  r.type = bytes[0];
  const std::uint32_t length = Le32(bytes, 1);
  r.slot = bytes[5];
  r.seq = bytes[6];
  if (r.type != type) {
    return ParseError("CCID reply type " + Hex(r.type) + ", expected " + Hex(type));
  }
  if (r.slot != slot) {
    return ParseError("CCID reply for slot " + std::to_string(r.slot) + ", asked slot " +
                      std::to_string(slot));
  }
  if (r.seq != seq) {
    return ParseError("CCID reply sequence " + std::to_string(r.seq) + ", expected " +
                      std::to_string(seq));
  }
  if (length > kMaxData || length != bytes.size() - kHeaderSize) {
    return ParseError("CCID dwLength " + std::to_string(length) + " but " +
                      std::to_string(bytes.size() - kHeaderSize) + " data bytes");
  }
  if (type == kSlotStatus && length != 0) {
    return ParseError("CCID SlotStatus with dwLength " + std::to_string(length));
  }
  const std::uint8_t status = bytes[7];
  if ((status & 0x3C) != 0)
    return ParseError("CCID bStatus " + Hex(status) + " sets reserved bits");
  switch (status & 0x03) {
    case 0:
      r.icc = IccStatus::kActive;
      break;
    case 1:
      r.icc = IccStatus::kInactive;
      break;
    case 2:
      r.icc = IccStatus::kAbsent;
      break;
    default:
      return ParseError("CCID bmICCStatus 3 is reserved");
  }
  switch (status >> 6) {
    case 0:
      r.command = CommandStatus::kOk;
      break;
    case 1:
      r.command = CommandStatus::kFailed;
      break;
    case 2:
      r.command = CommandStatus::kTimeExtension;
      break;
    default:
      return ParseError("CCID bmCommandStatus 3 is reserved");
  }
  r.error = bytes[8];
  r.param = bytes[9];
  r.data.assign(bytes.begin() + kHeaderSize, bytes.end());
  return r;
}

Result<InterruptMessage> DecodeInterrupt(std::span<const std::uint8_t> bytes) {
  if (bytes.empty()) return ParseError("empty CCID interrupt message");
  InterruptMessage m;
  switch (bytes[0]) {
    case kNotifySlotChange:
      if (bytes.size() < 2) return ParseError("NotifySlotChange without slot state");
      m.kind = InterruptMessage::Kind::kSlotChange;
      m.present = (bytes[1] & 0x01) != 0;
      m.changed = (bytes[1] & 0x02) != 0;
      return m;
    case kHardwareError:
      if (bytes.size() != 4) {
        return ParseError("HardwareError of " + std::to_string(bytes.size()) + " bytes, not 4");
      }
      m.kind = InterruptMessage::Kind::kHwError;
      m.slot = bytes[1];
      m.seq = bytes[2];
      m.code = bytes[3];
      return m;
    default:
      return ParseError("CCID interrupt message type " + Hex(bytes[0]));
  }
}

Result<ClassDescriptor> DecodeClassDescriptor(std::span<const std::uint8_t> extra) {
  std::size_t at = 0;
  while (at + 2 <= extra.size()) {
    const std::size_t len = extra[at];
    if (len < 2 || at + len > extra.size()) {
      return ParseError("descriptor of length " + std::to_string(len) + " at offset " +
                        std::to_string(at) + " overruns the " + std::to_string(extra.size()) +
                        " extra bytes");
    }
    if (extra[at + 1] == 0x21) {
      if (len != 54) {
        return ParseError("CCID class descriptor of " + std::to_string(len) + " bytes, not 54");
      }
      const auto d = extra.subspan(at, len);
      ClassDescriptor c;
      c.bcd_ccid = static_cast<std::uint16_t>(d[2] | d[3] << 8);
      c.max_slot_index = d[4];
      c.voltage_support = d[5];
      c.protocols = Le32(d, 6);
      c.features = Le32(d, 40);
      c.max_message_length = Le32(d, 44);
      return c;
    }
    at += len;
  }
  return ParseError("no CCID class descriptor (type 0x21) in " + std::to_string(extra.size()) +
                    " extra bytes");
}

AtrCheck CheckAtr(std::span<const std::uint8_t> atr) {
  AtrCheck c;
  c.length = atr.size();
  auto fail = [&](std::string why) {
    c.valid = false;
    c.problem = std::move(why);
    return c;
  };
  if (atr.empty()) return fail("empty ATR");
  if (atr.size() > kMaxAtr) return fail("ATR of " + std::to_string(atr.size()) + " bytes, over 33");
  if (atr[0] != 0x3B && atr[0] != 0x3F) return fail("TS " + Hex(atr[0]) + " is not 3B or 3F");
  if (atr.size() < 2) return fail("ATR ends before T0");
  std::size_t at = 1;
  std::uint8_t y = atr[at] >> 4;
  c.historical = atr[at] & 0x0F;
  ++at;
  bool needs_tck = false;
  for (int level = 1; y != 0; ++level) {
    const int count = ((y & 1) != 0) + ((y & 2) != 0) + ((y & 4) != 0);
    if (at + static_cast<std::size_t>(count) > atr.size()) {
      return fail("ATR ends inside the interface bytes of level " + std::to_string(level));
    }
    at += static_cast<std::size_t>(count);
    if ((y & 8) == 0) break;
    if (at >= atr.size()) return fail("ATR ends before TD" + std::to_string(level));
    const std::uint8_t td = atr[at++];
    const int t = td & 0x0F;
    // T=15 names global bytes, not a protocol, but still requires TCK.
    if (t != 15 && std::find(c.protocols.begin(), c.protocols.end(), t) == c.protocols.end()) {
      c.protocols.push_back(t);
    }
    if (t != 0) needs_tck = true;
    y = td >> 4;
  }
  if (c.protocols.empty()) c.protocols.push_back(0);
  if (at + c.historical > atr.size()) {
    return fail("T0 announces " + std::to_string(c.historical) + " historical bytes, " +
                std::to_string(atr.size() - at) + " follow");
  }
  at += c.historical;
  if (needs_tck) {
    if (at >= atr.size()) return fail("TCK missing though protocols other than T=0 are offered");
    c.tck_present = true;
    std::uint8_t x = 0;
    for (std::size_t i = 1; i <= at; ++i) x ^= atr[i];
    ++at;
    if (x != 0) return fail("TCK does not match (XOR of T0..TCK is " + Hex(x) + ")");
  }
  if (at != atr.size()) {
    return fail(std::to_string(atr.size() - at) + " bytes after the end of the ATR");
  }
  c.valid = true;
  return c;
}

}  // namespace posdiag::drivers::card_reader
