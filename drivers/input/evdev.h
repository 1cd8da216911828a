// The one owner of evdev (/dev/input/eventN): opens an input device, asks its name
// (EVIOCGNAME), grabs it for exclusive use (EVIOCGRAB) so a card reader's keystrokes stay out of
// the console, and reads key events until Enter or a deadline. The grab is released when the
// device is closed, at the latest.
#pragma once

#include <filesystem>
#include <stop_token>
#include <string>

#include "drivers/io/clock.h"
#include "drivers/io/result.h"

namespace posdiag::drivers::input {

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

 private:
  explicit EvdevDevice(int fd) : fd_(fd) {}
  int fd_ = -1;
  bool grabbed_ = false;
};

}  // namespace posdiag::drivers::input
