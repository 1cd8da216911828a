// The key device in the daemon's loop: reads the merchant's keys (agent/probes/keys/keys.h) as an
// EventSource, and finds the device again with back-off when it vanishes.
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/event_source.h"
#include "agent/openers.h"
#include "agent/probes/keys/keys.h"
#include "drivers/io/root_fs.h"

namespace posdiag::agent {

// The key device in the daemon's loop. Never grabs it (the payment application reads the keypad
// too). When the device vanishes, or is not there at start, it is looked for again after 250 ms,
// then twice as long each time up to `rescan_max`: a timer, never a busy loop.
class KeySource final : public EventSource {
 public:
  using OnAction = std::function<void(KeyAction)>;
  KeySource(io::RootFs fs, const Openers& open, KeyConfig config,
            std::chrono::milliseconds rescan_max, std::shared_ptr<spdlog::logger> log,
            OnAction on_action);

  int fd() const override { return device_ ? device_->fd() : -1; }
  void OnReadable() override;
  std::optional<TimePoint> NextWake() const override { return retry_at_; }
  void OnWake(TimePoint now) override;
  void OnUnpollable(const std::string& why) override;

  // Opens the device now (the daemon's start); a failure schedules the first retry.
  void Start(TimePoint now);
  // Reads and drops whatever is queued: presses made while the daemon was busy are ignored, not
  // replayed. Bounded, so a key storm cannot hold the loop.
  void Drain();

  bool connected() const { return device_ != nullptr; }
  const std::string& path() const { return path_; }
  const KeyFilter& filter() const { return filter_; }

 private:
  void Lost(const std::string& why, TimePoint now);
  void Log(spdlog::level::level_enum level, const std::string& message) const;

  io::RootFs fs_;
  const Openers& open_;
  KeyConfig config_;
  std::chrono::milliseconds rescan_max_;
  std::shared_ptr<spdlog::logger> log_;
  OnAction on_action_;
  KeyFilter filter_;
  std::unique_ptr<drivers::input::InputDevice> device_;
  std::string path_;
  std::optional<TimePoint> retry_at_;
  std::chrono::milliseconds backoff_{0};
  std::string last_error_;  // logged once, not on every retry
  // The device opened, then failed (Lost): reopening it is a retry, not news for the log.
  bool device_failed_ = false;
};

}  // namespace posdiag::agent
