// vicc_sim — a virtual smart card for vpcd, the virtual reader driver pcscd loads from Debian's
// vsmartcard-vpcd. vpcd listens on a TCP port per reader; the card connects to it and answers
// its messages (2-byte big-endian length, then the body): a 1-byte body is a control (0 power
// off, 1 power on, 2 reset: no answer; 4: answer the ATR), a longer one is an APDU (answered
// 6D 00, instruction not supported: the tests send none). While the card is connected, pcscd
// reports a card in that reader; when it goes, the reader is empty.
//
//   vicc_sim --port PORT [--atr HEX] [--ready FILE] [--lifetime SECONDS]
//
// --ready FILE: once pcscd itself reports a card present (asked through PC/SC), FILE is created,
// so whoever started the card knows pcscd has seen it. Exits on SIGTERM or SIGINT, after
// --lifetime seconds (300 by default), or when vpcd closes the connection. Exit status 0, 64
// for a usage error, 70 when it cannot connect or pcscd never reports the card.
#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

volatile std::sig_atomic_t g_stop = 0;
void OnSignal(int) { g_stop = 1; }

struct Args {
  int port = 0;
  // A card offering T=0 and T=1: TS 3B, T0 8A (TD1, 10 historical bytes), TD1 80 (T=0, TD2),
  // TD2 01 (T=1), the historical bytes, TCK 94.
  std::vector<std::uint8_t> atr{0x3B, 0x8A, 0x80, 0x01, 0x80, 0x31, 0x80, 0x65,
                                0xB0, 0x85, 0x03, 0x00, 0xEF, 0x12, 0x94};
  std::string ready;
  std::chrono::seconds lifetime{300};
};

int Usage(const char* why) {
  std::fprintf(stderr,
               "vicc_sim: %s\nusage: vicc_sim --port PORT [--atr HEX] [--ready FILE] "
               "[--lifetime SECONDS]\n",
               why);
  return 64;
}

std::optional<std::vector<std::uint8_t>> ParseHex(std::string_view hex) {
  if (hex.empty() || hex.size() % 2 != 0 || hex.size() > 66) return std::nullopt;
  std::vector<std::uint8_t> out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const std::string pair(hex.substr(i, 2));
    char* end = nullptr;
    const long v = std::strtol(pair.c_str(), &end, 16);
    if (*end != '\0') return std::nullopt;
    out.push_back(static_cast<std::uint8_t>(v));
  }
  return out;
}

std::optional<Args> Parse(int argc, char** argv) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (i + 1 >= argc) {
      Usage("an option needs a value");
      return std::nullopt;
    }
    const std::string value = argv[++i];
    char* end = nullptr;
    if (a == "--port") {
      const long port = std::strtol(value.c_str(), &end, 10);
      if (*end != '\0' || port <= 0 || port > 65535) {
        Usage("--port needs a TCP port");
        return std::nullopt;
      }
      args.port = static_cast<int>(port);
    } else if (a == "--atr") {
      auto atr = ParseHex(value);
      if (!atr) {
        Usage("--atr needs 1 to 33 bytes in hex");
        return std::nullopt;
      }
      args.atr = std::move(*atr);
    } else if (a == "--ready") {
      args.ready = value;
    } else if (a == "--lifetime") {
      const long seconds = std::strtol(value.c_str(), &end, 10);
      if (*end != '\0' || seconds <= 0) {
        Usage("--lifetime needs a positive number");
        return std::nullopt;
      }
      args.lifetime = std::chrono::seconds(seconds);
    } else {
      Usage("unknown option");
      return std::nullopt;
    }
  }
  if (args.port == 0) {
    Usage("--port PORT is required");
    return std::nullopt;
  }
  return args;
}

// Reads exactly `size` bytes, waiting at most until `end`; false on EOF, error or time out.
bool ReadAll(int fd, std::uint8_t* out, std::size_t size, Clock::time_point end) {
  std::size_t got = 0;
  while (got < size) {
    if (g_stop != 0) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 100)));
    if (r < 0 && errno != EINTR) return false;
    if (r <= 0) continue;
    const ssize_t n = ::recv(fd, out + got, size - got, 0);
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  return true;
}

