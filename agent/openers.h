// The openers a probe or an engineer routine reaches its device through: serial ports, the USB
// bus, input devices, the network, pcscd. The real ones (SystemOpeners) wrap the drivers' seams;
// a test hands a probe scripted fakes of the same interface and runs it in-process, without a
// simulator. An implementation must keep every deadline it is given, like the seams it wraps.
// Example:
//   auto port = ctx.open.Serial(ctx.fs.Path(port_path), settings);
//   if (!port) return port.error().Context("modem");
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "drivers/base/clock.h"
#include "drivers/base/result.h"
#include "drivers/card_reader/pcsc.h"
#include "drivers/input/evdev.h"
#include "drivers/io/serial_port.h"
#include "drivers/io/usb_device.h"
#include "drivers/network/transport.h"

namespace posdiag::agent {

class Openers {
 public:
  virtual ~Openers() = default;

  // A serial device (a UART, a USB serial adapter, a pseudo-terminal), as io::OpenSerialPort.
  virtual Result<std::unique_ptr<io::SerialPort>> Serial(
      const std::filesystem::path& path, const io::SerialSettings& settings) const = 0;
  // The devices on the USB bus, and one of them opened, as io::ListUsbDevices / OpenUsbDevice.
  virtual Result<std::vector<io::UsbDeviceInfo>> ListUsb() const = 0;
  virtual Result<std::unique_ptr<io::UsbDevice>> Usb(const io::UsbDeviceInfo& device) const = 0;
  // An input device node (links followed), as drivers::input::OpenInputDevice.
  virtual Result<std::unique_ptr<drivers::input::InputDevice>> Input(
      const std::filesystem::path& path) const = 0;
  // Netlink, DNS, TCP and TLS.
  virtual drivers::network::NetworkTransport& Network() const = 0;
  // The readers pcscd has, with their card state.
  virtual Result<std::vector<drivers::card_reader::PcscReaderState>> PcscReaders(
      io::Deadline deadline) const = 0;
};

// The real devices.
class SystemOpeners final : public Openers {
 public:
  SystemOpeners();
  ~SystemOpeners() override;

  Result<std::unique_ptr<io::SerialPort>> Serial(const std::filesystem::path& path,
                                                 const io::SerialSettings& settings) const override;
  Result<std::vector<io::UsbDeviceInfo>> ListUsb() const override;
  Result<std::unique_ptr<io::UsbDevice>> Usb(const io::UsbDeviceInfo& device) const override;
  Result<std::unique_ptr<drivers::input::InputDevice>> Input(
      const std::filesystem::path& path) const override;
  drivers::network::NetworkTransport& Network() const override;
  Result<std::vector<drivers::card_reader::PcscReaderState>> PcscReaders(
      io::Deadline deadline) const override;

 private:
  std::unique_ptr<drivers::network::NetworkTransport> network_;
};

}  // namespace posdiag::agent
