// Scripted openers for fast, in-process probe tests: each opener is a std::function a test sets
// (unset ones answer kUnsupported "not scripted"), and ScriptedSerialPort plays a device on the
// other end of a serial line. Example:
//   FakeOpeners open;
//   auto port = std::make_shared<ScriptedSerialPort>([](std::string_view sent) {
//     return sent == "AT\r" ? std::string("\r\nOK\r\n") : std::string();
//   });
//   open.serial = port->Opener();
//   auto run = RunProbe(device, tree, config, clock, open);
//   EXPECT_EQ(port->written(), "AT\r...");
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "agent/openers.h"

namespace posdiag::agent::probes::testing {

inline Error NotScripted(std::string_view what) {
  return Error{ErrorKind::kUnsupported, std::string(what) + ": not scripted in this test"};
}

class FakeOpeners final : public Openers {
 public:
  using SerialFn = std::function<Result<std::unique_ptr<io::SerialPort>>(
      const std::filesystem::path&, const io::SerialSettings&)>;
  using ListUsbFn = std::function<Result<std::vector<io::UsbDeviceInfo>>()>;
  using UsbFn = std::function<Result<std::unique_ptr<io::UsbDevice>>(const io::UsbDeviceInfo&)>;
  using InputFn = std::function<Result<std::unique_ptr<drivers::input::InputDevice>>(
      const std::filesystem::path&)>;
  using PcscFn =
      std::function<Result<std::vector<drivers::card_reader::PcscReaderState>>(io::Deadline)>;

  SerialFn serial;
  ListUsbFn list_usb;
  UsbFn usb;
  InputFn input;
  PcscFn pcsc;
  // The network transport; a test that reaches the network sets it.
  std::shared_ptr<drivers::network::NetworkTransport> network;

  Result<std::unique_ptr<io::SerialPort>> Serial(
      const std::filesystem::path& path, const io::SerialSettings& settings) const override {
    if (!serial) return NotScripted("serial " + path.string());
    return serial(path, settings);
  }
  Result<std::vector<io::UsbDeviceInfo>> ListUsb() const override {
    if (!list_usb) return NotScripted("USB bus");
    return list_usb();
  }
  Result<std::unique_ptr<io::UsbDevice>> Usb(const io::UsbDeviceInfo& device) const override {
    if (!usb) return NotScripted("USB device");
    return usb(device);
  }
  Result<std::unique_ptr<drivers::input::InputDevice>> Input(
      const std::filesystem::path& path) const override {
    if (!input) return NotScripted("input " + path.string());
    return input(path);
  }
  drivers::network::NetworkTransport& Network() const override {
    if (!network) throw std::logic_error("network: not scripted in this test");
    return *network;
  }
  Result<std::vector<drivers::card_reader::PcscReaderState>> PcscReaders(
      io::Deadline deadline) const override {
    if (!pcsc) return NotScripted("pcscd");
    return pcsc(deadline);
  }
};

// A device on a serial line, played by a function: each Write hands it everything written since
// its last answer, and what it returns is what the next Reads get. Keeps what was written and the
// settings the port was opened with.
class ScriptedSerialPort final : public io::SerialPort,
                                 public std::enable_shared_from_this<ScriptedSerialPort> {
 public:
  using Device = std::function<std::string(std::string_view sent)>;

  explicit ScriptedSerialPort(Device device) : device_(std::move(device)) {}

  Result<void> Write(std::span<const std::uint8_t> bytes, io::Deadline) override {
    std::lock_guard lock(mu_);
    if (unplugged_) return Error{ErrorKind::kIo, "write: device went away"};
    const std::string sent(bytes.begin(), bytes.end());
    written_ += sent;
    pending_ += sent;
    const std::string reply = device_(pending_);
    if (!reply.empty()) pending_.clear();
    for (char c : reply) unread_.push_back(static_cast<std::uint8_t>(c));
    return Ok();
  }

  Result<std::size_t> Read(std::span<std::uint8_t> buffer, io::Deadline deadline) override {
    {
      std::lock_guard lock(mu_);
      if (unplugged_) return Error{ErrorKind::kIo, "read: device went away"};
      if (!unread_.empty()) {
        const std::size_t n = std::min(buffer.size(), unread_.size());
        std::copy_n(unread_.begin(), n, buffer.begin());
        unread_.erase(unread_.begin(), unread_.begin() + static_cast<std::ptrdiff_t>(n));
        return n;
      }
    }
    // A silent device: the read waits out its deadline, as a real port's does.
    std::this_thread::sleep_until(deadline.at());
    return std::size_t{0};
  }

  Result<void> DiscardInput() override {
    std::lock_guard lock(mu_);
    unread_.clear();
    return Ok();
  }

  // After this, every transfer fails as on an unplugged adapter.
  void Unplug() {
    std::lock_guard lock(mu_);
    unplugged_ = true;
  }

  std::string written() const {
    std::lock_guard lock(mu_);
    return written_;
  }
  const io::SerialSettings& settings() const { return settings_; }
  int opens() const { return opens_; }

  // An opener that hands out this port (shared with the test, which keeps looking at it).
  FakeOpeners::SerialFn Opener() {
    auto self = shared_from_this();
    return [self](const std::filesystem::path&,
                  const io::SerialSettings& settings) -> Result<std::unique_ptr<io::SerialPort>> {
      self->settings_ = settings;
      ++self->opens_;
      return std::unique_ptr<io::SerialPort>(std::make_unique<Handle>(self));
    };
  }

 private:
  // What the probe owns: forwards to the shared port.
  class Handle final : public io::SerialPort {
   public:
    explicit Handle(std::shared_ptr<ScriptedSerialPort> port) : port_(std::move(port)) {}
    Result<void> Write(std::span<const std::uint8_t> b, io::Deadline d) override {
      return port_->Write(b, d);
    }
    Result<std::size_t> Read(std::span<std::uint8_t> b, io::Deadline d) override {
      return port_->Read(b, d);
    }
    Result<void> DiscardInput() override { return port_->DiscardInput(); }

   private:
    std::shared_ptr<ScriptedSerialPort> port_;
  };

  Device device_;
  mutable std::mutex mu_;
  std::string written_;
  std::string pending_;
  std::deque<std::uint8_t> unread_;
  bool unplugged_ = false;
  io::SerialSettings settings_;
  int opens_ = 0;
};

}  // namespace posdiag::agent::probes::testing
