// Pure decoders for 3GPP TS 27.007 AT replies as a serial modem sends them: the framing of one
// reply (echo, blank lines, information lines, final result) and the information lines of +CPIN,
// +CSQ, +CREG/+CEREG and +COPS. Any bytes give a value or an error, never a crash.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/base/result.h"

namespace posdiag::drivers::modem {

enum class FinalResult { kOk, kError, kCmeError };

struct AtReply {
  FinalResult result = FinalResult::kOk;
  std::optional<int> cme_code;     // +CME ERROR: <n>, when numeric
  std::string cme_text;            // +CME ERROR: <text> in verbose mode, or the decoded <n>
  std::vector<std::string> lines;  // information lines, without echo and blank lines
};

// Scans what the modem has sent so far in answer to `command` (as sent, without the CR).
// nullopt: no final result yet, keep reading. A complete reply is framed by CR/LF; the echo of
// the command (ATE1), even after a URC, and blank lines are dropped. Only lines up to the final
// result count; a URC among them is an information line, which the parsers below skip unless it
// has the prefix they look for.
std::optional<AtReply> ScanReply(std::string_view command, std::string_view bytes);

// True when `bytes` hold anything but printable ASCII, CR and LF: not a modem talking AT at this
// baud rate.
bool LooksLikeNoise(std::string_view bytes);

// True when `bytes` hold a whole line a modem sends when it has just started and its AT interface
// is ready: "RDY" (Quectel, SIMCom) or "^SYSSTART" (Cinterion, Thales). Such a modem has dropped
// whatever it was asked before it restarted.
bool HasStartupLine(std::string_view bytes);

// Ok for a reply that ended in OK; otherwise the error it stands for ("the modem answered
// ERROR", "+CME ERROR: 3 (operation not allowed)"): for commands that only set something.
Result<void> ExpectOk(const AtReply& reply);

// The text 27.007 gives a +CME ERROR code ("SIM not inserted"); "unknown error" for others.
std::string_view CmeErrorText(int code);

// +CPIN: the SIM state as the modem names it ("READY", "SIM PIN", "SIM PUK", ...). A reply of
// +CME ERROR 10..15 is itself the state: "not inserted", "SIM PIN", "SIM PUK", "failure",
// "busy", "wrong". Other errors are errors.
Result<std::string> ParseCpin(const AtReply& reply);

struct Signal {
  int rssi = 99;           // 0..31, 99 unknown
  std::optional<int> dbm;  // -113 + 2 * rssi; none when rssi is 99
  std::optional<int> ber;  // 0..7; none when 99
};
Result<Signal> ParseCsq(const AtReply& reply);

struct Registration {
  int n = 0;     // unsolicited result mode
  int stat = 0;  // 0 not registered, 1 home, 2 searching, 3 denied, 4 unknown, 5 roaming, ...
};
// prefix: "+CREG", "+CGREG" or "+CEREG".
Result<Registration> ParseRegistration(const AtReply& reply, std::string_view prefix);

// "home", "roaming", "searching", "denied", "not_registered", "unknown", "sms_only_home",
// "sms_only_roaming", "emergency_only"; "unknown" for a value 27.007 does not define.
std::string_view RegistrationState(int stat);
// Registered for data: home or roaming (including "CSFB not preferred").
bool IsRegistered(int stat);

struct Operator {
  int mode = 0;               // 0 automatic, 1 manual, 2 deregistered, 3 set format, 4 manual/auto
  std::optional<int> format;  // 0 long, 1 short, 2 numeric
  std::optional<std::string> name;  // as the format says; none when not registered
  std::optional<int> access_tech;   // <AcT>
};
Result<Operator> ParseCops(const AtReply& reply);

// "GSM", "UMTS", "EDGE", "HSPA", "LTE", "NB-IoT", "NR", ...; "unknown" for others.
std::string_view AccessTechName(int act);

// The information lines of ATI as one line of printable text (at most 200 characters).
Result<std::string> ParseIdentity(const AtReply& reply);

}  // namespace posdiag::drivers::modem
