// A receipt printer on USB: found by its printer-class interface (class 7, subclass 1), or by a
// configured VID:PID for printers that report vendor class 0xFF; ESC/POS over the interface's bulk
// OUT and IN endpoints, read from the descriptors; the IEEE 1284 device ID from the class request
// GET_DEVICE_ID. The interface is claimed (usblp detached) for as long as the transport lives and
// released (usblp re-attached) when it goes away:
//
//   auto devices = io::ListUsbDevices();
//   auto found = printer::FindUsbPrinter(*devices, std::nullopt);
//   auto t = printer::OpenUsbTransport(found->device, found->itf);  // kBusy: another holds it
//   auto id = (*t)->DeviceId(io::Deadline::In(1s));
//   printer::StatusReading r = printer::QueryStatus(**t, io::Deadline::In(4s));
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "drivers/base/clock.h"
#include "drivers/base/result.h"
#include "drivers/io/usb_device.h"
#include "drivers/printer/transport.h"

namespace posdiag::drivers::printer {

inline constexpr std::uint8_t kPrinterClass = 0x07;
inline constexpr std::uint8_t kPrinterSubclass = 0x01;
// GET_DEVICE_ID: class request 0, device to host, interface recipient.
inline constexpr std::uint8_t kGetDeviceIdRequestType = 0xA1;
inline constexpr std::uint8_t kGetDeviceIdRequest = 0;
// The reply buffer; the length field is 16 bits but printers send a few hundred bytes.
inline constexpr std::size_t kMaxDeviceIdLength = 1024;

// The IEEE 1284 device ID: "MFG:…;MDL:…;CMD:…;" after a 2-byte length. Keys are matched without
// regard to case, long forms too (MANUFACTURER, MODEL, COMMAND SET). Bytes outside printable
// ASCII in a value become '?'.
struct Ieee1284Id {
  std::optional<std::string> manufacturer;                  // MFG
  std::optional<std::string> model;                         // MDL
  std::optional<std::string> command_set;                   // CMD
  std::optional<std::string> description;                   // DES
  std::vector<std::pair<std::string, std::string>> fields;  // every KEY:value, in order
  bool length_little_endian = false;  // the length field was byte-swapped (seen in the field)
};

// Decodes a GET_DEVICE_ID reply. Pure; any bytes give an ID or a kParse error.
Result<Ieee1284Id> ParseIeee1284Id(std::span<const std::uint8_t> reply);

struct UsbPrinterLocation {
  io::UsbDeviceInfo device;
  io::UsbInterface itf;
};

// The printer among `devices`: with `id` (VID, PID), that device's printer-class interface, or
// else its first interface with a bulk OUT endpoint; without, the first printer-class interface
// on the bus. nullopt when there is none. Pure.
std::optional<UsbPrinterLocation> FindUsbPrinter(
    const std::vector<io::UsbDeviceInfo>& devices,
    std::optional<std::pair<std::uint16_t, std::uint16_t>> id);

// ESC/POS over the bulk endpoints of a claimed printer interface.
class UsbTransport final : public PrinterTransport {
 public:
  // Takes an opened device whose interface `itf` is claimed; kUnsupported when `itf` has no bulk
  // OUT endpoint (a printer without bulk IN can print but not report status: reads then fail).
  static Result<std::unique_ptr<UsbTransport>> Make(std::unique_ptr<io::UsbDevice> device,
                                                    const io::UsbInterface& itf);

  std::string_view Kind() const override { return "usb"; }
  Result<void> Write(std::span<const std::uint8_t> bytes, io::Deadline deadline) override;
  // Waits for a transfer that carries data (a zero-length packet is no answer) until the
  // deadline; returns 0 when none came. Bytes beyond `buffer` are kept for the next Read.
  Result<std::size_t> Read(std::span<std::uint8_t> buffer, io::Deadline deadline) override;
  // Drops kept bytes and whatever the printer has queued (short reads until one finds nothing).
  Result<void> DiscardInput() override;

  // GET_DEVICE_ID on this interface, decoded.
  Result<Ieee1284Id> DeviceId(io::Deadline deadline);

  std::uint8_t out_endpoint() const { return out_; }
  std::optional<std::uint8_t> in_endpoint() const { return in_; }

 private:
  UsbTransport(std::unique_ptr<io::UsbDevice> device, const io::UsbInterface& itf, std::uint8_t out,
               std::optional<std::uint8_t> in, std::size_t in_packet)
      : device_(std::move(device)),
        interface_(itf.number),
        alt_setting_(itf.alt_setting),
        out_(out),
        in_(in),
        in_packet_(in_packet) {}

  std::unique_ptr<io::UsbDevice> device_;
  std::uint8_t interface_;
  std::uint8_t alt_setting_;
  std::uint8_t out_;
  std::optional<std::uint8_t> in_;
  std::size_t in_packet_;
  std::deque<std::uint8_t> kept_;
};

// Claims `itf` of an opened device (detaching usblp; kBusy when another process has claimed it)
// and makes the transport over it.
Result<std::unique_ptr<UsbTransport>> ClaimUsbTransport(std::unique_ptr<io::UsbDevice> device,
                                                        const io::UsbInterface& itf);

// Opens `device` (io::OpenUsbDevice), then as ClaimUsbTransport.
Result<std::unique_ptr<UsbTransport>> OpenUsbTransport(const io::UsbDeviceInfo& device,
                                                       const io::UsbInterface& itf);

}  // namespace posdiag::drivers::printer
