// The one owner of evdev (/dev/input/eventN): opens an input device, asks its name
// (EVIOCGNAME) and which keys it has (EVIOCGBIT), grabs it for exclusive use (EVIOCGRAB) so a
// card reader's keystrokes stay out of the console, and reads key events until Enter or a
// deadline, or whatever events are there now (for an event loop). The grab is released when the
// device is closed, at the latest.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <stop_token>
#include <string>

#include "drivers/base/clock.h"
#include "drivers/base/result.h"

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

// An input device as the probes and the daemon use it; EvdevDevice is the real one, tests script
// their own. An implementation must honour the deadline and stop token of ReadLine.
class InputDevice {
 public:
  virtual ~InputDevice() = default;

  // EVIOCGNAME; kUnsupported when the node does not answer it.
  virtual Result<std::string> Name() const = 0;
  // EVIOCGRAB 1: kBusy when another process holds the grab.
  virtual Result<void> Grab() = 0;
  virtual void Release() = 0;

  // Appends typed characters (US layout, Shift tracked) to `typed` until Enter: true, or until
  // the deadline or stop: false. A kernel queue overflow (SYN_DROPPED) drops the events up to
  // the next SYN_REPORT, as evdev asks.
  virtual Result<bool> ReadLine(std::string& typed, io::Deadline deadline,
                                std::stop_token stop) = 0;

  // EVIOCGBIT(EV_KEY): whether the device can send `code`. kUnsupported when the node does not
  // answer (not an input device).
  virtual Result<bool> HasKey(std::uint16_t code) const = 0;

  // The events queued now, at most out.size(), without waiting: 0 when there are none. kIo
  // "went away" when the device was unplugged; a read that ends inside an event is kParse.
  virtual Result<std::size_t> ReadAvailable(std::span<InputEvent> out) = 0;

  // The descriptor, to wait on in poll or epoll; the device keeps owning it. -1 when none.
  virtual int fd() const = 0;
};

class EvdevDevice final : public InputDevice {
 public:
  static Result<EvdevDevice> Open(const std::filesystem::path& path);
  EvdevDevice(EvdevDevice&& other) noexcept;
  EvdevDevice& operator=(EvdevDevice&&) = delete;
  EvdevDevice(const EvdevDevice&) = delete;
  ~EvdevDevice() override;

  Result<std::string> Name() const override;
  Result<void> Grab() override;
  void Release() override;
  Result<bool> ReadLine(std::string& typed, io::Deadline deadline, std::stop_token stop) override;
  Result<bool> HasKey(std::uint16_t code) const override;
  Result<std::size_t> ReadAvailable(std::span<InputEvent> out) override;
  int fd() const override { return fd_; }

 private:
  explicit EvdevDevice(int fd) : fd_(fd) {}
  int fd_ = -1;
  bool grabbed_ = false;
};

// Opens the device at `path` (links followed as ResolveDeviceLinks does).
Result<std::unique_ptr<InputDevice>> OpenInputDevice(const std::filesystem::path& path);

}  // namespace posdiag::drivers::input
