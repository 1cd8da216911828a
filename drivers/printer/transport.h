// How bytes reach a receipt printer. An implementation moves bytes only: Write sends all of them
// before the deadline or fails, Read waits for at least one byte until the deadline and returns
// how many came (0 when none did), and a device that goes away mid-transfer is an error value,
// never a hang. The serial one is below; a USB one (bulk endpoints over libusb) plugs in the same
// way:
//
//   auto t = printer::OpenSerialTransport(path, {.baud = 9600, .exclusive = true});
//   if (!t) return t.error();
//   printer::StatusReading r = printer::QueryStatus(**t, io::Deadline::In(2s));
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>

#include "drivers/base/clock.h"
#include "drivers/base/result.h"
#include "drivers/io/serial_port.h"

namespace posdiag::drivers::printer {

class PrinterTransport {
 public:
  virtual ~PrinterTransport() = default;
  virtual std::string_view Kind() const = 0;  // "serial", "usb"
  virtual Result<void> Write(std::span<const std::uint8_t> bytes, io::Deadline deadline) = 0;
  virtual Result<std::size_t> Read(std::span<std::uint8_t> buffer, io::Deadline deadline) = 0;
  // Drops bytes the printer sent that nobody asked for (a late reply, an ASB burst).
  virtual Result<void> DiscardInput() = 0;
};

// ESC/POS over an io::SerialPort (a UART, a USB serial adapter, a pseudo-terminal).
class SerialTransport final : public PrinterTransport {
 public:
  explicit SerialTransport(std::unique_ptr<io::SerialPort> port) : port_(std::move(port)) {}
  std::string_view Kind() const override { return "serial"; }
  Result<void> Write(std::span<const std::uint8_t> bytes, io::Deadline deadline) override {
    return port_->Write(bytes, deadline);
  }
  Result<std::size_t> Read(std::span<std::uint8_t> buffer, io::Deadline deadline) override {
    return port_->Read(buffer, deadline);
  }
  Result<void> DiscardInput() override { return port_->DiscardInput(); }

 private:
  std::unique_ptr<io::SerialPort> port_;
};

Result<std::unique_ptr<PrinterTransport>> OpenSerialTransport(const std::filesystem::path& path,
                                                              const io::SerialSettings& settings);

}  // namespace posdiag::drivers::printer
