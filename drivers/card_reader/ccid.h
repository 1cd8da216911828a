// Pure decoders for a USB CCID smart-card reader: the bulk messages (10-byte header), the
// interrupt messages, the CCID class descriptor and the card's ATR. Bytes in, a value or a
// kParse error out; nothing here touches a device.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/base/result.h"

namespace posdiag::drivers::card_reader {

constexpr std::uint8_t kCcidClass = 0x0B;
constexpr std::size_t kHeaderSize = 10;

// PC_to_RDR commands and RDR_to_PC replies (protocol-facts 2.1, 2.3).
constexpr std::uint8_t kIccPowerOn = 0x62;
constexpr std::uint8_t kIccPowerOff = 0x63;
constexpr std::uint8_t kGetSlotStatus = 0x65;
constexpr std::uint8_t kDataBlock = 0x80;
constexpr std::uint8_t kSlotStatus = 0x81;
constexpr std::uint8_t kNotifySlotChange = 0x50;
constexpr std::uint8_t kHardwareError = 0x51;

// bError codes the probe and rules tell apart.
constexpr std::uint8_t kErrIccMute = 0xFE;
constexpr std::uint8_t kErrHwError = 0xFB;

enum class IccStatus { kActive, kInactive, kAbsent };
std::string_view IccStatusName(IccStatus status);  // "active", "inactive", "absent"
// bClockStatus 0..3: "running", "stopped_low", "stopped_high", "stopped_unknown"; else "invalid".
std::string_view ClockStatusName(std::uint8_t clock);
// The CCID driver's name for a bError ("ICC_MUTE", "HW_ERROR", …, "CMD_NOT_SUPPORTED",
// "BAD_PARAMETER_AT_OFFSET_5").
std::string ErrorName(std::uint8_t error);

// A 10-byte command with no data: type, slot, sequence, and byte 7 (bPowerSelect for IccPowerOn).
std::vector<std::uint8_t> EncodeCommand(std::uint8_t type, std::uint8_t slot, std::uint8_t seq,
                                        std::uint8_t param = 0);

enum class CommandStatus { kOk, kFailed, kTimeExtension };

struct Reply {
  std::uint8_t type = 0;
  std::uint8_t slot = 0;
  std::uint8_t seq = 0;
  IccStatus icc = IccStatus::kAbsent;
  CommandStatus command = CommandStatus::kOk;
  std::uint8_t error = 0;  // meaningful when command == kFailed
  std::uint8_t param = 0;  // byte 9: bClockStatus (SlotStatus) or bChainParameter (DataBlock)
  std::vector<std::uint8_t> data;
};

// Decodes one reply to the command (`slot`, `seq`) that expects `type`. kParse for a short or
// over-long message, a dwLength that disagrees with the bytes, another message type, slot or
// sequence number, or reserved bits in bStatus.
Result<Reply> DecodeReply(std::span<const std::uint8_t> bytes, std::uint8_t type, std::uint8_t slot,
                          std::uint8_t seq);

struct InterruptMessage {
  enum class Kind { kSlotChange, kHwError } kind = Kind::kSlotChange;
  // kSlotChange, for slot 0: card present now, and whether that changed.
  bool present = false;
  bool changed = false;
  // kHardwareError: slot, sequence, code (1 = overcurrent).
  std::uint8_t slot = 0;
  std::uint8_t seq = 0;
  std::uint8_t code = 0;
};
Result<InterruptMessage> DecodeInterrupt(std::span<const std::uint8_t> bytes);

struct ClassDescriptor {
  std::uint16_t bcd_ccid = 0;
  std::uint8_t max_slot_index = 0;
  std::uint8_t voltage_support = 0;  // 1 = 5 V, 2 = 3 V, 4 = 1.8 V
  std::uint32_t protocols = 0;       // bit 0 T=0, bit 1 T=1
  std::uint32_t max_message_length = 0;
  std::uint32_t features = 0;
};
// Finds the 54-byte class descriptor (type 0x21) among an interface's extra descriptors.
Result<ClassDescriptor> DecodeClassDescriptor(std::span<const std::uint8_t> extra);

struct AtrCheck {
  bool valid = false;
  std::string problem;  // why it is not valid; "" when valid
  std::size_t length = 0;
  std::vector<int> protocols;  // T=… offered, in order (T=0 when no TD1)
  std::size_t historical = 0;
  bool tck_present = false;
};
// Checks an answer-to-reset: TS, T0 and the interface bytes it announces, the historical byte
// count, the 33-byte limit, and TCK (required unless only T=0 is offered). Never fails: a bad
// ATR is a verdict, not an error.
AtrCheck CheckAtr(std::span<const std::uint8_t> atr);

}  // namespace posdiag::drivers::card_reader
