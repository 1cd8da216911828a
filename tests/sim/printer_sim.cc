// printer_sim — a simulated ESC/POS receipt printer on a pseudo-terminal, for the simulated
// terminal and the printer probe's tests. It links the pseudo-terminal's slave to PATH (as a
// serial printer's /dev/ttyS1) and answers DLE EOT n (10 04 n) with the status byte a printer in
// MODE would send; every other byte is swallowed, as a printer buffers print data.
//
//   printer_sim --link PATH [--mode MODE] [--lifetime SECONDS] [--capture FILE] [--received FILE]
//
// With --capture, every byte it takes that is not a status query (what would be printed: a slip,
// a test slip) is appended to FILE as it arrives, for a test to read back. With --received, every
// byte it reads, status queries included, is appended to FILE: its size is what reached the
// printer.
// Modes: healthy, paper-end, near-end, cover-open, cutter-error, overheated, silent, garbage
// (bytes that fail the status bit check, as at a wrong baud rate), unplug (answers the first
// query, then closes the pseudo-terminal when the second arrives, as a cable pulled mid-query).
// Replies are paced as on a real serial line: a pseudo-terminal carries bytes at once whatever
// baud rate is set, so before each reply printer_sim waits for the time the query and the reply
// would take on the wire at the rate, parity and stop bits the probe set on the line (9600 baud
// 8N1: 1.04 ms a byte). It exits on SIGTERM or SIGINT, after --lifetime seconds (300 by default),
// or after unplugging; it removes PATH on exit. Exit status 0, or 64 for a usage error, 70 when the
// pseudo-terminal cannot be set up.
#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "tests/sim/pty_sim.h"

namespace {

namespace sim = posdiag::sim;

struct Mode {
  std::array<std::uint8_t, 4> status{0x12, 0x12, 0x12, 0x12};  // reply to DLE EOT 1..4
  bool silent = false;
  bool garbage = false;
  bool unplug = false;
};

// Status bytes per Epson's DLE EOT tables; 0x12 is all clear, 0x08 on n=1 is offline.
bool MakeMode(std::string_view name, Mode& m) {
  if (name == "healthy") return true;
  if (name == "paper-end") {
    m.status = {0x1A, 0x32, 0x12, 0x7E};  // offline; stopped by paper end; sensor: none, near end
    return true;
  }
  if (name == "near-end") {
    m.status = {0x12, 0x12, 0x12, 0x1E};
    return true;
  }
  if (name == "cover-open") {
    // The open cover also uncovers the paper sensor, which then reads "no paper".
    m.status = {0x1A, 0x16, 0x12, 0x72};
    return true;
  }
  if (name == "cutter-error") {
    m.status = {0x1A, 0x52, 0x1A, 0x12};
    return true;
  }
  if (name == "overheated") {
    m.status = {0x1A, 0x52, 0x52, 0x12};
    return true;
  }
  if (name == "silent") {
    m.silent = true;
    return true;
  }
  if (name == "garbage") {
    m.garbage = true;
    return true;
  }
  if (name == "unplug") {
    m.unplug = true;
    return true;
  }
  return false;
}

int BaudOf(speed_t speed) {
  static constexpr std::pair<speed_t, int> kRates[] = {
      {B300, 300},       {B600, 600},       {B1200, 1200},    {B2400, 2400},   {B4800, 4800},
      {B9600, 9600},     {B19200, 19200},   {B38400, 38400},  {B57600, 57600}, {B115200, 115200},
      {B230400, 230400}, {B460800, 460800}, {B921600, 921600}};
  for (const auto& [code, baud] : kRates) {
    if (code == speed) return baud;
  }
  return 0;
}

// How long `bytes` take on the line as the probe set it up (start bit, 5-8 data bits, parity,
// 1 or 2 stop bits); zero when the rate is not a standard one.
std::chrono::microseconds WireTime(int slave, std::size_t bytes) {
  termios t{};
  if (::tcgetattr(slave, &t) != 0) return std::chrono::microseconds(0);
  const int baud = BaudOf(::cfgetospeed(&t));
  if (baud == 0) return std::chrono::microseconds(0);
  const tcflag_t size = t.c_cflag & CSIZE;
  const int data = size == CS5 ? 5 : size == CS6 ? 6 : size == CS7 ? 7 : 8;
  const int bits =
      1 + data + ((t.c_cflag & PARENB) != 0 ? 1 : 0) + ((t.c_cflag & CSTOPB) != 0 ? 2 : 1);
  return std::chrono::microseconds(static_cast<long>(bytes) * bits * 1'000'000 / baud);
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = sim::ParsePtySimArgs("printer_sim", argc, argv);
  if (!args) return 64;
  const std::string& link = args->link;
  Mode mode;
  if (!MakeMode(args->mode, mode)) return sim::UsageError("printer_sim", "unknown mode");
  const auto pty = sim::OpenLinkedPty("printer_sim", link);
  if (!pty) return 70;
  const int master = pty->master;
  const int slave = pty->slave;
  int capture = -1;
  if (!args->capture.empty()) {
    capture = ::open(args->capture.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (capture < 0) {
      std::perror("printer_sim: --capture");
      return 70;
    }
  }
  int received = -1;
  if (!args->received.empty()) {
    received = ::open(args->received.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (received < 0) {
      std::perror("printer_sim: --received");
      return 70;
    }
  }
  // What the printer takes to print, unless it is a status query.
  const auto take = [capture](const std::uint8_t* bytes, std::size_t n) {
    if (capture >= 0 && n > 0) sim::WriteAll(capture, bytes, n);
  };
  static constexpr std::uint8_t kDleEot[] = {0x10, 0x04};

  const auto end = std::chrono::steady_clock::now() + args->lifetime;
  int state = 0;  // 0 idle, 1 after DLE, 2 after DLE EOT
  int answered = 0;
  bool unplugged = false;
  while (sim::g_stop == 0 && !unplugged && std::chrono::steady_clock::now() < end) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    std::uint8_t buf[256];
    const ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) continue;
    if (received >= 0) sim::WriteAll(received, buf, static_cast<std::size_t>(n));
    for (ssize_t i = 0; i < n && !unplugged; ++i) {
      const std::uint8_t c = buf[i];
      if (state == 1 && c == 0x04) {
        state = 2;
        continue;
      }
      if (state == 1 || (state == 2 && !(c >= 1 && c <= 4))) {
        take(kDleEot, static_cast<std::size_t>(state));  // not a query after all
      }
      if (state == 2 && c >= 1 && c <= 4) {
        state = 0;
        if (mode.silent) continue;
        if (mode.garbage) {
          static constexpr std::uint8_t kNoise[] = {0x00, 0xFF, 0x81};
          std::this_thread::sleep_for(WireTime(slave, 3 + sizeof kNoise));
          sim::WriteAll(master, kNoise, sizeof kNoise);
          continue;
        }
        if (mode.unplug && answered >= 1) {
          unplugged = true;  // the cable comes out before this reply
          break;
        }
        std::this_thread::sleep_for(WireTime(slave, 3 + 1));  // the query, then the reply
        sim::WriteAll(master, &mode.status[c - 1], 1);
        ++answered;
        continue;
      }
      state = c == 0x10 ? 1 : 0;
      if (state == 0) take(&c, 1);
    }
  }
  if (capture >= 0) ::close(capture);
  if (received >= 0) ::close(received);
  ::unlink(link.c_str());
  // Closing both ends hangs the line up: the probe's next read sees it gone.
  ::close(slave);
  ::close(master);
  return 0;
}
