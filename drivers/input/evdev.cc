#include "drivers/input/evdev.h"

#include <fcntl.h>
#include <libevdev/libevdev.h>
#include <linux/input.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <system_error>

#include "drivers/input/keymap.h"

namespace posdiag::drivers::input {
namespace {

// Polls in short slices so a stop request is seen promptly.
constexpr std::chrono::milliseconds kSlice{100};

// A udev link chain (by-id -> ../eventN) is short; this bounds a loop of links.
constexpr int kMaxLinks = 8;

}  // namespace

std::optional<std::uint16_t> KeyCodeByName(const std::string& name) {
  const int code = ::libevdev_event_code_from_name(EV_KEY, name.c_str());
  if (code < 0 || code > KEY_MAX) return std::nullopt;
  return static_cast<std::uint16_t>(code);
}

std::filesystem::path ResolveDeviceLinks(std::filesystem::path path) {
  for (int i = 0; i < kMaxLinks; ++i) {
    std::error_code ec;
    if (!std::filesystem::is_symlink(path, ec)) break;
    const std::filesystem::path target = std::filesystem::read_symlink(path, ec);
    if (ec) break;
    path = target.is_absolute() ? target : path.parent_path() / target;
  }
  return path.lexically_normal();
}

Result<EvdevDevice> EvdevDevice::Open(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return ErrnoError("open " + path.string(), errno);
  return EvdevDevice(fd);
}

Result<std::unique_ptr<InputDevice>> OpenInputDevice(const std::filesystem::path& path) {
  auto dev = EvdevDevice::Open(ResolveDeviceLinks(path));
  if (!dev) return dev.error();
  return std::unique_ptr<InputDevice>(std::make_unique<EvdevDevice>(std::move(*dev)));
}

EvdevDevice::EvdevDevice(EvdevDevice&& other) noexcept : fd_(other.fd_), grabbed_(other.grabbed_) {
  other.fd_ = -1;
  other.grabbed_ = false;
}

EvdevDevice::~EvdevDevice() {
  if (fd_ < 0) return;
  Release();
  ::close(fd_);
}

Result<std::string> EvdevDevice::Name() const {
  char name[256] = {};
  if (::ioctl(fd_, EVIOCGNAME(sizeof(name) - 1), name) < 0) {
    const int err = errno;
    if (err == ENOTTY || err == EINVAL || err == ENOENT) {
      return Error{ErrorKind::kUnsupported, "EVIOCGNAME: not answered"};
    }
    return ErrnoError("EVIOCGNAME", err);
  }
  return std::string(name);
}

Result<void> EvdevDevice::Grab() {
  if (::ioctl(fd_, EVIOCGRAB, 1) < 0) {
    const int err = errno;
    if (err == EBUSY) return Error{ErrorKind::kBusy, "EVIOCGRAB: another process has grabbed it"};
    if (err == ENOTTY || err == EINVAL) {
      return Error{ErrorKind::kUnsupported, "EVIOCGRAB: not an input event device"};
    }
    return ErrnoError("EVIOCGRAB", err);
  }
  grabbed_ = true;
  return Ok();
}

void EvdevDevice::Release() {
  if (!grabbed_) return;
  (void)::ioctl(fd_, EVIOCGRAB, 0);
  grabbed_ = false;
}

Result<bool> EvdevDevice::ReadLine(std::string& typed, io::Deadline deadline,
                                   std::stop_token stop) {
  KeyDecoder decoder;
  bool dropping = false;
  // Whole events are decoded; a read that ends inside one (which evdev never does, but a
  // pseudo-terminal standing in for it may) keeps the rest for the next read.
  alignas(input_event) unsigned char bytes[64 * sizeof(input_event)];
  std::size_t have = 0;
  const auto wipe = [&] { ::explicit_bzero(bytes, sizeof(bytes)); };
  while (!deadline.Expired() && !stop.stop_requested()) {
    pollfd p{fd_, POLLIN, 0};
    const auto wait = std::min(deadline.Remaining(), kSlice);
    const int ready = ::poll(&p, 1, static_cast<int>(wait.count()));
    if (ready < 0) {
      if (errno == EINTR) continue;
      wipe();
      return ErrnoError("poll", errno);
    }
    if (ready == 0) continue;
    if ((p.revents & (POLLERR | POLLNVAL)) != 0 ||
        ((p.revents & POLLHUP) != 0 && (p.revents & POLLIN) == 0)) {
      wipe();
      return Error{ErrorKind::kIo, "read: the input device went away"};
    }
    const ssize_t n = ::read(fd_, bytes + have, sizeof(bytes) - have);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) continue;
      const int err = errno;
      wipe();
      if (err == ENODEV) return Error{ErrorKind::kIo, "read: the input device went away"};
      return ErrnoError("read", err);
    }
    if (n == 0) {
      wipe();
      return Error{ErrorKind::kIo, "read: the input device went away"};
    }
    have += static_cast<std::size_t>(n);
    const std::size_t count = have / sizeof(input_event);
    bool enter = false;
    for (std::size_t i = 0; i < count && !enter; ++i) {
      input_event e;
      std::memcpy(&e, bytes + i * sizeof(input_event), sizeof(e));
      if (e.type == kEvSyn) {
        if (e.code == kSynDropped) dropping = true;
        if (e.code == kSynReport) dropping = false;
        continue;
      }
      if (dropping || e.type != kEvKey) continue;
      const auto out = decoder.Feed(e.code, e.value);
      if (out.kind == KeyDecoder::Kind::kChar) typed.push_back(out.ch);
      if (out.kind == KeyDecoder::Kind::kEnter) enter = true;
    }
    const std::size_t used = count * sizeof(input_event);
    std::memmove(bytes, bytes + used, have - used);
    have -= used;
    if (enter) {
      wipe();  // the events held keystrokes of card data
      return true;
    }
  }
  wipe();
  return false;
}

