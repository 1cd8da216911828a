// Opening a serial device for a probe, the one way every probe does it: is it there, does another
// process hold it (the payment application printing, ModemManager, pcscd's serial driver), and
// only then open it, exclusively. The evidence (drivers/io/device_holders.h): a UUCP lock file,
// a holder in /proc, the device's own locks (TIOCEXCL, flock, fcntl). Each answer becomes the
// probe's own facts (`present`, `busy`, `holder`, `busy_unknown`), so a port someone else holds is
// reported busy, never a fault, and not one byte is sent to it. When posdiag may not look into
// every process (it runs as its own user; other users' /proc/PID/fd are closed to it), it cannot
// rule out a holder that uses no lock: then it does not send either, and says it cannot tell —
// unless the device's table says `shared = false` (nothing else ever uses it).
// Example:
//   auto access = OpenSerialForProbe(ctx, port, {.baud = 9600},
//                                    {"modem.port.present", "modem.port.busy", "modem.port.holder",
//                                     "modem.port.busy_unknown"},
//                                    ctx.section.GetBool("shared"), deadline, out);
//   if (!access.port) { AllMissing(out, access.why_not); return access.result; }
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "agent/probe.h"
#include "drivers/base/clock.h"
#include "drivers/base/result.h"
#include "drivers/base/unique_fd.h"
#include "drivers/io/serial_port.h"

namespace posdiag::agent {

// The names of the facts the access writes: present (the node exists), busy, holder, and
// busy_unknown (true: posdiag could not rule out a holder it cannot see, and sent nothing).
struct AccessFactNames {
  AccessFactNames(std::string present_, std::string busy_, std::string holder_,
                  std::string busy_unknown_ = {})
      : present(std::move(present_)),
        busy(std::move(busy_)),
        holder(std::move(holder_)),
        busy_unknown(std::move(busy_unknown_)) {}

  std::string present;
  std::string busy;
  std::string holder;
  std::string busy_unknown;  // "": not written
};

struct SerialAccess {
  std::unique_ptr<io::SerialPort> port;  // null when the probe must not (or cannot) talk to it
  bool busy = false;           // another process holds it: the caller may ask another way (pcscd)
  std::string why_not;         // no port: why, for the facts the dialogue would measure
  Result<void> result = Ok();  // no port: what Measure returns (an error only for faults of the
                               // access itself, not for absent, busy or cannot tell)
  io::UniqueFd lock;           // our flock on the device while we use it
};

// The key every serial device's table has: `shared = false` asserts that nothing else uses it.
KeySpec SharedKey();

// `port` is a terminal path (under [system] root). Opens with settings.exclusive set, and holds
// an flock on the device while the port is open (the only guard on a pseudo-terminal, where
// TIOCEXCL would outlive a posdiag that was killed).
SerialAccess OpenSerialForProbe(const ProbeContext& ctx, std::string_view port,
                                io::SerialSettings settings, const AccessFactNames& names,
                                bool shared, io::Deadline deadline, FactWriter& out);
// As above, for a device that may be shared.
SerialAccess OpenSerialForProbe(const ProbeContext& ctx, std::string_view port,
                                io::SerialSettings settings, const AccessFactNames& names,
                                io::Deadline deadline, FactWriter& out);

// "payapp pid 42", or "pid 42" when the holder's name could not be read.
std::string HolderText(const io::DeviceHolder& holder);

}  // namespace posdiag::agent
