#include "agent/probes/keys/keys_device.h"

#include <poll.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>

#include "agent/probes/keys/keys.h"

namespace posdiag::agent::probes {
namespace {

using std::chrono::milliseconds;
using Verdict = RoutineResult::Verdict;

std::string KeyNameProblem(const ConfigValue& value) {
  auto code = ParseKeyCode(std::get<std::string>(value));
  return code ? "" : code.error().detail;
}

// Two actions on one key would make one of them unreachable.
std::optional<KeyProblem> SharedKey(const ConfigSection& section) {
  std::array<std::uint16_t, kKeyActionCount> codes{};
  for (std::size_t i = 0; i < kKeyActionCount; ++i) {
    const std::string key(KeyActionName(static_cast<KeyAction>(i)));
    codes[i] = section.Has(key) || i != static_cast<std::size_t>(KeyAction::kPrint)
                   ? ParseKeyCode(section.GetString(key)).value_or(0)
                   : 0;
    for (std::size_t j = 0; j < i; ++j) {
      if (codes[i] != 0 && codes[j] == codes[i]) {
        return KeyProblem{
            key, "is the same key as " + std::string(KeyActionName(static_cast<KeyAction>(j)))};
      }
    }
  }
  return std::nullopt;
}

// `test keys`: the engineer presses every configured key once before the deadline.
class KeysRoutine final : public Routine {
 public:
  std::string_view Name() const override { return "keys"; }
  std::string_view Help() const override { return "press every key once"; }
  std::string_view Section() const override { return "keys"; }

  RoutineResult Run(const RoutineContext& ctx, io::Deadline deadline) override {
    const KeyConfig config = ReadKeyConfig(ctx.config.Section("keys"));
    auto opened = OpenKeyDevice(ctx.fs, ctx.open, config);
    if (!opened) return {Verdict::kError, opened.error().detail};
    ctx.Prompt("请依次按下每个按键", "Press every key");

    // No debounce here: every key once is what is asked.
    KeyConfig plain = config;
    plain.debounce = milliseconds(0);
    KeyFilter filter(plain);
    std::array<bool, kKeyActionCount> seen{};
    std::size_t count = 0;
    // Every configured key: [keys] print may have none.
    std::size_t keys = 0;
    for (std::size_t i = 0; i < kKeyActionCount; ++i) {
      if (config.codes[i] != 0) {
        ++keys;
      } else {
        seen[i] = true;
      }
    }
    drivers::input::InputEvent events[64];
    // In slices, so that a stopping posdiag ends the test within a tenth of a second.
    constexpr milliseconds kSlice{100};
    while (count < keys && !deadline.Expired()) {
      if (ctx.stop.stop_requested())
        return {Verdict::kSkipped, "stopped before every key was pressed"};
      pollfd p{opened->device->fd(), POLLIN, 0};
      const int ready =
          ::poll(&p, 1, static_cast<int>(std::min(deadline.Remaining(), kSlice).count()));
      if (ready < 0 && errno != EINTR) return {Verdict::kError, "poll: key device"};
      if (ready <= 0) continue;
      auto got = opened->device->ReadAvailable(events);
      if (!got) return {Verdict::kError, opened->path + ": " + got.error().detail};
      for (std::size_t i = 0; i < *got; ++i) {
        if (auto action = filter.Feed(events[i], std::chrono::steady_clock::now())) {
          auto& s = seen[static_cast<std::size_t>(*action)];
          if (!s) ++count;
          s = true;
        }
      }
    }
    std::string missing;
    for (std::size_t i = 0; i < kKeyActionCount; ++i) {
      if (!seen[i]) {
        missing += std::string(missing.empty() ? "" : ", ") +
                   std::string(KeyActionName(static_cast<KeyAction>(i)));
      }
    }
    if (count == keys) return {Verdict::kPassed, "every key works"};
    if (count == 0) return {Verdict::kSkipped, "no key pressed before the deadline"};
    return {Verdict::kFailed, "not pressed: " + missing};
  }
};

}  // namespace

std::vector<SectionSpec> KeysDevice::ConfigSections() const {
  auto key = [](const char* name, const char* def, const char* what) {
    return String(name)
        .Default(def)
        .Check(KeyNameProblem)
        .Means(std::string(what) + ": a key name (KEY_F1, ...) or its code");
  };
  return {{"keys",
           "the merchant's keys, read by posdiag daemon (never grabbed)",
           {TerminalPath("device").Means(
                "the keypad's input device; without it, the first /dev/input/event* that has the "
                "diagnose key"),
            key("diagnose", "KEY_F1", "runs the merchant's diagnosis"),
            key("page_next", "KEY_DOWN", "next page of findings"),
            key("page_prev", "KEY_UP", "previous page of findings"),
            key("back", "KEY_ESC", "back to the idle screen"),
            String("print")
                .Check(KeyNameProblem)
                .Means("prints the result's hand-off slip on the receipt printer: a key name "
                       "(KEY_F2, ...) or its code; without it no key prints"),
            Int("debounce_ms", 0, 5'000)
                .Default(80)
                .Means("a second press of the same key within this time is a bounce")},
           SharedKey}};
}

std::vector<std::shared_ptr<Routine>> KeysDevice::Routines() const {
  return {std::make_shared<KeysRoutine>()};
}

}  // namespace posdiag::agent::probes
