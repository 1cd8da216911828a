// libFuzzer target: any stream of events from a key device (10-byte records: a time step in ms,
// type, code, value) gives actions only for presses of configured keys, never a crash, and the
// filter keeps no state that grows with the input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "agent/probes/keys/keys.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace posdiag::agent;
  static const KeyConfig config = [] {
    KeyConfig c;
    c.codes = {59, 108, 103, 1};  // F1, DOWN, UP, ESC
    c.debounce = std::chrono::milliseconds(80);
    return c;
  }();
  KeyFilter filter(config);
  auto now = KeyFilter::TimePoint() + std::chrono::hours(1);
  std::size_t presses = 0;
  std::size_t actions = 0;
  for (std::size_t at = 0; at + 10 <= size; at += 10) {
    std::uint16_t step;
    posdiag::drivers::input::InputEvent e;
    std::memcpy(&step, data + at, 2);
    std::memcpy(&e.type, data + at + 2, 2);
    std::memcpy(&e.code, data + at + 4, 2);
    std::memcpy(&e.value, data + at + 6, 4);
    now += std::chrono::milliseconds(step);
    const auto action = filter.Feed(e, now);
    const bool configured = e.code == 59 || e.code == 108 || e.code == 103 || e.code == 1;
    if (e.type == 1 && e.value == 1 && configured) ++presses;
    if (action) {
      ++actions;
      if (e.type != 1 || e.value != 1 ||
          config.codes[static_cast<std::size_t>(*action)] != e.code) {
        std::abort();
      }
    }
  }
  if (actions > presses) std::abort();
  return 0;
}
