// A stand-in for the daemon's event loop in console tests: a thread that waits on the console's
// descriptor (and on a kick when the test changed something) and calls OnReadable, as the daemon
// does. The test calls into the console only through WithLock, so the two never race. Time is
// the test's fake clock: OnWake is called by the test, never by a timer.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "agent/modes/console.h"

namespace posdiag::agent::testing {

class ConsoleLoop {
 public:
  explicit ConsoleLoop(agent::Console& console) : console_(console) {
    if (::pipe2(kick_, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    thread_ = std::thread([this] { Loop(); });
  }
  ~ConsoleLoop() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    Kick();
    thread_.join();
    ::close(kick_[0]);
    ::close(kick_[1]);
  }
  ConsoleLoop(const ConsoleLoop&) = delete;
  ConsoleLoop& operator=(const ConsoleLoop&) = delete;

  // Runs `fn` on the console with the loop held off, then lets the loop look at fd() again.
  void WithLock(const std::function<void(agent::Console&)>& fn) {
    {
      std::lock_guard lock(mu_);
      fn(console_);
    }
    Kick();
  }

  // Waits until `pred` holds for the console, checked after every event the loop handles.
  bool WaitUntil(const std::function<bool(const agent::Console&)>& pred,
                 std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, deadline, [&] { return pred(console_); });
  }

  // How many times the loop called OnReadable.
  std::size_t events() {
    std::lock_guard lock(mu_);
    return events_;
  }

 private:
  void Kick() {
    const char b = 'k';
    (void)!::write(kick_[1], &b, 1);
  }

  void Loop() {
    while (true) {
      int fd = -1;
      {
        std::lock_guard lock(mu_);
        if (stop_) return;
        fd = console_.fd();
      }
      pollfd fds[2] = {{kick_[0], POLLIN, 0}, {fd, POLLIN, 0}};
      const int r = ::poll(fds, fd >= 0 ? 2 : 1, -1);
      if (r < 0) continue;
      if ((fds[0].revents & POLLIN) != 0) {
        char drain[64];
        (void)!::read(kick_[0], drain, sizeof drain);
        continue;
      }
      if (fd >= 0 && fds[1].revents != 0) {
        std::lock_guard lock(mu_);
        if (console_.fd() == fd) console_.OnReadable();
        ++events_;
        cv_.notify_all();
      }
    }
  }

  agent::Console& console_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
  int kick_[2] = {-1, -1};
  bool stop_ = false;
  std::size_t events_ = 0;
};

}  // namespace posdiag::agent::testing
