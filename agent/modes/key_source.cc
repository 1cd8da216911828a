#include "agent/modes/key_source.h"

#include <algorithm>
#include <utility>

namespace posdiag::agent {
namespace {

namespace in = drivers::input;
using std::chrono::milliseconds;

constexpr milliseconds kFirstRetry{250};
// One drain reads at most this many events; the kernel queue of one client holds far fewer.
constexpr std::size_t kDrainLimit = 4096;
// Events handled per wake-up, so a key storm cannot keep the loop from its other sources.
constexpr std::size_t kBatch = 64;

}  // namespace

KeySource::KeySource(io::RootFs fs, const Openers& open, KeyConfig config, milliseconds rescan_max,
                     std::shared_ptr<spdlog::logger> log, OnAction on_action)
    : fs_(std::move(fs)),
      open_(open),
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
  auto opened = OpenKeyDevice(fs_, open_, config_);
  if (!opened) {
    device_failed_ = false;
    if (opened.error().detail != last_error_) {
      last_error_ = opened.error().detail;
      Log(spdlog::level::warn, last_error_ + "; looking again with back-off");
    }
    backoff_ = backoff_.count() == 0 ? kFirstRetry : std::min(backoff_ * 2, rescan_max_);
    retry_at_ = now + backoff_;
    return;
  }
  device_ = std::move(opened->device);
  path_ = opened->path;
  // The back-off and the last error stay until the device gives events: a node that opens but
  // cannot be waited on (/dev/null, a regular file) is looked at less and less often, said once.
  filter_.Reset();
  // Said at info when something changed; reopening the device that just failed the same way
  // again (every rescan_max_ms for as long as it stays unusable) is not news.
  Log(device_failed_ ? spdlog::level::debug : spdlog::level::info, "reading " + path_);
}

void KeySource::OnUnpollable(const std::string& why) {
  Lost("cannot wait on it (" + why + ")", std::chrono::steady_clock::now());
}

void KeySource::Lost(const std::string& why, TimePoint now) {
  const std::string line = path_ + ": " + why;
  if (line != last_error_) {  // a device that keeps failing the same way is said once
    last_error_ = line;
    Log(spdlog::level::warn, line + "; looking for it again with back-off");
  }
  device_failed_ = true;
  device_.reset();
  backoff_ = backoff_.count() == 0 ? kFirstRetry : std::min(backoff_ * 2, rescan_max_);
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
  if (*got > 0) {
    if (!last_error_.empty()) Log(spdlog::level::info, path_ + " gives events again");
    backoff_ = milliseconds(0);
    last_error_.clear();
    device_failed_ = false;
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
