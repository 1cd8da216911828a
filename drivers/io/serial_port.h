// The one seam to serial ports. An implementation of SerialPort must bound every call by the
// deadline it is given (a silent device never blocks past it) and return errors as values; the
// device is released when the object goes away. OpenSerialPort gives the real one; tests and
// drivers above it can substitute their own:
//
//   auto port = io::OpenSerialPort("/dev/ttyUSB2", {.baud = 115200});
//   if (!port) return port.error().Context("modem");
//   (*port)->Write(bytes, io::Deadline::In(3s));
//
// This file is the only one that talks to libserialport; its sp_return codes become ErrorKinds in
// one exhaustive switch (serial_port.cc).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "drivers/base/clock.h"
#include "drivers/base/result.h"
#include "drivers/io/device_holders.h"  // who else holds a port: look before opening
#include "drivers/io/root_fs.h"

namespace posdiag::io {

class SerialPort {
 public:
  virtual ~SerialPort() = default;

  // Writes every byte before the deadline; kTimeout if the device does not take them in time.
  virtual Result<void> Write(std::span<const std::uint8_t> bytes, Deadline deadline) = 0;
  // Waits until at least one byte has arrived or the deadline passes; returns how many bytes were
  // read (0 when the deadline passed with nothing).
  virtual Result<std::size_t> Read(std::span<std::uint8_t> buffer, Deadline deadline) = 0;
  // Drops whatever the device sent that nobody has read (a late reply to an earlier request).
  virtual Result<void> DiscardInput() = 0;
  // The descriptor an event loop may poll for input (then Read what is there), or -1 when the
  // implementation has none.
  virtual int PollFd() const { return -1; }
};

enum class Parity { kNone, kOdd, kEven };
// kDtrDsr is what python-escpos sets for receipt printers. A pseudo-terminal has no modem-control
// lines and its driver forces 8 bits without parity, so there only XON/XOFF and RTS/CTS (as
// termios flags) are set; the bytes are carried either way.
enum class FlowControl { kNone, kXonXoff, kRtsCts, kDtrDsr };

// The config's words ("none", "odd", "even"; "none", "xonxoff", "rtscts", "dtrdsr"), which the
// schema has already checked; anything else is none.
Parity ParityFromName(std::string_view name);
FlowControl FlowControlFromName(std::string_view name);

struct SerialSettings {
  int baud = 115200;  // 8 data bits, 1 stop bit
  Parity parity = Parity::kNone;
  FlowControl flow_control = FlowControl::kNone;
  // Opens with TIOCEXCL, so nobody else may open the port while we use it (released on close);
  // a port someone else opened that way gives kBusy. Not on a pseudo-terminal, which keeps the
  // flag after its holder dies: there the caller's flock is the guard (serial_access.h).
  bool exclusive = false;
};

// Opens a serial device (a UART, a USB serial adapter, or a pseudo-terminal as socat, ser2net
// bridges and the simulators make) for reading and writing, with `settings`. kNotFound when it does
// not exist, kPermission, kBusy, kInvalid for a path that is not a serial device.
Result<std::unique_ptr<SerialPort>> OpenSerialPort(const std::filesystem::path& path,
                                                   const SerialSettings& settings);

}  // namespace posdiag::io
