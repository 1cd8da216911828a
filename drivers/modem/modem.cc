#include "drivers/modem/modem.h"

#include <algorithm>
#include <array>
#include <cstdint>

namespace posdiag::drivers::modem {
namespace {

// Replies to these queries are a few hundred bytes; ATI on a chatty modem perhaps a kilobyte.
constexpr std::size_t kMaxReplyBytes = 4096;
// After a start-up line (RDY) the answer is waited for this long at most: a modem that was only
// finishing its start-up answers at once, one that restarted never answers what it was asked
// before.
constexpr std::chrono::milliseconds kAfterStartupLine{500};

io::Deadline Earlier(io::Deadline a, std::chrono::milliseconds timeout) {
  const auto own = std::chrono::steady_clock::now() + timeout;
  return io::Deadline(std::min(a.at(), own));
}

std::string Ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

}  // namespace

Result<AtReply> AtChannel::Command(std::string_view command, io::Deadline deadline) {
  last_bytes_ = 0;
  restarted_ = false;
  const auto started = std::chrono::steady_clock::now();
  if (auto r = port_.DiscardInput(); !r) return r.error();
  std::string line(command);
  line += '\r';
  const std::span<const std::uint8_t> out(reinterpret_cast<const std::uint8_t*>(line.data()),
                                          line.size());
  if (auto r = port_.Write(out, deadline); !r) return r.error();

  std::string received;
  std::array<std::uint8_t, 256> buf{};
  io::Deadline wait = deadline;
  bool startup_seen = false;
  while (true) {
    auto n = port_.Read(buf, wait);
    if (!n) return n.error();
    received.append(reinterpret_cast<const char*>(buf.data()), *n);
    last_bytes_ = received.size();
    if (auto reply = ScanReply(command, received)) return *reply;
    if (received.size() > kMaxReplyBytes) {
      return Error{ErrorKind::kParse,
                   "more than " + std::to_string(kMaxReplyBytes) + " bytes without a final result"};
    }
    if (!startup_seen && HasStartupLine(received)) {
      startup_seen = true;
      wait = Earlier(wait, kAfterStartupLine);
    }
    if (*n == 0 && wait.Expired()) break;
  }
  const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  if (received.empty()) return Error{ErrorKind::kTimeout, "no reply within " + Ms(waited)};
  if (startup_seen) {
    // Noise often comes first, from the modem's UART while it resets.
    restarted_ = true;
    return Error{
        ErrorKind::kTimeout,
        "no reply: the modem restarted (it sent its start-up line) and dropped the command"};
  }
  if (LooksLikeNoise(received)) {
    return Error{ErrorKind::kParse, std::to_string(received.size()) +
                                        " bytes that are not an AT reply (wrong baud rate?)"};
  }
  return Error{ErrorKind::kTimeout, "reply not finished within " + Ms(waited) + " (" +
                                        std::to_string(received.size()) + " bytes)"};
}

ModemReading QueryModem(io::SerialPort& port, io::Deadline deadline, std::stop_token stop) {
  ModemReading r;
  AtChannel at(port);
  auto note_cme = [&](const Result<AtReply>& reply) {
    if (reply && reply->result == FinalResult::kCmeError) {
      r.cme_code = reply->cme_code;
      r.cme_text = reply->cme_text;
    }
  };
  auto out_of_time = [&]() { return deadline.Expired() || stop.stop_requested(); };

  std::vector<std::string> tries;
  for (int i = 0; i < kProbeTries && !out_of_time(); ++i) {
    auto reply = at.Command("AT", Earlier(deadline, kProbeTimeout));
    if (reply) {
      r.responds = true;
      break;
    }
    if (at.last_bytes() > 0) r.garbled = true;
    tries.push_back(reply.error().detail);
    if (reply.error().kind != ErrorKind::kTimeout && reply.error().kind != ErrorKind::kParse) {
      r.no_answer = reply.error().Context("AT");
      r.connection_lost = true;
      return r;  // the port itself failed; more tries will not help
    }
  }
  if (!r.responds) {
    std::string why = "AT: ";
    if (tries.empty()) {
      why += "no time left to ask";
    } else {
      why +=
          std::to_string(tries.size()) + (tries.size() == 1 ? " try: " : " tries: ") + tries.back();
    }
    r.no_answer = Error{ErrorKind::kTimeout, why};
    return r;
  }

  // Once the dialogue is cut (the port failed, the modem restarted), why; nothing more is asked.
  std::string cut;
  auto not_asked = [&]() -> std::optional<Error> {
    if (!cut.empty()) return Error{ErrorKind::kTimeout, "not asked: " + cut};
    if (out_of_time()) return Error{ErrorKind::kTimeout, "not asked: the probe's deadline passed"};
    return std::nullopt;
  };
  auto send = [&](std::string_view command, std::chrono::milliseconds timeout) {
    auto reply = at.Command(command, Earlier(deadline, timeout));
    if (reply) return reply;
    const ErrorKind kind = reply.error().kind;
    if (at.restarted()) {
      r.restarted = true;
      cut = "the modem restarted during " + std::string(command);
    } else if (kind != ErrorKind::kTimeout && kind != ErrorKind::kParse) {
      r.connection_lost = true;
      cut = "the connection to the modem was lost during " + std::string(command);
    }
    return reply;
  };

  // Each query: its own timeout, within the caller's deadline; the rest stay "not asked".
  auto ask = [&](std::string_view command, std::chrono::milliseconds timeout) -> Result<AtReply> {
    if (auto why = not_asked()) return *why;
    auto reply = send(command, timeout);
    note_cme(reply);
    if (!reply) return reply.error().Context(command);
    return reply;
  };
  auto in = [](std::string_view command, const auto& parsed) {
    using T = std::decay_t<decltype(parsed.value())>;
    if (parsed) return Result<T>(parsed.value());
    if (parsed.error().detail.starts_with(command)) return Result<T>(parsed.error());
    return Result<T>(parsed.error().Context(command));
  };

  // The settings: each answered OK, or why not. Their errors are not the modem's last
  // +CME ERROR about the terminal, so they are not noted as one.
  auto set = [&](std::string_view command) -> Result<void> {
    if (auto why = not_asked()) return *why;
    auto reply = send(command, kSettingTimeout);
    if (!reply) return reply.error().Context(command);
    // Refused: the modem does not support the setting (kUnsupported, whatever error it gave).
    if (auto ok = ExpectOk(*reply); !ok) {
      return Error{ErrorKind::kUnsupported, ok.error().Context(command).detail};
    }
    return Ok();
  };
  r.echo_off = set("ATE0");
  r.numeric_errors = set("AT+CMEE=1");

  if (auto reply = ask("ATI", kIdentityTimeout)) {
    r.identity = in("ATI", ParseIdentity(*reply));
  } else {
    r.identity = reply.error();
  }
  if (auto reply = ask("AT+CPIN?", kSimTimeout)) {
    r.sim_status = in("AT+CPIN?", ParseCpin(*reply));
    r.sim_state_unknown = !r.sim_status && reply->result != FinalResult::kOk;
    if (reply->result == FinalResult::kError && !r.numeric_errors) {
      r.sim_status = Error{ErrorKind::kUnsupported,
                           "AT+CPIN?: the modem answered ERROR, naming no cause (it gives no "
                           "error codes: AT+CMEE=1 was not accepted)"};
    }
  } else {
    r.sim_status = reply.error();
  }
  if (auto reply = ask("AT+CSQ", kSignalTimeout)) {
    r.signal = in("AT+CSQ", ParseCsq(*reply));
  } else {
    r.signal = reply.error();
  }
  if (auto reply = ask("AT+CREG?", kRegistrationTimeout)) {
    r.creg = in("AT+CREG?", ParseRegistration(*reply, "+CREG"));
  } else {
    r.creg = reply.error();
  }
  if (auto reply = ask("AT+CEREG?", kRegistrationTimeout)) {
    r.cereg = in("AT+CEREG?", ParseRegistration(*reply, "+CEREG"));
  } else {
    r.cereg = reply.error();
  }
  if (auto reply = ask("AT+COPS?", kOperatorTimeout)) {
    r.op = in("AT+COPS?", ParseCops(*reply));
  } else {
    r.op = reply.error();
  }
  return r;
}

}  // namespace posdiag::drivers::modem
