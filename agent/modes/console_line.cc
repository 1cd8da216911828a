#include "agent/modes/console_line.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "agent/report_id.h"

namespace posdiag::agent {
namespace {

constexpr std::uint8_t kCtrlC = 0x03;
constexpr std::uint8_t kBackspace = 0x08;
constexpr std::uint8_t kTab = 0x09;
constexpr std::uint8_t kLf = 0x0a;
constexpr std::uint8_t kCr = 0x0d;
constexpr std::uint8_t kCtrlU = 0x15;
constexpr std::uint8_t kDel = 0x7f;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
  return out;
}

std::vector<std::string_view> Words(std::string_view line) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') ++i;
    const std::size_t start = i;
    while (i < line.size() && line[i] != ' ') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

Error Usage(std::string_view usage) {
  return Error{ErrorKind::kParse, "usage: " + std::string(usage)};
}

// A word from a fixed set, or the usage.
Result<std::string> OneOf(std::string_view word, std::initializer_list<std::string_view> choices,
                          std::string_view usage) {
  const std::string w = Lower(word);
  for (const auto choice : choices) {
    if (w == choice) return w;
  }
  return Usage(usage);
}

// A routine's name: a short word of letters and '_'.
bool IsTestName(std::string_view word) {
  return !word.empty() && word.size() <= 16 && std::all_of(word.begin(), word.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  });
}

Result<std::size_t> Count(std::string_view word, std::string_view usage) {
  std::size_t n = 0;
  const auto [end, err] = std::from_chars(word.data(), word.data() + word.size(), n);
  if (err != std::errc() || end != word.data() + word.size() || n < 1 || n > kMaxListCount) {
    return Usage(std::string(usage) + " (n from 1 to " + std::to_string(kMaxListCount) + ")");
  }
  return n;
}

// Why a report ID does not read: its length, a character outside the alphabet, or — the one a
// mistyped symbol gives — a check symbol that does not match.
Error BadReportId(std::string_view word) {
  std::string symbols;
  for (const char c : word) {
    if (c != '-') symbols.push_back(c);
  }
  const std::string shown =
      symbols.size() <= 16 ? std::string(word) : std::string(word.substr(0, 16)) + "...";
  if (symbols.size() != kReportIdPayloadLength + 1) {
    return Error{ErrorKind::kParse,
                 "bad report ID \"" + shown + "\": it has 8 symbols, like 7KQ2-M9X4"};
  }
  if (ReportIdCheckSymbol(std::string_view(symbols).substr(0, kReportIdPayloadLength)) == '\0') {
    return Error{ErrorKind::kParse,
                 "bad report ID \"" + shown + "\": a character that is not in report IDs"};
  }
  return Error{ErrorKind::kParse, "bad report ID \"" + shown +
                                      "\": the check symbol does not match (a symbol is mistyped)"};
}

}  // namespace

LineAssembler::LineAssembler(std::size_t max_line) : max_line_(std::max<std::size_t>(max_line, 1)) {
  line_.reserve(max_line_);
}

void LineAssembler::Reset() {
  line_.clear();
  problem_ = LineStatus::kNone;
  after_cr_ = false;
}

std::size_t LineAssembler::Feed(std::span<const std::uint8_t> bytes, LineEvent& event,
                                std::string& echo) {
  event = LineEvent{};
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const std::uint8_t b = bytes[i];
    const bool was_after_cr = after_cr_;
    after_cr_ = false;
    if (b == kLf && was_after_cr) continue;  // the second half of a CRLF
    if (b == kCr || b == kLf) {
      after_cr_ = b == kCr;
      echo += "\r\n";  // even for a secret: the reply starts on a line of its own
      if (problem_ != LineStatus::kNone) {
        event.status = problem_;
      } else {
        event.status = LineStatus::kLine;
        event.text = line_;
      }
      std::fill(line_.begin(), line_.end(), '\0');  // it may have been the PIN
      line_.clear();
      problem_ = LineStatus::kNone;
      return i + 1;
    }
    if (b == kCtrlC) {
      echo += "^C\r\n";
      line_.clear();
      problem_ = LineStatus::kNone;
      event.status = LineStatus::kCancelled;
      return i + 1;
    }
    if (problem_ != LineStatus::kNone) continue;  // discard to the end of the line
    if (b == kBackspace || b == kDel) {
      if (!line_.empty()) {
        line_.pop_back();
        if (echo_) echo += "\b \b";
      }
      continue;
    }
    if (b == kCtrlU) {
      if (echo_) {
        for (std::size_t k = 0; k < line_.size(); ++k) echo += "\b \b";
      }
      line_.clear();
      continue;
    }
    const std::uint8_t c = b == kTab ? ' ' : b;
    if (c < 0x20 || c > 0x7e) {
      problem_ = LineStatus::kBadBytes;
      line_.clear();
      continue;
    }
    if (line_.size() >= max_line_) {
      problem_ = LineStatus::kTooLong;
      line_.clear();
      continue;
    }
    line_.push_back(static_cast<char>(c));
    if (echo_) echo.push_back(static_cast<char>(c));
  }
  return bytes.size();
}

