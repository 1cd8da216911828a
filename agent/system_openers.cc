#include "agent/openers.h"

namespace posdiag::agent {

SystemOpeners::SystemOpeners() : network_(std::make_unique<drivers::network::SystemNetwork>()) {}
SystemOpeners::~SystemOpeners() = default;

Result<std::unique_ptr<io::SerialPort>> SystemOpeners::Serial(
    const std::filesystem::path& path, const io::SerialSettings& settings) const {
  return io::OpenSerialPort(path, settings);
}

Result<std::vector<io::UsbDeviceInfo>> SystemOpeners::ListUsb() const {
  return io::ListUsbDevices();
}

Result<std::unique_ptr<io::UsbDevice>> SystemOpeners::Usb(const io::UsbDeviceInfo& device) const {
  return io::OpenUsbDevice(device);
}

Result<std::unique_ptr<drivers::input::InputDevice>> SystemOpeners::Input(
    const std::filesystem::path& path) const {
  return drivers::input::OpenInputDevice(path);
}

drivers::network::NetworkTransport& SystemOpeners::Network() const { return *network_; }

Result<std::vector<drivers::card_reader::PcscReaderState>> SystemOpeners::PcscReaders(
    io::Deadline deadline) const {
  return drivers::card_reader::ReadPcscReaders(deadline);
}

}  // namespace posdiag::agent
