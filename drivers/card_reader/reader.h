// A CCID reader session: commands over a CcidTransport, replies decoded by ccid.h. The transport
// moves whole messages; UsbCcidTransport is the real one (bulk endpoints of a claimed interface),
// and tests replay byte captures through their own:
//
//   card_reader::CcidSession session(transport);
//   auto slot = session.GetSlotStatus(io::Deadline::In(3s));
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stop_token>
#include <vector>

#include "drivers/base/clock.h"
#include "drivers/base/result.h"
#include "drivers/card_reader/ccid.h"
#include "drivers/io/serial_port.h"
#include "drivers/io/usb_device.h"

namespace posdiag::drivers::card_reader {

class CcidTransport {
 public:
  virtual ~CcidTransport() = default;
  virtual Result<void> Send(std::span<const std::uint8_t> message, io::Deadline deadline) = 0;
  // One whole message from the reader; kTimeout when none arrived before the deadline.
  virtual Result<std::vector<std::uint8_t>> Receive(io::Deadline deadline) = 0;
  // A hardware error the reader announced on its interrupt endpoint, if it has one and said so.
  virtual std::optional<InterruptMessage> PendingHardwareError(io::Deadline deadline) = 0;
};

// The bulk-OUT / bulk-IN / interrupt-IN endpoints of a claimed CCID interface.
class UsbCcidTransport final : public CcidTransport {
 public:
  // Fails with kUnsupported when the interface lacks a bulk IN or bulk OUT endpoint.
  static Result<UsbCcidTransport> Make(io::UsbDevice& device, const io::UsbInterface& itf,
                                       std::uint32_t max_message_length);
  Result<void> Send(std::span<const std::uint8_t> message, io::Deadline deadline) override;
  Result<std::vector<std::uint8_t>> Receive(io::Deadline deadline) override;
  std::optional<InterruptMessage> PendingHardwareError(io::Deadline deadline) override;

 private:
  UsbCcidTransport(io::UsbDevice& device, std::uint8_t out, std::uint8_t in,
                   std::optional<std::uint8_t> interrupt, std::size_t max_length)
      : device_(&device), out_(out), in_(in), interrupt_(interrupt), max_length_(max_length) {}
  io::UsbDevice* device_;
  std::uint8_t out_;
  std::uint8_t in_;
  std::optional<std::uint8_t> interrupt_;
  std::size_t max_length_;
};

// A serial (RS-232) CCID reader, GemPC Twin-style: each message framed as ccid_serial.h says on
// an io::SerialPort the caller opened (and keeps open while the transport is used). The echo of a
// command some readers send back before their reply is skipped, as are card movement notices and
// time requests; a NAK makes it send the last frame again, a few times at most.
class SerialCcidTransport final : public CcidTransport {
 public:
  explicit SerialCcidTransport(io::SerialPort& port) : port_(&port) {}
  Result<void> Send(std::span<const std::uint8_t> message, io::Deadline deadline) override;
  Result<std::vector<std::uint8_t>> Receive(io::Deadline deadline) override;
  // A serial reader has no interrupt endpoint: never one.
  std::optional<InterruptMessage> PendingHardwareError(io::Deadline deadline) override;

 private:
  io::SerialPort* port_;
  std::vector<std::uint8_t> last_message_;
  std::vector<std::uint8_t> last_frame_;
  std::vector<std::uint8_t> pending_;  // bytes read and not yet decoded
  bool echo_skipped_ = false;
  int resends_ = 0;
};

struct SlotReading {
  IccStatus icc = IccStatus::kAbsent;
  std::uint8_t clock = 0;
  // The bError of a failed GetSlotStatus, other than ICC_MUTE (which only says no card is there).
  std::optional<std::uint8_t> error;
};

struct PowerOnReading {
  bool mute = false;                  // ICC_MUTE: a card is inserted but does not answer
  std::optional<std::uint8_t> error;  // any other bError
  std::vector<std::uint8_t> atr;      // when the card answered
};

class CcidSession {
 public:
  explicit CcidSession(CcidTransport& transport, std::uint8_t slot = 0)
      : transport_(&transport), slot_(slot) {}

  Result<SlotReading> GetSlotStatus(io::Deadline deadline);
  Result<PowerOnReading> PowerOn(io::Deadline deadline);
  Result<void> PowerOff(io::Deadline deadline);

 private:
  // Sends one command and reads its reply, waiting through time extensions.
  Result<Reply> Transact(std::uint8_t command, std::uint8_t reply_type, std::uint8_t param,
                         io::Deadline deadline);
  CcidTransport* transport_;
  std::uint8_t slot_;
  std::uint8_t seq_ = 0;
};

}  // namespace posdiag::drivers::card_reader
