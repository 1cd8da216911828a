// The merchant's keys: which key codes mean diagnose, next page, previous page and back ([keys]),
// the filter that turns raw evdev events into those actions (presses only, debounced, unknown keys
// and autorepeat ignored, a kernel queue overflow resynchronised), and the event source that reads
// the key device for the daemon, re-finding it with back-off when it vanishes.
// Example:
//   auto keys = ReadKeyConfig(config.Section("keys"));
//   KeyFilter filter(*keys);
//   if (auto action = filter.Feed(event, now)) ...;
#pragma once

#include <spdlog/logger.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "agent/config.h"
#include "agent/modes/event_source.h"
#include "drivers/input/evdev.h"
#include "drivers/base/result.h"
#include "drivers/io/root_fs.h"

namespace posdiag::agent {

enum class KeyAction { kDiagnose = 0, kPageNext, kPagePrev, kBack };
inline constexpr std::size_t kKeyActionCount = 4;
std::string_view KeyActionName(KeyAction action);  // "diagnose", "page_next", ...

// A key as the config names it: the kernel name ("KEY_F1") or its number ("59").
Result<std::uint16_t> ParseKeyCode(std::string_view text);

struct KeyConfig {
  std::string device;  // [keys] device, under [system] root; empty: the device with the key
  std::array<std::uint16_t, kKeyActionCount> codes{};  // by KeyAction
  std::chrono::milliseconds debounce{0};
};

inline constexpr std::string_view kDefaultKeyNames[kKeyActionCount] = {"KEY_F1", "KEY_DOWN",
                                                                       "KEY_UP", "KEY_ESC"};
inline constexpr std::int64_t kDefaultDebounceMs = 80;

// [keys] with its defaults; an error names the key and the bad value (two actions on one key
// too).
Result<KeyConfig> ReadKeyConfig(const ConfigSection& section);

// Raw events in, the merchant's actions out. Pure; time is the monotonic time the event was read
// (evdev's own stamps are on the wall clock, which posdiag does not trust).
class KeyFilter {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  explicit KeyFilter(const KeyConfig& config) : config_(config) {}

  // A press (value 1) of a configured key, unless the same key was accepted less than the
  // debounce time ago. Releases, autorepeat, other keys and other event types give nothing.
  // SYN_DROPPED: the events up to the next SYN_REPORT are dropped, as evdev asks.
  std::optional<KeyAction> Feed(const drivers::input::InputEvent& event, TimePoint now);
  // Forgets a half-dropped packet (after the queue was drained).
  void Reset() { dropping_ = false; }

  std::size_t ignored() const { return ignored_; }      // presses of keys that mean nothing
  std::size_t debounced() const { return debounced_; }  // presses dropped as bounces
  std::size_t resyncs() const { return resyncs_; }      // SYN_DROPPED seen

 private:
  KeyConfig config_;
  std::array<std::optional<TimePoint>, kKeyActionCount> last_{};
  bool dropping_ = false;
  std::size_t ignored_ = 0;
  std::size_t debounced_ = 0;
  std::size_t resyncs_ = 0;
};

// The /dev/input/event* node (a system path, e.g. "/dev/input/event3") of the first device that
// has `code` (EVIOCGBIT), in number order; kNotFound when none has it.
Result<std::string> FindKeyDevice(const io::RootFs& fs, std::uint16_t code);

// Opens [keys] device, or the device FindKeyDevice gives for the diagnose key. Returns the
// system path it opened too.
struct OpenedKeys {
  drivers::input::EvdevDevice device;
  std::string path;
};
Result<OpenedKeys> OpenKeyDevice(const io::RootFs& fs, const KeyConfig& config);

// The key device in the daemon's loop. Never grabs it (the payment application reads the keypad
// too). When the device vanishes, or is not there at start, it is looked for again after 250 ms,
// then twice as long each time up to `rescan_max`: a timer, never a busy loop.
class KeySource final : public EventSource {
 public:
  using OnAction = std::function<void(KeyAction)>;
  KeySource(io::RootFs fs, KeyConfig config, std::chrono::milliseconds rescan_max,
            std::shared_ptr<spdlog::logger> log, OnAction on_action);

  int fd() const override { return device_ ? device_->fd() : -1; }
  void OnReadable() override;
  std::optional<TimePoint> NextWake() const override { return retry_at_; }
  void OnWake(TimePoint now) override;

  // Opens the device now (the daemon's start); a failure schedules the first retry.
  void Start(TimePoint now);
  // Reads and drops whatever is queued: presses made while the daemon was busy are ignored, not
  // replayed. Bounded, so a key storm cannot hold the loop.
  void Drain();

  bool connected() const { return device_.has_value(); }
  const std::string& path() const { return path_; }
  const KeyFilter& filter() const { return filter_; }

 private:
  void Lost(const std::string& why, TimePoint now);
  void Log(spdlog::level::level_enum level, const std::string& message) const;

  io::RootFs fs_;
  KeyConfig config_;
  std::chrono::milliseconds rescan_max_;
  std::shared_ptr<spdlog::logger> log_;
  OnAction on_action_;
  KeyFilter filter_;
  std::optional<drivers::input::EvdevDevice> device_;
  std::string path_;
  std::optional<TimePoint> retry_at_;
  std::chrono::milliseconds backoff_{0};
  std::string last_error_;  // logged once, not on every retry
};

}  // namespace posdiag::agent
