// The serial console's input, as pure functions over bytes: assembling lines from what a terminal
// (picocom, minicom) or a script sends, with editing and echo, and parsing a line into a command.
// Bytes come from whoever is on the cable, so nothing here trusts them: a line is at most
// `max_line` bytes however long the flood, control bytes and non-ASCII reject the line, and the
// assembler only ever holds one line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "drivers/base/result.h"

namespace posdiag::agent {

enum class LineStatus {
  kNone,       // no line ended in the bytes consumed
  kLine,       // a line of printable ASCII
  kCancelled,  // Ctrl-C: the line was dropped
  kTooLong,    // longer than max_line; the rest was discarded up to the line end
  kBadBytes,   // held control bytes or non-ASCII (binary noise, escape sequences)
};

struct LineEvent {
  LineStatus status = LineStatus::kNone;
  std::string text;  // the line, for kLine only
};

class LineAssembler {
 public:
  explicit LineAssembler(std::size_t max_line);

  // Consumes bytes up to and including the first line end (CR, LF or CRLF; a LF right after a CR
  // is part of that line end, even in the next call). Returns how many bytes were consumed and
  // sets `event` when a line ended. What the terminal should show is appended to `echo` (typed
  // characters, "\b \b" for a backspace or DEL, CRLF at the line end) unless echo is off.
  std::size_t Feed(std::span<const std::uint8_t> bytes, LineEvent& event, std::string& echo);

  // Echo off for a secret (the PIN): nothing typed is shown, not even its length; only the line
  // end is, so the reply starts on a line of its own.
  void set_echo(bool on) { echo_ = on; }
  bool echo() const { return echo_; }
  // Forgets the partial line (a new session).
  void Reset();
  std::size_t pending() const { return line_.size(); }

 private:
  std::size_t max_line_;
  std::string line_;
  LineStatus problem_ = LineStatus::kNone;
  bool echo_ = true;
  bool after_cr_ = false;
};

enum class CommandName {
  kHelp,
  kStatus,
  kReport,
  kRun,
  kHistory,
  kIncidents,
  kShow,
  kCodes,
  kLog,
  kTest,
  kPrint,
  kLogin,
  kLogout,
  kExit,
};

struct Command {
  CommandName name = CommandName::kHelp;
  // report: "text", "json" or "qr"; run: "boot", "merchant" or "engineer"; show: the report ID in
  // its canonical form; test: "swipe", "chip", "keys", "display" or "slip".
  std::string word;
  std::size_t count = 0;  // history, incidents, log: how many
};

inline constexpr std::size_t kDefaultHistoryCount = 10;
inline constexpr std::size_t kDefaultLogLines = 20;
inline constexpr std::size_t kMaxListCount = 1000;

// Parses one line (as the assembler gives it). Command names are case-insensitive; words are
// separated by spaces. kParse with a message for the engineer (an unknown command, a usage, a
// report ID that is mistyped) — the console sends it after "ERR ".
Result<Command> ParseCommand(std::string_view line);

// The command the line's first word names, whatever its arguments; nullopt for an unknown word.
// The console asks for the PIN before it looks at the arguments.
std::optional<CommandName> CommandWord(std::string_view line);

// Does the command need the engineer PIN? Only help, status, login, logout and exit do not.
bool NeedsPin(CommandName name);

}  // namespace posdiag::agent