Result<bool> EvdevDevice::HasKey(std::uint16_t code) const {
  if (code > KEY_MAX) return false;
  unsigned char bits[KEY_MAX / 8 + 1] = {};
  if (::ioctl(fd_, EVIOCGBIT(EV_KEY, sizeof(bits)), bits) < 0) {
    const int err = errno;
    if (err == ENOTTY || err == EINVAL || err == ENOENT) {
      return Error{ErrorKind::kUnsupported, "EVIOCGBIT: not an input event device"};
    }
    return ErrnoError("EVIOCGBIT", err);
  }
  return (bits[code / 8] & (1u << (code % 8))) != 0;
}

Result<std::size_t> EvdevDevice::ReadAvailable(std::span<InputEvent> out) {
  constexpr std::size_t kBatch = 64;
  input_event raw[kBatch];
  std::size_t got = 0;
  while (got < out.size()) {
    const std::size_t want = std::min(kBatch, out.size() - got);
    const ssize_t n = ::read(fd_, raw, want * sizeof(input_event));
    if (n < 0) {
      const int err = errno;
      if (err == EINTR) continue;
      if (err == EAGAIN) break;
      if (err == ENODEV) return Error{ErrorKind::kIo, "read: the input device went away"};
      return ErrnoError("read", err);
    }
    if (n == 0) return Error{ErrorKind::kIo, "read: the input device went away"};
    if (static_cast<std::size_t>(n) % sizeof(input_event) != 0) {
      return Error{ErrorKind::kParse, "read: a partial input event"};
    }
    const std::size_t count = static_cast<std::size_t>(n) / sizeof(input_event);
    for (std::size_t i = 0; i < count; ++i) {
      out[got + i] = InputEvent{raw[i].type, raw[i].code, raw[i].value};
    }
    got += count;
    if (count < want) break;  // the queue is empty
  }
  return got;
}

}  // namespace posdiag::drivers::input