bool Send(int fd, const std::vector<std::uint8_t>& body) {
  std::vector<std::uint8_t> msg{static_cast<std::uint8_t>(body.size() >> 8),
                                static_cast<std::uint8_t>(body.size() & 0xFF)};
  msg.insert(msg.end(), body.begin(), body.end());
  std::size_t sent = 0;
  while (sent < msg.size()) {
    const ssize_t n = ::send(fd, msg.data() + sent, msg.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

int Connect(int port, Clock::time_point end) {
  while (g_stop == 0 && Clock::now() < end) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
    ::close(fd);
    // vpcd opens its port when pcscd loads it; until then there is nothing to connect to.
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return -1;
}

// Waits, through PC/SC, until some reader pcscd knows reports a card; then creates `path`.
bool WaitUntilPcscdSeesTheCard(const std::string& path, Clock::time_point end) {
  SCARDCONTEXT ctx = 0;
  bool seen = false;
  while (!seen && g_stop == 0 && Clock::now() < end) {
    if (ctx == 0 &&
        SCardEstablishContext(SCARD_SCOPE_SYSTEM, nullptr, nullptr, &ctx) != SCARD_S_SUCCESS) {
      ctx = 0;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    char names[1024];
    DWORD size = sizeof names;
    if (SCardListReaders(ctx, nullptr, names, &size) != SCARD_S_SUCCESS) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    std::vector<SCARD_READERSTATE> states;
    for (const char* p = names; p < names + size && *p != '\0';
         p += std::string_view(p).size() + 1) {
      SCARD_READERSTATE s{};
      s.szReader = p;
      s.dwCurrentState = SCARD_STATE_UNAWARE;
      states.push_back(s);
    }
    // The first call returns the state as it is; later ones wait for a change (up to 200 ms).
    for (int round = 0; round < 2 && !seen; ++round) {
      if (SCardGetStatusChange(ctx, round == 0 ? 0 : 200, states.data(),
                               static_cast<DWORD>(states.size())) != SCARD_S_SUCCESS) {
        break;
      }
      for (auto& s : states) {
        if ((s.dwEventState & SCARD_STATE_PRESENT) != 0) seen = true;
        s.dwCurrentState = s.dwEventState & ~SCARD_STATE_CHANGED;
      }
    }
  }
  if (ctx != 0) SCardReleaseContext(ctx);
  if (!seen) return false;
  const std::string tmp = path + ".tmp";
  std::ofstream(tmp) << "ready\n";
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = Parse(argc, argv);
  if (!args) return 64;
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);
  const auto end = Clock::now() + args->lifetime;
  const int fd = Connect(args->port, end);
  if (fd < 0) {
    std::fprintf(stderr, "vicc_sim: cannot connect to vpcd on port %d\n", args->port);
    return 70;
  }
  std::atomic<bool> ready_failed{false};
  std::thread ready;
  if (!args->ready.empty()) {
    ready = std::thread([&] {
      if (!WaitUntilPcscdSeesTheCard(args->ready, Clock::now() + std::chrono::seconds(10))) {
        std::fprintf(stderr, "vicc_sim: pcscd did not report the card within 10 s\n");
        ready_failed = true;
      }
    });
  }
  while (g_stop == 0 && !ready_failed) {
    std::uint8_t header[2];
    if (!ReadAll(fd, header, 2, end)) break;
    const std::size_t size = (std::size_t{header[0]} << 8) | header[1];
    std::vector<std::uint8_t> body(size);
    if (size > 0 && !ReadAll(fd, body.data(), size, end)) break;
    if (size == 1) {
      if (body[0] == 4 && !Send(fd, args->atr)) break;
      continue;  // power off, power on, reset: no answer
    }
    if (!Send(fd, {0x6D, 0x00})) break;
  }
  ::close(fd);
  if (ready.joinable()) ready.join();
  return ready_failed ? 70 : 0;
}
