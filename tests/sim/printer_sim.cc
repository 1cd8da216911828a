// printer_sim — a simulated ESC/POS receipt printer on a pseudo-terminal, for the simulated
// terminal and the printer probe's tests. It links the pseudo-terminal's slave to PATH (as a
// serial printer's /dev/ttyS1) and answers DLE EOT n (10 04 n) with the status byte a printer in
// MODE would send; every other byte is swallowed, as a printer buffers print data.
//
//   printer_sim --link PATH [--mode MODE] [--lifetime SECONDS]
//
// Modes: healthy, paper-end, near-end, cover-open, cutter-error, overheated, silent, garbage
// (bytes that fail the status bit check, as at a wrong baud rate), unplug (answers the first
// query, then closes the pseudo-terminal when the second arrives, as a cable pulled mid-query).
// It exits on SIGTERM or SIGINT, after --lifetime seconds (300 by default), or after unplugging;
// it removes PATH on exit. Exit status 0, or 64 for a usage error, 70 when the pseudo-terminal
// cannot be set up.
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
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

namespace {

volatile std::sig_atomic_t g_stop = 0;

void OnSignal(int) { g_stop = 1; }

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

bool WriteAll(int fd, const std::uint8_t* bytes, std::size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, bytes, size);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return false;
    }
    bytes += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

int Usage(const char* why) {
  std::fprintf(stderr,
               "printer_sim: %s\nusage: printer_sim --link PATH [--mode MODE] [--lifetime "
               "SECONDS]\n",
               why);
  return 64;
}

}  // namespace

int main(int argc, char** argv) {
  std::string link;
  std::string mode_name = "healthy";
  long lifetime_s = 300;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) return Usage("an option needs a value");
    if (a == "--link") {
      link = argv[++i];
    } else if (a == "--mode") {
      mode_name = argv[++i];
    } else if (a == "--lifetime") {
      char* end = nullptr;
      lifetime_s = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || lifetime_s <= 0) return Usage("--lifetime needs a positive number");
    } else {
      return Usage("unknown option");
    }
  }
  if (link.empty()) return Usage("--link PATH is required");
  Mode mode;
  if (!MakeMode(mode_name, mode)) return Usage("unknown mode");

  int master = -1;
  int slave = -1;
  if (::openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) {
    std::perror("printer_sim: openpty");
    return 70;
  }
  // Raw, so the line discipline passes 0x10, 0x11 and 0x13 through untouched. The slave stays open
  // here so the master never sees a hang-up between the probe's opens.
  termios tio{};
  ::tcgetattr(slave, &tio);
  ::cfmakeraw(&tio);
  ::tcsetattr(slave, TCSANOW, &tio);
  const char* slave_name = ::ttyname(slave);
  if (slave_name == nullptr) {
    std::perror("printer_sim: ttyname");
    return 70;
  }
  const std::string tmp = link + ".tmp" + std::to_string(::getpid());
  ::unlink(tmp.c_str());
  if (::symlink(slave_name, tmp.c_str()) != 0 || ::rename(tmp.c_str(), link.c_str()) != 0) {
    std::perror("printer_sim: link");
    ::unlink(tmp.c_str());
    return 70;
  }

  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(lifetime_s);
  int state = 0;  // 0 idle, 1 after DLE, 2 after DLE EOT
  int answered = 0;
  bool unplugged = false;
  while (g_stop == 0 && !unplugged && std::chrono::steady_clock::now() < end) {
    pollfd p{master, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    std::uint8_t buf[256];
    const ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) continue;
    for (ssize_t i = 0; i < n && !unplugged; ++i) {
      const std::uint8_t c = buf[i];
      if (state == 1 && c == 0x04) {
        state = 2;
        continue;
      }
      if (state == 2 && c >= 1 && c <= 4) {
        state = 0;
        if (mode.silent) continue;
        if (mode.garbage) {
          static constexpr std::uint8_t kNoise[] = {0x00, 0xFF, 0x81};
          WriteAll(master, kNoise, sizeof kNoise);
          continue;
        }
        if (mode.unplug && answered >= 1) {
          unplugged = true;  // the cable comes out before this reply
          break;
        }
        WriteAll(master, &mode.status[c - 1], 1);
        ++answered;
        continue;
      }
      state = c == 0x10 ? 1 : 0;
    }
  }
  ::unlink(link.c_str());
  // Closing both ends hangs the line up: the probe's next read sees it gone.
  ::close(slave);
  ::close(master);
  return 0;
}
