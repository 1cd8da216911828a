// The merchant's keys: which key codes mean diagnose, next page, previous page and back ([keys],
// declared by keys_device.h), the filter that turns raw evdev events into those actions (presses
// only, debounced, unknown keys and autorepeat ignored, a kernel queue overflow resynchronised),
// and finding and opening the key device. The daemon reads it through agent/modes/key_source.h.
// Example:
//   auto keys = ReadKeyConfig(config.Section("keys"));
//   KeyFilter filter(*keys);
//   if (auto action = filter.Feed(event, now)) ...;
#pragma once

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
#include "agent/openers.h"
#include "drivers/base/result.h"
#include "drivers/input/evdev.h"
#include "drivers/io/root_fs.h"

namespace posdiag::agent {

// kPrint is optional: without [keys] print it has no key (code 0, which no key sends).
enum class KeyAction { kDiagnose = 0, kPageNext, kPagePrev, kBack, kPrint };
inline constexpr std::size_t kKeyActionCount = 5;
std::string_view KeyActionName(KeyAction action);  // "diagnose", "page_next", ...

// A key as the config names it: the kernel name ("KEY_F1") or its number ("59").
Result<std::uint16_t> ParseKeyCode(std::string_view text);

struct KeyConfig {
  std::string device;  // [keys] device, under [system] root; empty: the device with the key
  std::array<std::uint16_t, kKeyActionCount> codes{};  // by KeyAction
  std::chrono::milliseconds debounce{0};
};

// [keys] as the schema (KeysDevice) checked it.
KeyConfig ReadKeyConfig(const ConfigSection& section);

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
Result<std::string> FindKeyDevice(const io::RootFs& fs, const Openers& open, std::uint16_t code);

// Opens [keys] device, or the device FindKeyDevice gives for the diagnose key. Returns the
// system path it opened too.
struct OpenedKeys {
  std::unique_ptr<drivers::input::InputDevice> device;
  std::string path;
};
Result<OpenedKeys> OpenKeyDevice(const io::RootFs& fs, const Openers& open,
                                 const KeyConfig& config);

}  // namespace posdiag::agent
