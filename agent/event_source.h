// One thing the daemon waits on: a file descriptor to read when it is readable, and a time to be
// woken at (an idle timeout, a debounce). The daemon sleeps in epoll until one of them is due, so
// an idle source must return no wake time. Implementations must not block: read what is there.
// Example:
//   class Ticker : public EventSource {
//     int fd() const override { return -1; }
//     void OnReadable() override {}
//     std::optional<TimePoint> NextWake() const override { return next_; }
//     void OnWake(TimePoint now) override { next_ = now + std::chrono::seconds(1); }
//   };
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace posdiag::agent {

class EventSource {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  virtual ~EventSource() = default;
  // The descriptor to wait on, or -1 when there is none right now (e.g. a console port that is
  // being reopened). Asked again after every event.
  virtual int fd() const = 0;
  virtual void OnReadable() = 0;
  // A source with output queued (a network connection) asks to be told when fd() is writable.
  virtual bool WantWrite() const { return false; }
  virtual void OnWritable() {}
  virtual std::optional<TimePoint> NextWake() const { return std::nullopt; }
  virtual void OnWake(TimePoint /*now*/) {}
  // True once the source wants the daemon to stop (not used by most sources).
  virtual bool Finished() const { return false; }
  // The loop cannot wait on fd() (epoll refuses it: a regular file, /dev/null). The source should
  // give it up; the daemon goes on either way.
  virtual void OnUnpollable(const std::string& /*why*/) {}
};

}  // namespace posdiag::agent
