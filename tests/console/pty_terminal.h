// The engineer's end of the serial cable, for console tests: a pseudo-terminal whose slave is
// reached through a link (as `[console] port` names it, like socat's link=), with a thread that
// keeps reading what the console sends so a long reply never stalls unless the test says so.
// Waiting is on the bytes themselves, under a deadline: never a sleep.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>

namespace posdiag::agent::testing {

class PtyTerminal {
 public:
  // Opens a master, links `link` to its slave and starts reading.
  explicit PtyTerminal(const std::filesystem::path& link) {
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0) {
      throw std::runtime_error("posix_openpt failed");
    }
    slave_name_ = ::ptsname(master_);
    // A spare slave descriptor that nobody reads keeps the master from seeing a hangup while
    // the console has its end closed (between a drop and the reopen).
    spare_ = ::open(slave_name_.c_str(), O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (spare_ < 0) throw std::runtime_error("cannot open " + slave_name_);
    termios tio{};
    ::tcgetattr(spare_, &tio);
    ::cfmakeraw(&tio);
    ::tcsetattr(spare_, TCSANOW, &tio);
    std::error_code ec;
    std::filesystem::remove(link, ec);
    std::filesystem::create_symlink(slave_name_, link);
    if (::pipe2(stop_, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    StartReading();
  }
  // Takes over the master of a terminal someone else made (forkpty for a program under test):
  // reads what the program shows, types what a person would.
  static std::unique_ptr<PtyTerminal> Adopt(int master) {
    return std::unique_ptr<PtyTerminal>(new PtyTerminal(master, Adopted{}));
  }
  ~PtyTerminal() {
    StopReading();
    Close();
    ::close(stop_[0]);
    ::close(stop_[1]);
  }
  PtyTerminal(const PtyTerminal&) = delete;
  PtyTerminal& operator=(const PtyTerminal&) = delete;

  const std::string& slave_name() const { return slave_name_; }
  int master() const { return master_; }

  void Type(std::string_view bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(master_, bytes.data() + done, bytes.size() - done);
      if (n < 0) {
        if (errno == EINTR || errno == EAGAIN) continue;
        throw std::runtime_error("write to the master failed");
      }
      done += static_cast<std::size_t>(n);
    }
  }

  // Everything received up to and including the first `marker` after what was taken before;
  // nullopt when it has not come by the deadline (what came stays for the next call).
  std::optional<std::string> ReadUntil(
      std::string_view marker, std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
    std::unique_lock lock(mu_);
    std::size_t at = std::string::npos;
    const bool found = cv_.wait_for(lock, deadline, [&] {
      at = received_.find(marker);
      return at != std::string::npos;
    });
    if (!found) return std::nullopt;
    std::string out = received_.substr(0, at + marker.size());
    received_.erase(0, at + marker.size());
    return out;
  }

  // Waits until at least `bytes` have arrived (and leaves them).
  bool WaitForBytes(std::size_t bytes, std::chrono::milliseconds deadline) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, deadline, [&] { return received_.size() >= bytes; });
  }

  std::string TakeAll() {
    std::lock_guard lock(mu_);
    std::string out;
    out.swap(received_);
    return out;
  }

  // The terminal stops reading: the console's replies pile up in the pty until its writes stall.
  void StopReading() {
    if (!reader_.joinable()) return;
    const char b = 'x';
    (void)!::write(stop_[1], &b, 1);
    reader_.join();
    char drain = 0;
    (void)!::read(stop_[0], &drain, 1);
  }

  void ResumeReading() {
    if (!reader_.joinable() && master_ >= 0) StartReading();
  }

  // Waits for any of `markers`, as ReadUntil does for one (replies end at one of the prompts).
  std::optional<std::string> ReadUntilAny(
      std::initializer_list<std::string_view> markers,
      std::chrono::milliseconds deadline = std::chrono::seconds(20)) {
    std::unique_lock lock(mu_);
    std::size_t end = std::string::npos;
    const bool found = cv_.wait_for(lock, deadline, [&] {
      end = std::string::npos;
      for (const auto m : markers) {
        const std::size_t at = received_.find(m);
        if (at != std::string::npos) end = std::min(end, at + m.size());
      }
      return end != std::string::npos;
    });
    if (!found) return std::nullopt;
    std::string out = received_.substr(0, end);
    received_.erase(0, end);
    return out;
  }

  // The cable is pulled: both of the terminal's ends close, so the console sees a hangup.
  void Close() {
    StopReading();
    if (spare_ >= 0) ::close(spare_);
    if (master_ >= 0) ::close(master_);
    spare_ = master_ = -1;
  }

 private:
  struct Adopted {};
  PtyTerminal(int master, Adopted) : master_(master) {
    if (::pipe2(stop_, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
    StartReading();
  }

  void StartReading() {
    reader_ = std::thread([this] {
      char buffer[4096];
      while (true) {
        pollfd fds[2] = {{master_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
          if (errno == EINTR) continue;
          return;
        }
        if ((fds[1].revents & POLLIN) != 0) return;
        if ((fds[0].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        const ssize_t n = ::read(master_, buffer, sizeof buffer);
        if (n <= 0) {
          if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
          return;
        }
        std::lock_guard lock(mu_);
        received_.append(buffer, static_cast<std::size_t>(n));
        cv_.notify_all();
      }
    });
  }

  int master_ = -1;
  int spare_ = -1;
  int stop_[2] = {-1, -1};
  std::string slave_name_;
  std::thread reader_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string received_;
};

}  // namespace posdiag::agent::testing
