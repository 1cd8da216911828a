// Pure framing for serial (RS-232) CCID readers, as libccid's serial driver speaks to GemPC
// Twin / GemPC Card-style readers: a frame is SYNC (0x03), CTRL (0x06 ACK, 0x15 NAK), the CCID
// message (10-byte header + dwLength bytes), then an LRC byte, the XOR of every byte before it.
// A NAK frame is just 03 15 16 and asks for the last frame again. Between frames the reader may
// send a card movement notice (0x50 then 0x02 absent / 0x03 present) and, during a T=0 exchange,
// one-byte time requests (0x80..0xFF). Bytes in, a value or a kParse error out; the CCID message
// inside a frame is decoded by ccid.h.
//
//   auto frame = card_reader::DecodeSerialFrame(buffer, card_reader::kSerialMaxMessage);
//   if (!frame) ...;                  // wrong SYNC / CTRL, bad LRC, dwLength too big
//   else if (!*frame) ...;            // incomplete: read more
//   else buffer.erase(0, (*frame)->size);
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "drivers/base/result.h"

namespace posdiag::drivers::card_reader {

constexpr std::uint8_t kSerialSync = 0x03;
constexpr std::uint8_t kSerialAck = 0x06;
constexpr std::uint8_t kSerialNak = 0x15;
// libccid's dwMaxCCIDMessageLength for its serial readers: header + short APDU.
constexpr std::size_t kSerialMaxMessage = 271;

// SYNC, ACK, the message, LRC.
std::vector<std::uint8_t> EncodeSerialFrame(std::span<const std::uint8_t> message);

struct SerialFrame {
  enum class Kind {
    kMessage,      // an ACK frame carrying a CCID message
    kNak,          // the reader asks for the last frame again
    kSlotChange,   // a card was inserted or removed
    kTimeRequest,  // the reader asks for more time (T=0)
  };
  Kind kind = Kind::kMessage;
  std::size_t size = 0;               // bytes of the input this frame took
  std::vector<std::uint8_t> message;  // kMessage: the CCID message, without SYNC, CTRL and LRC
  bool card_present = false;          // kSlotChange
};

// Decodes the frame at the start of `bytes`. nullopt when the bytes are a frame's beginning and
// more are needed; kParse when they cannot be one: a first byte that starts nothing, a CTRL other
// than ACK or NAK, a NAK with the wrong LRC, a card movement byte other than 0x02 or 0x03, a
// dwLength that makes the message longer than `max_message`, or a wrong LRC.
Result<std::optional<SerialFrame>> DecodeSerialFrame(std::span<const std::uint8_t> bytes,
                                                     std::size_t max_message);

// Decodes `bytes` as exactly one frame: kParse also when they are short or longer than it.
Result<SerialFrame> DecodeWholeSerialFrame(std::span<const std::uint8_t> bytes,
                                           std::size_t max_message);

}  // namespace posdiag::drivers::card_reader
