// The one seam to USB devices. This file is the only one that talks to libusb; its libusb_error
// codes become ErrorKinds in one exhaustive switch (usb_device.cc). Enumeration gives plain
// descriptions; opening one gives a UsbDevice whose every transfer is bounded by a deadline. An
// interface claimed through it is released (and a detached kernel driver re-attached) when the
// object goes away:
//
//   auto devices = io::ListUsbDevices();
//   auto dev = io::OpenUsbDevice((*devices)[0]);
//   if (auto claimed = (*dev)->Claim(0); !claimed) return claimed.error().Context("reader");
//   (*dev)->BulkWrite(0x02, bytes, io::Deadline::In(3s));
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "drivers/base/clock.h"
#include "drivers/base/result.h"

namespace posdiag::io {

struct UsbEndpoint {
  std::uint8_t address = 0;     // bit 7 set: IN
  std::uint8_t attributes = 0;  // bits 0-1: 0 control, 1 isochronous, 2 bulk, 3 interrupt
  std::uint16_t max_packet = 0;

  bool In() const { return (address & 0x80) != 0; }
  bool Bulk() const { return (attributes & 0x03) == 2; }
  bool Interrupt() const { return (attributes & 0x03) == 3; }
};

struct UsbInterface {
  std::uint8_t number = 0;
  std::uint8_t alt_setting = 0;
  std::uint8_t interface_class = 0;
  std::uint8_t subclass = 0;
  std::uint8_t protocol = 0;
  std::vector<UsbEndpoint> endpoints;
  std::vector<std::uint8_t> extra;  // class-specific descriptors that follow the interface's own
};

struct UsbDeviceInfo {
  std::uint8_t bus = 0;
  std::uint8_t address = 0;
  std::uint16_t vid = 0;
  std::uint16_t pid = 0;
  std::uint8_t device_class = 0;
  std::vector<UsbInterface> interfaces;  // of the active configuration

  // "/dev/bus/usb/BBB/DDD", where usbfs puts the device's node.
  std::string DevNode() const;
};

// Every device libusb sees, with the interfaces of its active configuration. A device whose
// descriptors cannot be read is listed without interfaces rather than failing the whole list.
Result<std::vector<UsbDeviceInfo>> ListUsbDevices();

// The first interface of `device` whose class is `interface_class`, if any.
const UsbInterface* FindInterface(const UsbDeviceInfo& device, std::uint8_t interface_class);

class UsbDevice {
 public:
  virtual ~UsbDevice() = default;

  // Claims the interface, detaching the kernel driver first when one is bound (re-attached when
  // the interface is released). kBusy when another process holds it.
  virtual Result<void> Claim(std::uint8_t interface_number) = 0;
  virtual void Release() = 0;

  virtual Result<void> BulkWrite(std::uint8_t endpoint, std::span<const std::uint8_t> bytes,
                                 Deadline deadline) = 0;
  // Returns how many bytes arrived in one transfer; kTimeout when none did before the deadline.
  virtual Result<std::size_t> BulkRead(std::uint8_t endpoint, std::span<std::uint8_t> buffer,
                                       Deadline deadline) = 0;
  virtual Result<std::size_t> InterruptRead(std::uint8_t endpoint, std::span<std::uint8_t> buffer,
                                            Deadline deadline) = 0;
  // A control transfer; for IN requests (bit 7 of request_type) `data` receives the reply.
  virtual Result<std::size_t> Control(std::uint8_t request_type, std::uint8_t request,
                                      std::uint16_t value, std::uint16_t index,
                                      std::span<std::uint8_t> data, Deadline deadline) = 0;
};

// Opens the device `info` describes (found again by bus and address). kNotFound when it has gone,
// kPermission when usbfs refuses.
Result<std::unique_ptr<UsbDevice>> OpenUsbDevice(const UsbDeviceInfo& info);

}  // namespace posdiag::io
