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

constexpr const char* kActionNames[kKeyActionCount] = {"diagnose", "page_next", "page_prev",
                                                       "back"};
// The largest key code evdev has (KEY_MAX).
constexpr std::uint16_t kMaxKeyCode = 0x2ff;
constexpr milliseconds kFirstRetry{250};
// One drain reads at most this many events; the kernel queue of one client holds far fewer.
constexpr std::size_t kDrainLimit = 4096;
// Events handled per wake-up, so a key storm cannot keep the loop from its other sources.
constexpr std::size_t kBatch = 64;

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

Result<KeyConfig> ReadKeyConfig(const ConfigSection& section) {
  KeyConfig config;
  config.device = section.GetString("device", "");
  if (!config.device.empty() && config.device.front() != '/') {
    return Error{ErrorKind::kInvalid,
                 "[keys] device must be an absolute path, not '" + config.device + "'"};
  }
  for (std::size_t i = 0; i < kKeyActionCount; ++i) {
    const std::string key(kActionNames[i]);
    const std::string name = section.GetString(key, std::string(kDefaultKeyNames[i]));
    auto code = ParseKeyCode(name);
    if (!code) return code.error().Context("[keys] " + key);
    for (std::size_t j = 0; j < i; ++j) {
      if (config.codes[j] == *code) {
        return Error{ErrorKind::kInvalid, "[keys] " + key + " and " + kActionNames[j] +
                                              " are the same key (" + name + ")"};
      }
    }
    config.codes[i] = *code;
  }
  config.debounce = milliseconds(section.GetInt("debounce_ms", kDefaultDebounceMs));
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
  if (dropping_ || event.type != in::kEvKey || event.value != 1) return std::nullopt;
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

Result<std::string> FindKeyDevice(const io::RootFs& fs, std::uint16_t code) {
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
    auto dev = in::EvdevDevice::Open(in::ResolveDeviceLinks(fs.Path(path)));
    if (!dev) continue;  // gone, or not ours to open: look at the next one
    if (auto has = dev->HasKey(code); has && *has) return path;
    tried += (tried.empty() ? "" : ", ") + name;
  }
  return Error{ErrorKind::kNotFound, "no input device has key " + std::to_string(code) +
                                         (tried.empty() ? " (no /dev/input/event* could be opened)"
                                                        : " (looked at " + tried + ")")};
}

Result<OpenedKeys> OpenKeyDevice(const io::RootFs& fs, const KeyConfig& config) {
  std::string path = config.device;
  if (path.empty()) {
    auto found = FindKeyDevice(fs, config.codes[static_cast<std::size_t>(KeyAction::kDiagnose)]);
    if (!found) return found.error();
    path = *found;
  }
  auto dev = in::EvdevDevice::Open(in::ResolveDeviceLinks(fs.Path(path)));
  if (!dev) return dev.error().Context("key device");
  return OpenedKeys{std::move(*dev), path};
}

KeySource::KeySource(io::RootFs fs, KeyConfig config, milliseconds rescan_max,
                     std::shared_ptr<spdlog::logger> log, OnAction on_action)
    : fs_(std::move(fs)),
      config_(config),
      rescan_max_(std::max(rescan_max, kFirstRetry)),
      log_(std::move(log)),
      on_action_(std::move(on_action)),
      filter_(config) {}

void KeySource::Log(spdlog::level::level_enum level, const std::string& message) const {
  if (log_) log_->log(level, "keys: {}", message);
}

void KeySource::Start(TimePoint now) { OnWake(now); }

void KeySource::OnWake(TimePoint now) {
  retry_at_.reset();
  auto opened = OpenKeyDevice(fs_, config_);
  if (!opened) {
    if (opened.error().detail != last_error_) {
      last_error_ = opened.error().detail;
      Log(spdlog::level::warn, last_error_ + "; looking again with back-off");
    }
    backoff_ = backoff_.count() == 0 ? kFirstRetry : std::min(backoff_ * 2, rescan_max_);
    retry_at_ = now + backoff_;
    return;
  }
  device_.reset();
  device_.emplace(std::move(opened->device));
  path_ = opened->path;
  backoff_ = milliseconds(0);
  last_error_.clear();
  filter_.Reset();
  Log(spdlog::level::info, "reading " + path_);
}

void KeySource::Lost(const std::string& why, TimePoint now) {
  Log(spdlog::level::warn, path_ + ": " + why + "; looking for it again");
  device_.reset();
  backoff_ = kFirstRetry;
  retry_at_ = now + backoff_;
}

void KeySource::OnReadable() {
  if (!device_) return;
  in::InputEvent events[kBatch];
  auto got = device_->ReadAvailable(events);
  const auto now = std::chrono::steady_clock::now();
  if (!got) {
    Lost(got.error().detail, now);
    return;
  }
  for (std::size_t i = 0; i < *got; ++i) {
    const auto action = filter_.Feed(events[i], now);
    if (!action) continue;
    on_action_(*action);
    if (*action == KeyAction::kDiagnose) {
      // The run took a while: what was pressed meanwhile (the rest of this batch included) is
      // dropped, so a merchant pressing again and again gets one diagnosis.
      Drain();
      return;
    }
  }
}

void KeySource::Drain() {
  if (!device_) return;
  in::InputEvent events[kBatch];
  std::size_t dropped = 0;
  while (dropped < kDrainLimit) {
    auto got = device_->ReadAvailable(events);
    if (!got) {
      Lost(got.error().detail, std::chrono::steady_clock::now());
      return;
    }
    if (*got == 0) break;
    dropped += *got;
  }
  filter_.Reset();
  if (dropped > 0) Log(spdlog::level::debug, std::to_string(dropped) + " events dropped");
}

}  // namespace posdiag::agent
