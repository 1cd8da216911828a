// Who else has a device: the evidence a process can gather before it sends a single byte, as the
// payment application, ModemManager or pcscd may hold the port without telling anyone. Every check
// here only looks: nothing is written to the device.
//   - /proc/PID/fd links (SearchProcHolders); a process of another user whose fd directory
//     cannot be listed (that takes CAP_DAC_READ_SEARCH) or whose links cannot be read (that takes
//     CAP_SYS_PTRACE) is counted as `unseen`, so that the caller knows it could not rule one out;
//   - UUCP lock files, /var/lock/LCK..ttyS1 and /run/lock/LCK..ttyS1 (FindUucpLock);
//   - the device itself (CheckDeviceLocks): EBUSY on open (TIOCEXCL), TIOCGEXCL for a root opener
//     that TIOCEXCL does not stop, an flock or fcntl lock another process holds.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "drivers/base/clock.h"
#include "drivers/base/result.h"
#include "drivers/base/unique_fd.h"
#include "drivers/io/root_fs.h"

namespace posdiag::io {

// A process that has a device open, as /proc shows it.
struct DeviceHolder {
  pid_t pid = 0;
  std::string comm;  // its command name, "" when /proc/<pid>/comm could not be read
};

struct HolderSearch {
  std::optional<DeviceHolder> holder;  // a process other than this one with the device open
  std::size_t unseen = 0;              // processes whose fd links may not be read (other users)
  bool complete = true;                // false: the deadline cut the search short
};

// Looks through /proc/<pid>/fd (under the root) for a process other than this one holding
// `device` open, where `device` is the device's path on the host (symlinks resolved), as the
// kernel writes it in those links. Stops at the first holder, or at the deadline.
HolderSearch SearchProcHolders(const RootFs& fs, const std::filesystem::path& device,
                               Deadline deadline);

// The holder SearchProcHolders finds, if any.
std::optional<DeviceHolder> FindDeviceHolder(const RootFs& fs, const std::filesystem::path& device,
                                             Deadline deadline);

// A UUCP lock file for the device named `device_name` ("ttyS1") in /var/lock or /run/lock under
// the root whose process is alive (its /proc entry exists); a stale one is ignored. The PID is
// ASCII (HDB UUCP, as lockdev and minicom write it) or a native 4-byte integer (old UUCP).
std::optional<DeviceHolder> FindUucpLock(const RootFs& fs, std::string_view device_name);

struct DeviceLocks {
  bool held = false;
  std::string how;           // "held exclusively (TIOCEXCL)", "flock held", ...
  std::optional<pid_t> pid;  // the holder, when the lock names it (fcntl)
  UniqueFd lock;             // not held: our own flock on the device, kept while we use it
};

// Opens the device without sending (O_RDWR | O_NOCTTY | O_NONBLOCK) and asks it: EBUSY on open,
// exclusive mode set (TIOCGEXCL), a conflicting fcntl write lock (F_GETLK), an flock another
// holds (LOCK_EX | LOCK_NB). When none, the flock is now ours, held by the returned descriptor.
// An error only when the device cannot be opened for another reason.
Result<DeviceLocks> CheckDeviceLocks(const std::filesystem::path& path);

}  // namespace posdiag::io
