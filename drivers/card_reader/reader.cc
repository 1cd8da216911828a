#include "drivers/card_reader/reader.h"

#include <algorithm>
#include <string>
#include <utility>

#include "drivers/card_reader/ccid_serial.h"

namespace posdiag::drivers::card_reader {
namespace {

// A reply bigger than this is refused by the decoder anyway; the buffer only bounds the read.
constexpr std::size_t kDefaultMaxMessage = 271;  // header + short APDU, the CCID minimum
constexpr std::size_t kMaxMessage = 65536 + kHeaderSize;
// libccid gives up on a frame after a few NAKs too.
constexpr int kMaxResends = 3;

}  // namespace

Result<UsbCcidTransport> UsbCcidTransport::Make(io::UsbDevice& device, const io::UsbInterface& itf,
                                                std::uint32_t max_message_length) {
  std::optional<std::uint8_t> out, in, interrupt;
  for (const io::UsbEndpoint& ep : itf.endpoints) {
    if (ep.Bulk() && ep.In() && !in) in = ep.address;
    if (ep.Bulk() && !ep.In() && !out) out = ep.address;
    if (ep.Interrupt() && ep.In() && !interrupt) interrupt = ep.address;
  }
  if (!out || !in) {
    return Error{ErrorKind::kUnsupported, "CCID interface " + std::to_string(itf.number) +
                                              " has no bulk IN and OUT endpoint pair"};
  }
  const std::size_t max_length =
      std::clamp<std::size_t>(max_message_length, kDefaultMaxMessage, kMaxMessage);
  return UsbCcidTransport(device, *out, *in, interrupt, max_length);
}

Result<void> UsbCcidTransport::Send(std::span<const std::uint8_t> message, io::Deadline deadline) {
  return device_->BulkWrite(out_, message, deadline);
}

Result<std::vector<std::uint8_t>> UsbCcidTransport::Receive(io::Deadline deadline) {
  std::vector<std::uint8_t> buffer(max_length_);
  auto n = device_->BulkRead(in_, buffer, deadline);
  if (!n) return n.error();
  buffer.resize(*n);
  return buffer;
}

std::optional<InterruptMessage> UsbCcidTransport::PendingHardwareError(io::Deadline deadline) {
  if (!interrupt_) return std::nullopt;
  std::uint8_t buffer[16];
  auto n = device_->InterruptRead(*interrupt_, buffer, deadline);
  if (!n) return std::nullopt;
  auto m = DecodeInterrupt(std::span<const std::uint8_t>(buffer, *n));
  if (!m || m->kind != InterruptMessage::Kind::kHwError) return std::nullopt;
  return *m;
}

Result<void> SerialCcidTransport::Send(std::span<const std::uint8_t> message,
                                       io::Deadline deadline) {
  last_message_.assign(message.begin(), message.end());
  last_frame_ = EncodeSerialFrame(message);
  echo_skipped_ = false;
  resends_ = 0;
  return port_->Write(last_frame_, deadline);
}

Result<std::vector<std::uint8_t>> SerialCcidTransport::Receive(io::Deadline deadline) {
  for (;;) {
    auto frame = DecodeSerialFrame(pending_, kSerialMaxMessage);
    if (!frame) {
      pending_.clear();  // nothing after a broken frame can be trusted to start one
      return frame.error();
    }
    if (*frame) {
      SerialFrame f = std::move(**frame);
      pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(f.size));
      switch (f.kind) {
        case SerialFrame::Kind::kMessage:
          // A command's echo is the command itself; a reply never is (its type differs).
          if (!echo_skipped_ && f.message == last_message_) {
            echo_skipped_ = true;
            continue;
          }
          return std::move(f.message);
        case SerialFrame::Kind::kNak:
          if (last_frame_.empty()) {
            return Error{ErrorKind::kParse, "NAK from the reader before anything was sent"};
          }
          if (resends_ >= kMaxResends) {
            return Error{ErrorKind::kIo, "the reader refused the frame " +
                                             std::to_string(resends_ + 1) + " times (NAK)"};
          }
          ++resends_;
          echo_skipped_ = false;
          if (auto sent = port_->Write(last_frame_, deadline); !sent) {
            return sent.error().Context("resend after NAK");
          }
          continue;
        case SerialFrame::Kind::kSlotChange:
        case SerialFrame::Kind::kTimeRequest:
          continue;
      }
    }
    if (deadline.Expired()) return Error{ErrorKind::kTimeout, "no reply from the reader"};
    std::uint8_t buffer[128];
    auto n = port_->Read(buffer, deadline);
    if (!n) return n.error();
    if (*n == 0) {
      return Error{ErrorKind::kTimeout, pending_.empty()
                                            ? "no reply from the reader"
                                            : "the reader stopped mid-frame after " +
                                                  std::to_string(pending_.size()) + " bytes"};
    }
    pending_.insert(pending_.end(), buffer, buffer + *n);
  }
}

std::optional<InterruptMessage> SerialCcidTransport::PendingHardwareError(io::Deadline) {
  return std::nullopt;
}

Result<Reply> CcidSession::Transact(std::uint8_t command, std::uint8_t reply_type,
                                    std::uint8_t param, io::Deadline deadline) {
  const std::uint8_t seq = seq_++;
  const auto message = EncodeCommand(command, slot_, seq, param);
  if (auto sent = transport_->Send(message, deadline); !sent) return sent.error().Context("send");
  // A reader that keeps asking for more time is still bounded by the deadline.
  for (;;) {
    auto bytes = transport_->Receive(deadline);
    if (!bytes) return bytes.error().Context("receive");
    auto reply = DecodeReply(*bytes, reply_type, slot_, seq);
    if (!reply) return reply.error();
    if (reply->command != CommandStatus::kTimeExtension) return reply;
    if (deadline.Expired()) return Error{ErrorKind::kTimeout, "reader kept extending time"};
  }
}

Result<SlotReading> CcidSession::GetSlotStatus(io::Deadline deadline) {
  auto reply = Transact(kGetSlotStatus, kSlotStatus, 0, deadline);
  if (!reply) return reply.error().Context("GetSlotStatus");
  SlotReading r;
  r.icc = reply->icc;
  r.clock = reply->param;
  if (reply->command == CommandStatus::kFailed) {
    if (reply->error == kErrIccMute) {
      r.icc = IccStatus::kAbsent;
    } else {
      r.error = reply->error;
    }
  }
  return r;
}

Result<PowerOnReading> CcidSession::PowerOn(io::Deadline deadline) {
  auto reply = Transact(kIccPowerOn, kDataBlock, 0 /* automatic voltage */, deadline);
  if (!reply) return reply.error().Context("IccPowerOn");
  PowerOnReading r;
  if (reply->command == CommandStatus::kFailed) {
    if (reply->error == kErrIccMute) {
      r.mute = true;
    } else {
      r.error = reply->error;
    }
    return r;
  }
  r.atr = std::move(reply->data);
  return r;
}

Result<void> CcidSession::PowerOff(io::Deadline deadline) {
  auto reply = Transact(kIccPowerOff, kSlotStatus, 0, deadline);
  if (!reply) return reply.error().Context("IccPowerOff");
  if (reply->command == CommandStatus::kFailed) {
    return Error{ErrorKind::kIo, "IccPowerOff: " + ErrorName(reply->error)};
  }
  return Ok();
}

}  // namespace posdiag::drivers::card_reader
