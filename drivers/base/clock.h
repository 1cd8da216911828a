// Time as the agent sees it: the wall clock (which may be wrong: posdiag checks it) and a
// monotonic clock for deadlines. Tests substitute a fixed clock.
#pragma once

#include <chrono>

namespace posdiag::io {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual std::chrono::system_clock::time_point Now() const = 0;
  virtual std::chrono::steady_clock::time_point Steady() const = 0;
};

class SystemClock final : public Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point Steady() const override {
    return std::chrono::steady_clock::now();
  }
};

// A deadline on the monotonic clock; every I/O takes one.
class Deadline {
 public:
  explicit Deadline(std::chrono::steady_clock::time_point at) : at_(at) {}
  static Deadline In(std::chrono::milliseconds d) {
    return Deadline(std::chrono::steady_clock::now() + d);
  }
  std::chrono::steady_clock::time_point at() const { return at_; }
  bool Expired() const { return std::chrono::steady_clock::now() >= at_; }
  std::chrono::milliseconds Remaining() const {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        at_ - std::chrono::steady_clock::now());
    return left.count() > 0 ? left : std::chrono::milliseconds(0);
  }

 private:
  std::chrono::steady_clock::time_point at_;
};

}  // namespace posdiag::io
