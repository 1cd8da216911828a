// Opening a serial device for a probe, the one way every probe does it: is it there, does another
// process hold it (the payment application printing, ModemManager, pcscd), and only then open it,
// exclusively. Each answer becomes the probe's own facts (`present`, `busy`, `holder`), so a port
// someone else holds is reported busy, never a fault, and not one byte is sent to it.
// Example:
//   auto access = OpenSerialForProbe(ctx, port, {.baud = 9600},
//                                    {"modem.port.present", "modem.port.busy",
//                                    "modem.port.holder"}, deadline, out);
//   if (!access.port) { AllMissing(out, access.why_not); return access.result; }
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "agent/probe.h"
#include "drivers/base/clock.h"
#include "drivers/base/result.h"
#include "drivers/io/serial_port.h"

namespace posdiag::agent {

// The names of the facts the access writes: present (the node exists), busy, holder.
struct AccessFactNames {
  std::string present;
  std::string busy;
  std::string holder;
};

struct SerialAccess {
  std::unique_ptr<io::SerialPort> port;  // null when the probe must not (or cannot) talk to it
  bool busy = false;           // another process holds it: the caller may ask another way (pcscd)
  std::string why_not;         // then: why, for the facts the dialogue would measure
  Result<void> result = Ok();  // then: what Measure returns (an error only for faults
                               // of the access itself, not for absent or busy)
};

// `port` is a terminal path (under [system] root). Opens with settings.exclusive set.
SerialAccess OpenSerialForProbe(const ProbeContext& ctx, std::string_view port,
                                io::SerialSettings settings, const AccessFactNames& names,
                                io::Deadline deadline, FactWriter& out);

// "payapp pid 42", or "pid 42" when the holder's name could not be read.
std::string HolderText(const io::DeviceHolder& holder);

}  // namespace posdiag::agent