Result<Command> ParseCommand(std::string_view line) {
  const std::vector<std::string_view> words = Words(line);
  if (words.empty()) return Error{ErrorKind::kParse, "empty line"};
  const std::string name = Lower(words[0]);
  const std::size_t args = words.size() - 1;
  Command cmd;
  const auto no_args = [&](CommandName n) -> Result<Command> {
    if (args != 0) return Usage(name);
    cmd.name = n;
    return cmd;
  };
  if (name == "help" || name == "?") return no_args(CommandName::kHelp);
  if (name == "status") return no_args(CommandName::kStatus);
  if (name == "codes") return no_args(CommandName::kCodes);
  if (name == "print") return no_args(CommandName::kPrint);
  if (name == "login") return no_args(CommandName::kLogin);
  if (name == "logout") return no_args(CommandName::kLogout);
  if (name == "exit" || name == "quit") return no_args(CommandName::kExit);
  if (name == "report") {
    constexpr std::string_view kUsage = "report [text|json|qr]";
    if (args > 1) return Usage(kUsage);
    cmd.name = CommandName::kReport;
    cmd.word = "text";
    if (args == 1) {
      auto w = OneOf(words[1], {"text", "json", "qr"}, kUsage);
      if (!w) return w.error();
      cmd.word = *w;
    }
    return cmd;
  }
  if (name == "run") {
    constexpr std::string_view kUsage = "run boot|merchant|engineer";
    if (args != 1) return Usage(kUsage);
    auto w = OneOf(words[1], {"boot", "merchant", "engineer"}, kUsage);
    if (!w) return w.error();
    cmd.name = CommandName::kRun;
    cmd.word = *w;
    return cmd;
  }
  if (name == "test") {
    // The console checks the name against the routines of this build.
    constexpr std::string_view kUsage = "test NAME (help lists them)";
    if (args != 1 || !IsTestName(words[1])) return Usage(kUsage);
    cmd.name = CommandName::kTest;
    cmd.word = Lower(words[1]);
    return cmd;
  }
  if (name == "history" || name == "log" || name == "incidents") {
    const std::string usage = name + " [n]";
    if (args > 1) return Usage(usage);
    cmd.name = name == "history"     ? CommandName::kHistory
               : name == "incidents" ? CommandName::kIncidents
                                     : CommandName::kLog;
    cmd.count = name == "log" ? kDefaultLogLines : kDefaultHistoryCount;
    if (args == 1) {
      auto n = Count(words[1], usage);
      if (!n) return n.error();
      cmd.count = *n;
    }
    return cmd;
  }
  if (name == "show") {
    if (args != 1) return Usage("show REPORT_ID");
    auto id = NormalizeReportId(words[1]);
    if (!id) return BadReportId(words[1]);
    cmd.name = CommandName::kShow;
    cmd.word = *id;
    return cmd;
  }
  const std::string shown = name.size() <= 32 ? name : name.substr(0, 32) + "...";
  return Error{ErrorKind::kParse, "unknown command \"" + shown + "\" (type help)"};
}

std::optional<CommandName> CommandWord(std::string_view line) {
  const std::vector<std::string_view> words = Words(line);
  if (words.empty()) return std::nullopt;
  static constexpr std::pair<std::string_view, CommandName> kNames[] = {
      {"help", CommandName::kHelp},     {"?", CommandName::kHelp},
      {"status", CommandName::kStatus}, {"report", CommandName::kReport},
      {"run", CommandName::kRun},       {"history", CommandName::kHistory},
      {"show", CommandName::kShow},     {"codes", CommandName::kCodes},
      {"log", CommandName::kLog},       {"test", CommandName::kTest},
      {"login", CommandName::kLogin},   {"logout", CommandName::kLogout},
      {"exit", CommandName::kExit},     {"quit", CommandName::kExit},
      {"print", CommandName::kPrint},   {"incidents", CommandName::kIncidents},
  };
  const std::string word = Lower(words[0]);
  for (const auto& [name, command] : kNames) {
    if (name == word) return command;
  }
  return std::nullopt;
}

bool NeedsPin(CommandName name) {
  switch (name) {
    case CommandName::kHelp:
    case CommandName::kStatus:
    case CommandName::kLogin:
    case CommandName::kLogout:
    case CommandName::kExit:
      return false;
    case CommandName::kReport:
    case CommandName::kRun:
    case CommandName::kHistory:
    case CommandName::kIncidents:
    case CommandName::kShow:
    case CommandName::kCodes:
    case CommandName::kLog:
    case CommandName::kTest:
    case CommandName::kPrint:
      return true;
  }
  return true;
}

}  // namespace posdiag::agent
