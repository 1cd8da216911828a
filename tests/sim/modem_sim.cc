// modem_sim — a simulated cellular modem on a pseudo-terminal, for the simulated terminal and the
// modem probe's tests. It links the pseudo-terminal's slave to PATH (as udev links
// /dev/ttyUSB2) and answers AT commands as a modem in MODE would, with echo on as modems start
// (ATE0 turns it off) and errors as AT+CMEE says: a bare ERROR (0), +CME ERROR: <n> (1) or
// +CME ERROR: <text> (2).
//
//   modem_sim --link PATH [--mode MODE] [--lifetime SECONDS]
//
// Modes: healthy, no-sim, sim-pin, not-registered, denied, weak-signal, silent, garbage (all with
// AT+CMEE=1 from the start), and two modems without a SIM that start with AT+CMEE=0, as many
// Quectel, SIMCom and Fibocom modules do, and send the URCs of their start-up (RDY, +CPIN: NOT
// INSERTED) between the first replies: cmee-off-no-sim answers AT+CPIN? with a bare ERROR until
// it is sent AT+CMEE=1, then with +CME ERROR: 10; cmee-refused-no-sim refuses AT+CMEE=<n> and so
// only ever says ERROR.
// Two modems reset while AT+CSQ is outstanding, once, and drop it: reset-usb leaves the bus (the
// pseudo-terminal is closed, so the port hangs up, and PATH is removed) and comes back 300 ms
// later as a new device at PATH, which says RDY; reset-uart stays on its line and sends noise,
// then RDY. Both start again with echo on and AT+CMEE=0, as after a power-up.
// It exits on SIGTERM or SIGINT, on AT+SIMEXIT (answered OK first), or after --lifetime seconds
// (300 by default) so a test that forgets it does not leave it behind; it removes PATH on exit.
// Exit status 0, or 64 for a usage error, 70 when the pseudo-terminal cannot be set up.
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/sim/pty_sim.h"

