#include "drivers/card_reader/ccid_serial.h"

#include <cstdio>
#include <string>

#include "drivers/card_reader/ccid.h"

namespace posdiag::drivers::card_reader {
namespace {

constexpr std::uint8_t kSlotChangeByte = 0x50;
constexpr std::uint8_t kCardAbsent = 0x02;
constexpr std::uint8_t kCardPresent = 0x03;

std::string Hex(std::uint8_t b) {
  char s[8];
  std::snprintf(s, sizeof s, "0x%02X", b);
  return s;
}

Error ParseError(std::string detail) { return Error{ErrorKind::kParse, std::move(detail)}; }

}  // namespace

std::vector<std::uint8_t> EncodeSerialFrame(std::span<const std::uint8_t> message) {
  std::vector<std::uint8_t> frame;
  frame.reserve(message.size() + 3);
  frame.push_back(kSerialSync);
  frame.push_back(kSerialAck);
  frame.insert(frame.end(), message.begin(), message.end());
  std::uint8_t lrc = 0;
  for (std::uint8_t b : frame) lrc ^= b;
  frame.push_back(lrc);
  return frame;
}

Result<std::optional<SerialFrame>> DecodeSerialFrame(std::span<const std::uint8_t> bytes,
                                                     std::size_t max_message) {
  if (bytes.empty()) return std::optional<SerialFrame>();
  const std::uint8_t first = bytes[0];
  if (first == kSlotChangeByte) {
    if (bytes.size() < 2) return std::optional<SerialFrame>();
    if (bytes[1] != kCardAbsent && bytes[1] != kCardPresent) {
      return ParseError("card movement notice with state " + Hex(bytes[1]) +
                        " (0x02 or 0x03 expected)");
    }
    SerialFrame f;
    f.kind = SerialFrame::Kind::kSlotChange;
    f.size = 2;
    f.card_present = bytes[1] == kCardPresent;
    return std::optional<SerialFrame>(std::move(f));
  }
  if (first >= 0x80) {
    SerialFrame f;
    f.kind = SerialFrame::Kind::kTimeRequest;
    f.size = 1;
    return std::optional<SerialFrame>(std::move(f));
  }
  if (first != kSerialSync) {
    return ParseError("frame starts with " + Hex(first) + " instead of SYNC (0x03)");
  }
  if (bytes.size() < 2) return std::optional<SerialFrame>();
  if (bytes[1] == kSerialNak) {
    if (bytes.size() < 3) return std::optional<SerialFrame>();
    if (bytes[2] != (kSerialSync ^ kSerialNak)) {
      return ParseError("NAK frame with LRC " + Hex(bytes[2]) + " (0x16 expected)");
    }
    SerialFrame f;
    f.kind = SerialFrame::Kind::kNak;
    f.size = 3;
    return std::optional<SerialFrame>(std::move(f));
  }
  if (bytes[1] != kSerialAck) {
    return ParseError("frame control byte " + Hex(bytes[1]) + " is neither ACK nor NAK");
  }
  // SYNC CTRL, then the header's bMessageType and the 4-byte little-endian dwLength.
  if (bytes.size() < 2 + 5) return std::optional<SerialFrame>();
  const std::uint64_t length = std::uint64_t{bytes[3]} | std::uint64_t{bytes[4]} << 8 |
                               std::uint64_t{bytes[5]} << 16 | std::uint64_t{bytes[6]} << 24;
  if (length + kHeaderSize > max_message) {
    return ParseError("frame announces a " + std::to_string(length + kHeaderSize) +
                      "-byte message, more than the reader's " + std::to_string(max_message));
  }
  const std::size_t message_size = kHeaderSize + static_cast<std::size_t>(length);
  const std::size_t total = 2 + message_size + 1;
  if (bytes.size() < total) return std::optional<SerialFrame>();
  std::uint8_t lrc = 0;
  for (std::size_t i = 0; i + 1 < total; ++i) lrc ^= bytes[i];
  if (lrc != bytes[total - 1]) {
    return ParseError("frame LRC " + Hex(bytes[total - 1]) + " where the bytes give " + Hex(lrc));
  }
  SerialFrame f;
  f.kind = SerialFrame::Kind::kMessage;
  f.size = total;
  f.message.assign(bytes.begin() + 2,
                   bytes.begin() + 2 + static_cast<std::ptrdiff_t>(message_size));
  return std::optional<SerialFrame>(std::move(f));
}

Result<SerialFrame> DecodeWholeSerialFrame(std::span<const std::uint8_t> bytes,
                                           std::size_t max_message) {
  auto frame = DecodeSerialFrame(bytes, max_message);
  if (!frame) return frame.error();
  if (!*frame) {
    return ParseError("short frame: " + std::to_string(bytes.size()) + " bytes end mid-frame");
  }
  if ((*frame)->size != bytes.size()) {
    return ParseError("long frame: " + std::to_string(bytes.size() - (*frame)->size) +
                      " bytes after its end");
  }
  return std::move(**frame);
}

}  // namespace posdiag::drivers::card_reader
