#include "drivers/io/device_holders.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <system_error>

#include "drivers/base/text.h"

namespace posdiag::io {
namespace {

std::optional<pid_t> ParsePid(std::string_view name) {
  int pid = 0;
  const auto [end, err] = std::from_chars(name.data(), name.data() + name.size(), pid);
  if (err != std::errc() || end != name.data() + name.size() || pid <= 0) return std::nullopt;
  return static_cast<pid_t>(pid);
}

DeviceHolder Holder(const RootFs& fs, pid_t pid) {
  DeviceHolder holder;
  holder.pid = pid;
  if (auto comm = fs.ReadAttr("/proc/" + std::to_string(pid) + "/comm")) holder.comm = *comm;
  return holder;
}

}  // namespace

HolderSearch SearchProcHolders(const RootFs& fs, const std::filesystem::path& device,
                               Deadline deadline) {
  HolderSearch search;
  auto pids = fs.List("/proc");
  if (!pids) return search;
  std::error_code ec;
  // Under the real root our own process is in /proc too; it holds nothing yet, but skip it.
  const bool real_proc = std::filesystem::equivalent(fs.root(), "/", ec);
  const std::string want = device.string();
  for (const auto& name : *pids) {
    if (deadline.Expired()) {
      search.complete = false;
      break;
    }
    const auto pid = ParsePid(name);
    if (!pid || (real_proc && *pid == ::getpid())) continue;
    const std::string fd_dir = "/proc/" + name + "/fd";
    auto fds = fs.List(fd_dir);
    if (!fds) {
      // Gone meanwhile (not found), or another user's process we may not look into.
      if (fds.error().kind == ErrorKind::kPermission) ++search.unseen;
      continue;
    }
    // With CAP_DAC_READ_SEARCH alone the fd directory of another user's process can be listed,
    // but its links cannot be read (that needs ptrace access): such a process is unseen too.
    bool unreadable = false;
    for (const auto& fd : *fds) {
      const std::filesystem::path target =
          std::filesystem::read_symlink(fs.Path(fd_dir + "/" + fd), ec);
      if (ec) {
        if (ec == std::errc::permission_denied || ec == std::errc::operation_not_permitted) {
          unreadable = true;
        }
        continue;
      }
      if (target.string() != want) continue;
      search.holder = Holder(fs, *pid);
      return search;
    }
    if (unreadable) ++search.unseen;
  }
  return search;
}

std::optional<DeviceHolder> FindDeviceHolder(const RootFs& fs, const std::filesystem::path& device,
                                             Deadline deadline) {
  return SearchProcHolders(fs, device, deadline).holder;
}

std::optional<DeviceHolder> FindUucpLock(const RootFs& fs, std::string_view device_name) {
  for (const char* dir : {"/var/lock/", "/run/lock/"}) {
    auto text = fs.ReadText(std::string(dir) + "LCK.." + std::string(device_name), 64);
    if (!text) continue;
    std::optional<pid_t> pid = ParsePid(Trim(*text));
    if (!pid && text->size() == sizeof(std::int32_t)) {
      std::int32_t raw = 0;
      std::memcpy(&raw, text->data(), sizeof raw);
      if (raw > 0) pid = static_cast<pid_t>(raw);
    }
    if (!pid) continue;  // not a lock file we can read: it names no process
    if (!fs.Exists("/proc/" + std::to_string(*pid))) continue;  // stale: its process is gone
    return Holder(fs, *pid);
  }
  return std::nullopt;
}

Result<DeviceLocks> CheckDeviceLocks(const std::filesystem::path& path) {
  DeviceLocks locks;
  const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == EBUSY) {
      locks.held = true;
      locks.how = "held exclusively (TIOCEXCL)";
      return locks;
    }
    return ErrnoError(path.string(), errno);
  }
  UniqueFd device(fd);
#ifdef TIOCGEXCL
  // Root opens through TIOCEXCL; the flag is still there to be read.
  int exclusive = 0;
  if (::ioctl(device.get(), TIOCGEXCL, &exclusive) == 0 && exclusive != 0) {
    locks.held = true;
    locks.how = "held exclusively (TIOCEXCL)";
    return locks;
  }
#endif
  struct flock query {};
  query.l_type = F_WRLCK;
  query.l_whence = SEEK_SET;
  if (::fcntl(device.get(), F_GETLK, &query) == 0 && query.l_type != F_UNLCK) {
    locks.held = true;
    locks.how = "locked (fcntl)";
    if (query.l_pid > 0) locks.pid = query.l_pid;
    return locks;
  }
  if (::flock(device.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      locks.held = true;
      locks.how = "locked (flock)";
      return locks;
    }
    // A device whose driver cannot lock (ENOLCK) proves nothing either way.
  }
  locks.lock = std::move(device);
  return locks;
}

}  // namespace posdiag::io