namespace {

namespace sim = posdiag::sim;

struct Mode {
  bool silent = false;
  bool garbage = false;
  std::map<std::string, std::string> replies;  // command (upper case) -> reply, framed
  std::map<std::string, int> errors;  // command -> the +CME ERROR code it fails with (wins)
  int cmee = 1;                       // AT+CMEE at start-up
  bool refuses_cmee = false;          // answers AT+CMEE=<n> with ERROR
  std::vector<std::string> urcs;      // sent once, right after the first reply
  enum class Reset { kNone, kUsb, kUart } reset = Reset::kNone;  // on the first AT+CSQ
};

// Replies as 27.007 frames them: each line between CR LF pairs.
std::string Lines(std::initializer_list<std::string_view> lines) {
  std::string out;
  for (auto l : lines) {
    out += "\r\n";
    out += l;
    out += "\r\n";
  }
  return out;
}

bool MakeMode(std::string_view name, Mode& m) {
  const std::string ok = Lines({"OK"});
  m.replies = {
      {"AT", ok},
      {"ATE0", ok},
      {"ATE1", ok},
      {"ATI", Lines({"Quectel", "EC25", "Revision: EC25EFAR06A06M4G", "OK"})},
      {"AT+CPIN?", Lines({"+CPIN: READY", "OK"})},
      {"AT+CSQ", Lines({"+CSQ: 20,99", "OK"})},  // -73 dBm
      {"AT+CREG?", Lines({"+CREG: 0,1", "OK"})},
      {"AT+CEREG?", Lines({"+CEREG: 0,1", "OK"})},
      {"AT+COPS?", Lines({"+COPS: 0,0,\"CHINA MOBILE\",7", "OK"})},
  };
  if (name == "healthy") return true;
  const bool cmee_off = name == "cmee-off-no-sim" || name == "cmee-refused-no-sim";
  if (name == "no-sim" || cmee_off) {
    m.errors["AT+CPIN?"] = 10;
    m.replies["AT+CSQ"] = Lines({"+CSQ: 99,99", "OK"});
    m.replies["AT+CREG?"] = Lines({"+CREG: 0,0", "OK"});
    m.replies["AT+CEREG?"] = Lines({"+CEREG: 0,0", "OK"});
    m.replies["AT+COPS?"] = Lines({"+COPS: 0", "OK"});
    if (cmee_off) {
      m.cmee = 0;
      m.refuses_cmee = name == "cmee-refused-no-sim";
      m.urcs = {"RDY", "+CFUN: 1", "+CPIN: NOT INSERTED"};
    }
    return true;
  }
  if (name == "sim-pin") {
    m.replies["AT+CPIN?"] = Lines({"+CPIN: SIM PIN", "OK"});
    m.replies["AT+CREG?"] = Lines({"+CREG: 0,0", "OK"});
    m.replies["AT+CEREG?"] = Lines({"+CEREG: 0,0", "OK"});
    m.replies["AT+COPS?"] = Lines({"+COPS: 0", "OK"});
    return true;
  }
  if (name == "not-registered") {
    m.replies["AT+CSQ"] = Lines({"+CSQ: 99,99", "OK"});  // nothing heard yet
    m.replies["AT+CREG?"] = Lines({"+CREG: 0,2", "OK"});
    m.replies["AT+CEREG?"] = Lines({"+CEREG: 0,2", "OK"});
    m.replies["AT+COPS?"] = Lines({"+COPS: 0", "OK"});
    return true;
  }
  if (name == "denied") {
    m.replies["AT+CREG?"] = Lines({"+CREG: 0,3", "OK"});
    m.replies["AT+CEREG?"] = Lines({"+CEREG: 0,3", "OK"});
    m.replies["AT+COPS?"] = Lines({"+COPS: 0", "OK"});
    return true;
  }
  if (name == "weak-signal") {
    m.replies["AT+CSQ"] = Lines({"+CSQ: 3,5", "OK"});  // -107 dBm
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
  if (name == "reset-usb" || name == "reset-uart") {
    m.reset = name == "reset-usb" ? Mode::Reset::kUsb : Mode::Reset::kUart;
    return true;
  }
  return false;
}

// The error a command fails with, as AT+CMEE `cmee` has the modem say it.
std::string CmeError(int code, int cmee) {
  if (cmee == 0) return Lines({"ERROR"});
  if (cmee == 2) {
    const char* text = code == 10 ? "SIM not inserted" : "unknown";
    return Lines({std::string("+CME ERROR: ") + text});
  }
  return Lines({"+CME ERROR: " + std::to_string(code)});
}

// The reply to one command; updates the modem's settings.
std::string Answer(const std::string& command, const Mode& mode, int& cmee) {
  if (command.starts_with("AT+CMEE=")) {
    const std::string value = command.substr(8);
    if (mode.refuses_cmee || value.size() != 1 || value[0] < '0' || value[0] > '2') {
      return Lines({"ERROR"});
    }
    cmee = value[0] - '0';
    return Lines({"OK"});
  }
  if (command == "AT+CMEE?") return Lines({"+CMEE: " + std::to_string(cmee), "OK"});
  if (const auto e = mode.errors.find(command); e != mode.errors.end()) {
    return CmeError(e->second, cmee);
  }
  const auto it = mode.replies.find(command);
  return it != mode.replies.end() ? it->second : Lines({"ERROR"});
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = sim::ParsePtySimArgs("modem_sim", argc, argv);
  if (!args) return 64;
  const std::string& link = args->link;
  Mode mode;
  if (!MakeMode(args->mode, mode)) return sim::UsageError("modem_sim", "unknown mode");
  auto pty = sim::OpenLinkedPty("modem_sim", link);
  if (!pty) return 70;
  int master = pty->master;
  int slave = pty->slave;

  const auto end = std::chrono::steady_clock::now() + args->lifetime;
  bool echo = true;
  int cmee = mode.cmee;
  bool urcs_sent = false;
  std::string line;
  while (sim::g_stop == 0 && std::chrono::steady_clock::now() < end) {
    pollfd p{master, POLLIN, 0};
    const int r = ::poll(&p, 1, 100);
    if (r <= 0) continue;
    char buf[256];
    const ssize_t n = ::read(master, buf, sizeof buf);
    if (n <= 0) continue;
    for (ssize_t i = 0; i < n && sim::g_stop == 0; ++i) {
      const char c = buf[i];
      if (mode.silent) continue;
      if (echo && !mode.garbage) sim::WriteAll(master, std::string_view(&c, 1));
      if (c == '\n') continue;
      if (c != '\r') {
        if (line.size() < 512) line += c;
        continue;
      }
      const std::string command = Upper(line);
      line.clear();
      if (command.empty()) continue;
      if (mode.garbage) {
        // Noise as a modem at the wrong baud rate sends, ending mid-line.
        sim::WriteAll(master, std::string_view("\xfe\x8f~\x01\xe3?x\x80\x9f +CS\xff", 14));
        continue;
      }
      if (command == "AT+CSQ" && mode.reset != Mode::Reset::kNone) {
        // The command is dropped; the modem starts again as after a power-up.
        echo = true;
        cmee = 0;
        line.clear();
        if (mode.reset == Mode::Reset::kUsb) {
          ::close(slave);
          ::close(master);
          ::unlink(link.c_str());
          std::this_thread::sleep_for(std::chrono::milliseconds(300));
          pty = sim::OpenLinkedPty("modem_sim", link);
          if (!pty) return 70;
          master = pty->master;
          slave = pty->slave;
        } else {
          sim::WriteAll(master, std::string_view("\xfe\x80\xff", 3));
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        sim::WriteAll(master, Lines({"RDY"}));
        mode.reset = Mode::Reset::kNone;
        break;  // the rest of what was read went to the modem that reset
      }
      if (command == "ATE0") echo = false;
      if (command == "ATE1") echo = true;
      if (command == "AT+SIMEXIT") {
        sim::WriteAll(master, Lines({"OK"}));
        sim::g_stop = 1;
        break;
      }
      sim::WriteAll(master, Answer(command, mode, cmee));
      if (!urcs_sent) {
        urcs_sent = true;
        for (const auto& urc : mode.urcs) sim::WriteAll(master, Lines({urc}));
      }
    }
  }
  ::unlink(link.c_str());
  ::close(slave);
  ::close(master);
  return 0;
}
