#include "tests/sim/pty_sim.h"

#include <pty.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace posdiag::sim {

volatile std::sig_atomic_t g_stop = 0;

namespace {

void OnSignal(int) { g_stop = 1; }

}  // namespace

int UsageError(const char* program, const char* why) {
  std::fprintf(stderr, "%s: %s\nusage: %s --link PATH [--mode MODE] [--lifetime SECONDS]\n",
               program, why, program);
  return 64;
}

std::optional<PtySimArgs> ParsePtySimArgs(const char* program, int argc, char** argv) {
  PtySimArgs args;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) {
      UsageError(program, "an option needs a value");
      return std::nullopt;
    }
    if (a == "--link") {
      args.link = argv[++i];
    } else if (a == "--mode") {
      args.mode = argv[++i];
    } else if (a == "--capture") {
      args.capture = argv[++i];
    } else if (a == "--received") {
      args.received = argv[++i];
    } else if (a == "--lifetime") {
      char* end = nullptr;
      const long seconds = std::strtol(argv[++i], &end, 10);
      if (*end != '\0' || seconds <= 0) {
        UsageError(program, "--lifetime needs a positive number");
        return std::nullopt;
      }
      args.lifetime = std::chrono::seconds(seconds);
    } else {
      UsageError(program, "unknown option");
      return std::nullopt;
    }
  }
  if (args.link.empty()) {
    UsageError(program, "--link PATH is required");
    return std::nullopt;
  }
  return args;
}

std::optional<LinkedPty> OpenLinkedPty(const char* program, const std::string& link) {
  LinkedPty pty;
  if (::openpty(&pty.master, &pty.slave, nullptr, nullptr, nullptr) != 0) {
    std::fprintf(stderr, "%s: openpty: %s\n", program, std::strerror(errno));
    return std::nullopt;
  }
  termios tio{};
  ::tcgetattr(pty.slave, &tio);
  ::cfmakeraw(&tio);
  ::tcsetattr(pty.slave, TCSANOW, &tio);
  const char* slave_name = ::ttyname(pty.slave);
  if (slave_name == nullptr) {
    std::fprintf(stderr, "%s: ttyname: %s\n", program, std::strerror(errno));
    return std::nullopt;
  }
  const std::string tmp = link + ".tmp" + std::to_string(::getpid());
  ::unlink(tmp.c_str());
  if (::symlink(slave_name, tmp.c_str()) != 0 || ::rename(tmp.c_str(), link.c_str()) != 0) {
    std::fprintf(stderr, "%s: link %s: %s\n", program, link.c_str(), std::strerror(errno));
    ::unlink(tmp.c_str());
    return std::nullopt;
  }
  struct sigaction sa {};
  sa.sa_handler = OnSignal;
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  return pty;
}

bool WriteAll(int fd, const void* bytes, std::size_t size) {
  const auto* p = static_cast<const char*>(bytes);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return false;
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

}  // namespace posdiag::sim
