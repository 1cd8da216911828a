// The one owner of evdev (/dev/input/eventN): opens an input device, asks its name
// (EVIOCGNAME) and which keys it has (EVIOCGBIT), grabs it for exclusive use (EVIOCGRAB) so a
// card reader's keystrokes stay out of the console, and reads key events until Enter or a
// deadline, or whatever events are there now (for an event loop). The grab is released when the
// device is closed, at the latest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <stop_token>
#include <string>

#include "drivers/io/clock.h"
#include "drivers/io/result.h"

namespace posdiag::drivers::input {

// One event as evdev reports it, without its timestamp (posdiag times events itself, on the
// monotonic clock, when it reads them).
struct InputEvent {
  std::uint16_t type = 0;
  std::uint16_t code = 0;
  std::int32_t value = 0;
};

// The code of a key by its kernel name ("KEY_F1", "BTN_0"), from libevdev's table; nullopt for a
// name it does not know.
std::optional<std::uint16_t> KeyCodeByName(const std::string& name);

// Follows symbolic links to the device node as open() would, but each step by hand, so a link in
// a fixture tree may name a node outside it (as the simulated terminal links emulated devices).
std::filesystem::path ResolveDeviceLinks(std::filesystem::path path);

class EvdevDevice {
 public:
  static Result<EvdevDevice> Open(const std::filesystem::path& path);
  EvdevDevice(EvdevDevice&& other) noexcept;
  EvdevDevice& operator=(EvdevDevice&&) = delete;
  EvdevDevice(const EvdevDevice&) = delete;
  ~EvdevDevice();

  // EVIOCGNAME; kUnsupported when the node does not answer it.
  Result<std::string> Name() const;
  // EVIOCGRAB 1: kBusy when another process holds the grab.
  Result<void> Grab();
  void Release();

  // Appends typed characters (US layout, Shift tracked) to `typed` until Enter: true, or until
  // the deadline or stop: false. A kernel queue overflow (SYN_DROPPED) drops the events up to
  // the next SYN_REPORT, as evdev asks.
  Result<bool> ReadLine(std::string& typed, io::Deadline deadline, std::stop_token stop);

  // EVIOCGBIT(EV_KEY): whether the device can send `code`. kUnsupported when the node does not
  // answer (not an input device).
  Result<bool> HasKey(std::uint16_t code) const;

  // The events queued now, at most out.size(), without waiting: 0 when there are none. kIo
  // "went away" when the device was unplugged; a read that ends inside an event is kParse.
  Result<std::size_t> ReadAvailable(std::span<InputEvent> out);

  // The descriptor, to wait on in poll or epoll; the device keeps owning it.
  int fd() const { return fd_; }

 private:
  explicit EvdevDevice(int fd) : fd_(fd) {}
  int fd_ = -1;
  bool grabbed_ = false;
};

}  // namespace posdiag::drivers::input
