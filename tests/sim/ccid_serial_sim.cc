// ccid_serial_sim — a simulated serial (RS-232) CCID card reader, GemPC Twin-style, on a
// pseudo-terminal, for the simulated terminal and the card reader probe's tests. It links the
// pseudo-terminal's slave to PATH (as the reader's /dev/ttyS2) and answers framed CCID commands
// (SYNC 0x03, ACK 0x06, the message, LRC = XOR of the bytes before it), as libccid's serial
// driver expects: it echoes each command frame first, as a GemPC Twin does; a frame with a wrong
// LRC gets a NAK (03 15 16).
//
//   ccid_serial_sim --link PATH [--mode MODE] [--lifetime SECONDS] [--received FILE]
//
// With --received, every byte it reads is appended to FILE: its size is what reached the reader.
//
// Modes: healthy (a card is inserted: GetSlotStatus says present and inactive, IccPowerOn gives
// a T=0 ATR, IccPowerOff powers it down; a card movement notice 50 03 precedes the first reply),
// no-card (the slot is empty), silent (reads every byte, answers nothing: a reader switched off
// or at another baud rate), garbage (answers each command with bytes that are no frame).
// Other commands get a failed SlotStatus with bError CMD_NOT_SUPPORTED. Exits on SIGTERM or
// SIGINT or after --lifetime seconds (300 by default) and removes PATH; exit status 0, 64 for a
// usage error, 70 when the pseudo-terminal cannot be set up.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "tests/sim/pty_sim.h"

namespace {

namespace sim = posdiag::sim;
using Bytes = std::vector<std::uint8_t>;

constexpr std::uint8_t kSync = 0x03;
constexpr std::uint8_t kAck = 0x06;
// A T=0 ATR: TS 3B, T0 02 (no interface bytes, two historical bytes), no TCK.
const Bytes kAtr = {0x3B, 0x02, 0x14, 0x50};

struct Mode {
  bool card = true;
  bool silent = false;
  bool garbage = false;
};

bool MakeMode(std::string_view name, Mode& m) {
  if (name == "healthy") return true;
  if (name == "no-card") {
    m.card = false;
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
  return false;
}

Bytes Frame(const Bytes& message) {
  Bytes f = {kSync, kAck};
  f.insert(f.end(), message.begin(), message.end());
  std::uint8_t lrc = 0;
  for (std::uint8_t b : f) lrc ^= b;
  f.push_back(lrc);
  return f;
}

// A reply header: type, dwLength, slot, seq, bStatus, bError, byte 9; then the data.
Bytes Reply(std::uint8_t type, std::uint8_t slot, std::uint8_t seq, std::uint8_t status,
            std::uint8_t error, const Bytes& data = {}) {
  const auto n = static_cast<std::uint32_t>(data.size());
  Bytes m = {type,
             static_cast<std::uint8_t>(n),
             static_cast<std::uint8_t>(n >> 8),
             static_cast<std::uint8_t>(n >> 16),
             static_cast<std::uint8_t>(n >> 24),
             slot,
             seq,
             status,
             error,
             0};
  m.insert(m.end(), data.begin(), data.end());
  return m;
}

class Reader {
 public:
  explicit Reader(const Mode& mode) : mode_(mode) {}

  // What the reader sends back for the bytes it has received so far.
  Bytes Take(const std::uint8_t* bytes, std::size_t n) {
    in_.insert(in_.end(), bytes, bytes + n);
    Bytes out;
    for (;;) {
      while (!in_.empty() && in_.front() != kSync) in_.erase(in_.begin());  // resynchronise
      if (in_.size() < 7) return out;
      const std::uint32_t length = in_[3] | in_[4] << 8 | in_[5] << 16 | in_[6] << 24;
      if (length > 261) {  // not a command this reader takes: drop the SYNC and look again
        in_.erase(in_.begin());
        continue;
      }
      const std::size_t total = 2 + 10 + length + 1;
      if (in_.size() < total) return out;
      const Bytes frame(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(total));
      in_.erase(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(total));
      if (mode_.silent) continue;
      if (mode_.garbage) {
        out.insert(out.end(), {0x00, 0xFF, 0x81, 0x42});
        continue;
      }
      std::uint8_t lrc = 0;
      for (std::uint8_t b : frame) lrc ^= b;
      if (lrc != 0 || frame[1] != kAck) {  // the LRC makes the XOR of a whole frame zero
        out.insert(out.end(), {kSync, 0x15, kSync ^ 0x15});
        continue;
      }
      out.insert(out.end(), frame.begin(), frame.end());  // the echo
      if (mode_.card && !notified_) {
        out.insert(out.end(), {0x50, 0x03});
        notified_ = true;
      }
      const Bytes reply = Answer(frame[2], frame[7], frame[8]);
      const Bytes framed = Frame(reply);
      out.insert(out.end(), framed.begin(), framed.end());
    }
  }

 private:
  Bytes Answer(std::uint8_t type, std::uint8_t slot, std::uint8_t seq) {
    // bStatus: bits 0-1 the card (0 active, 1 inactive, 2 absent), bits 6-7 the command result.
    const std::uint8_t icc = !mode_.card ? 2 : (powered_ ? 0 : 1);
    switch (type) {
      case 0x65:  // GetSlotStatus
        return Reply(0x81, slot, seq, icc, 0);
      case 0x62:                                                         // IccPowerOn
        if (!mode_.card) return Reply(0x80, slot, seq, 0x40 | 2, 0xFE);  // ICC_MUTE
        powered_ = true;
        return Reply(0x80, slot, seq, 0, 0, kAtr);
      case 0x63:  // IccPowerOff
        powered_ = false;
        return Reply(0x81, slot, seq, !mode_.card ? 2 : 1, 0);
      default:
        return Reply(0x81, slot, seq, 0x40 | icc, 0x00);  // CMD_NOT_SUPPORTED
    }
  }

  Mode mode_;
  Bytes in_;
  bool powered_ = false;
  bool notified_ = false;
};

}  // namespace

int main(int argc, char** argv) {
  const auto args = sim::ParsePtySimArgs("ccid_serial_sim", argc, argv);
  if (!args) return 64;
  Mode mode;
  if (!MakeMode(args->mode, mode)) return sim::UsageError("ccid_serial_sim", "unknown mode");
  const auto pty = sim::OpenLinkedPty("ccid_serial_sim", args->link);
  if (!pty) return 70;
  int received = -1;
  if (!args->received.empty()) {
    received = ::open(args->received.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (received < 0) {
      std::perror("ccid_serial_sim: --received");
      return 70;
    }
  }
  Reader reader(mode);
  const auto end = std::chrono::steady_clock::now() + args->lifetime;
  while (sim::g_stop == 0 && std::chrono::steady_clock::now() < end) {
    pollfd p{pty->master, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    std::uint8_t buf[256];
    const ssize_t n = ::read(pty->master, buf, sizeof buf);
    if (n <= 0) continue;
    if (received >= 0) sim::WriteAll(received, buf, static_cast<std::size_t>(n));
    const Bytes out = reader.Take(buf, static_cast<std::size_t>(n));
    if (!out.empty()) sim::WriteAll(pty->master, out.data(), out.size());
  }
  if (received >= 0) ::close(received);
  ::unlink(args->link.c_str());
  ::close(pty->slave);
  ::close(pty->master);
  return 0;
}
