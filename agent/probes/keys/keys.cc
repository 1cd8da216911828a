#include "agent/probes/keys/keys.h"

#include <algorithm>
#include <charconv>
#include <utility>
#include <vector>

#include "drivers/input/keymap.h"

namespace posdiag::agent {
namespace {

namespace in = drivers::input;
using std::chrono::milliseconds;

constexpr const char* kActionNames[kKeyActionCount] = {"diagnose", "page_next", "page_prev", "back",
                                                       "print"};
// The largest key code evdev has (KEY_MAX).
constexpr std::uint16_t kMaxKeyCode = 0x2ff;

// "event12" -> 12; nullopt for other names.
std::optional<int> EventNumber(std::string_view name) {
  constexpr std::string_view kPrefix = "event";
  if (name.substr(0, kPrefix.size()) != kPrefix || name.size() == kPrefix.size()) {
    return std::nullopt;
  }
  int n = 0;
  const char* begin = name.data() + kPrefix.size();
  const char* end = name.data() + name.size();
  const auto [ptr, ec] = std::from_chars(begin, end, n);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  return n;
}

}  // namespace

std::string_view KeyActionName(KeyAction action) {
  return kActionNames[static_cast<std::size_t>(action)];
}

Result<std::uint16_t> ParseKeyCode(std::string_view text) {
  if (text.empty()) return Error{ErrorKind::kInvalid, "empty key name"};
  if (text.front() >= '0' && text.front() <= '9') {
    unsigned n = 0;
    const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
    if (ec != std::errc() || ptr != text.data() + text.size() || n == 0 || n > kMaxKeyCode) {
      return Error{ErrorKind::kInvalid, "'" + std::string(text) + "' is not a key code (1.." +
                                            std::to_string(kMaxKeyCode) + ")"};
    }
    return static_cast<std::uint16_t>(n);
  }
  if (auto code = in::KeyCodeByName(std::string(text))) return *code;
  return Error{ErrorKind::kInvalid, "'" + std::string(text) +
                                        "' is not a key name (KEY_F1, KEY_ENTER, ... or a number)"};
}

KeyConfig ReadKeyConfig(const ConfigSection& section) {
  KeyConfig config;
  config.device = section.GetString("device");
  for (std::size_t i = 0; i < kKeyActionCount; ++i) {
    // The schema has checked every name parses; an optional key that is not set is 0.
    const std::string name(KeyActionName(static_cast<KeyAction>(i)));
    config.codes[i] = section.Has(name) || i != static_cast<std::size_t>(KeyAction::kPrint)
                          ? ParseKeyCode(section.GetString(name)).value_or(0)
                          : 0;
  }
  config.debounce = milliseconds(section.GetInt("debounce_ms"));
  return config;
}

std::optional<KeyAction> KeyFilter::Feed(const in::InputEvent& event, TimePoint now) {
  if (event.type == in::kEvSyn) {
    if (event.code == in::kSynDropped) {
      dropping_ = true;
      ++resyncs_;
    } else if (event.code == in::kSynReport) {
      dropping_ = false;
    }
    return std::nullopt;
  }
  if (dropping_ || event.type != in::kEvKey || event.value != 1 || event.code == 0) {
    return std::nullopt;
  }
  const auto it = std::find(config_.codes.begin(), config_.codes.end(), event.code);
  if (it == config_.codes.end()) {
    ++ignored_;
    return std::nullopt;
  }
  const auto index = static_cast<std::size_t>(it - config_.codes.begin());
  if (last_[index] && now - *last_[index] < config_.debounce) {
    ++debounced_;
    return std::nullopt;
  }
  last_[index] = now;
  return static_cast<KeyAction>(index);
}

Result<std::string> FindKeyDevice(const io::RootFs& fs, const Openers& open, std::uint16_t code) {
  auto names = fs.List("/dev/input");
  if (!names) return names.error().Context("looking for the key device");
  std::vector<std::pair<int, std::string>> nodes;
  for (const std::string& name : *names) {
    if (auto n = EventNumber(name)) nodes.emplace_back(*n, name);
  }
  std::sort(nodes.begin(), nodes.end());
  std::string tried;
  for (const auto& [n, name] : nodes) {
    const std::string path = "/dev/input/" + name;
    auto dev = open.Input(fs.Path(path));
    if (!dev) continue;  // gone, or not ours to open: look at the next one
    if (auto has = (*dev)->HasKey(code); has && *has) return path;
    tried += (tried.empty() ? "" : ", ") + name;
  }
  return Error{ErrorKind::kNotFound, "no input device has key " + std::to_string(code) +
                                         (tried.empty() ? " (no /dev/input/event* could be opened)"
                                                        : " (looked at " + tried + ")")};
}

Result<OpenedKeys> OpenKeyDevice(const io::RootFs& fs, const Openers& open,
                                 const KeyConfig& config) {
  std::string path = config.device;
  if (path.empty()) {
    auto found =
        FindKeyDevice(fs, open, config.codes[static_cast<std::size_t>(KeyAction::kDiagnose)]);
    if (!found) return found.error();
    path = *found;
  }
  auto dev = open.Input(fs.Path(path));
  if (!dev) return dev.error().Context("key device");
  return OpenedKeys{std::move(*dev), path};
}

}  // namespace posdiag::agent
