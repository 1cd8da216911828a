#include "agent/modes/console.h"

#include <poll.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <fstream>
#include <stop_token>
#include <thread>

#include "agent/modes/console_line.h"
#include "agent/modes/diagnose.h"
#include "agent/modes/handoff.h"
#include "agent/modes/pin_hash.h"
#include "agent/sinks/history.h"
#include "agent/sinks/json_report.h"
#include "agent/sinks/log_sink.h"
#include "agent/sinks/text_report.h"
#include "agent/sinks/text_util.h"
#include "drivers/base/file.h"
#include "drivers/display/qr.h"
#include "drivers/io/device_holders.h"
#include "rules/loader/catalog.h"

namespace posdiag::agent {
namespace {

using std::chrono::duration_cast;
using std::chrono::milliseconds;
using std::chrono::seconds;
using TimePoint = EventSource::TimePoint;

constexpr seconds kFirstReopenDelay{1};
constexpr seconds kMaxReopenDelay{60};
constexpr seconds kMaxLockout{3600};
constexpr std::size_t kReadChunk = 1024;
constexpr std::size_t kWriteChunk = 512;
// The log is read from its tail: enough for kMaxListCount long lines, never the whole file.
constexpr std::size_t kMaxLogTail = 256 * 1024;
// The status dialogue (4 s at most) and a slip at 9600 baud (about 1 KiB a second).
constexpr milliseconds kPrintTimeout{10'000};

constexpr std::string_view kPromptOut = "posdiag> ";
constexpr std::string_view kPromptIn = "posdiag# ";
constexpr std::string_view kPromptPin = "posdiag PIN: ";

constexpr std::string_view kHelp =
    "Commands (* needs the engineer PIN: type login first):\n"
    "  help                         this list\n"
    "  status                       the console, the session and the last run\n"
    "  login                        asks for the engineer PIN (not echoed)\n"
    "  logout, exit                 ends the session\n"
    "* report [text|json|qr]        the last run's report (runs one when there is none); qr:\n"
    "                               its hand-off summary as a QR code\n"
    "* print                        prints the last run's slip on the receipt printer\n"
    "* run boot|merchant|engineer   runs a diagnosis, shows it here and on the display\n"
    "* history [n]                  the last n reports kept (default 10)\n"
    "* incidents [n]                the last n incidents: failed payments and their causes\n"
    "* show REPORT_ID               a kept report, as JSON\n"
    "* codes                        the code catalogue\n"
    "* log [n]                      the last n lines of the log (default 20)\n";
constexpr std::string_view kHelpEnd =
    "Every reply ends with a line \"OK ...\" or \"ERR <reason>\"; lines \"NOTE ...\" come "
    "unasked.\n";

// "* COMMAND   what it does", in the columns of kHelp.
std::string HelpLine(const std::string& command, std::string_view what) {
  constexpr std::size_t kColumn = 29;
  const std::size_t pad = command.size() < kColumn ? kColumn - command.size() : 1;
  return "* " + command + std::string(pad, ' ') + std::string(what) + "\n";
}

std::string WithCrlf(std::string_view text) {
  std::string out;
  out.reserve(text.size() + text.size() / 32 + 2);
  for (const char c : text) {
    if (c == '\r') continue;
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

// The parser only lets the three level names through.
Level LevelOf(std::string_view word) {
  Level level = Level::kBoot;
  ParseLevel(word, level);
  return level;
}

// The last `count` lines of a text, each made safe to show (card data masked, controls dropped).
std::string LastLines(std::string_view text, std::size_t count) {
  std::vector<std::string_view> lines;
  std::size_t end = text.size();
  if (end > 0 && text[end - 1] == '\n') --end;
  while (lines.size() < count && end > 0) {
    const std::size_t nl = text.rfind('\n', end - 1);
    const std::size_t start = nl == std::string_view::npos ? 0 : nl + 1;
    lines.push_back(text.substr(start, end - start));
    if (nl == std::string_view::npos) break;
    end = nl;
  }
  std::string out;
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) out += DisplayText(*it) + "\n";
  return out;
}

// The tail of a file, at most `max_bytes`, starting after the first line break when it was cut.
Result<std::string> ReadTail(const std::filesystem::path& path, std::size_t max_bytes) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Error{ErrorKind::kNotFound, path.string() + ": no such log file"};
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{ErrorKind::kIo, path.string() + ": cannot open"};
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) return Error{ErrorKind::kIo, path.string() + ": cannot tell its size"};
  const std::streamoff from =
      std::max<std::streamoff>(0, size - static_cast<std::streamoff>(max_bytes));
  in.seekg(from);
  std::string data(static_cast<std::size_t>(size - from), '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  data.resize(static_cast<std::size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  if (from > 0) {
    const std::size_t nl = data.find('\n');
    data.erase(0, nl == std::string::npos ? data.size() : nl + 1);
  }
  return data;
}

}  // namespace

SectionSpec ConsoleSection() {
  return {"console",
          "the engineer's serial console (posdiag daemon)",
          {TerminalPath("port").Required().Means("the maintenance serial port"),
           Int("baud", 50, 4'000'000).Default(115200).Means("its line speed (8N1)"),
           String("pin_hash")
               .Check([](const ConfigValue& v) {
                 auto parsed = ParsePinHash(std::get<std::string>(v));
                 return parsed ? std::string() : parsed.error().detail;
               })
               .Means("the engineer PIN, from `posdiag console hash-pin`; without it the "
                      "PIN-protected commands are refused"),
           Int("idle_timeout_s", 10, 86'400).Default(300).Means("a session ends after this idle"),
           Int("max_line", 32, 4'096).Default(256).Means("longest command line accepted"),
           Int("max_failures", 1, 100).Default(3).Means("wrong PINs in a row before a lockout"),
           Int("lockout_s", 1, 86'400)
               .Default(30)
               .Means("the first lockout; it doubles with each further failure"),
           Int("write_timeout_ms", 10, 60'000)
               .Default(2000)
               .Means("a reply chunk the peer does not take by then drops the session"),
           Int("test_timeout_s", 1, 600).Default(30).Means("how long an engineer test waits"),
           String("lang")
               .OneOf({"en", "zh-CN", "zh"})
               .Default("en")
               .Means("the language of reports on the console")}};
}

Result<ConsoleSettings> ReadConsoleSettings(const Config& config) {
  const ConfigSection& section = config.Section("console");
  if (!section.present()) return Error{ErrorKind::kNotFound, "no [console] section in the config"};
  ConsoleSettings s;
  s.port = section.GetString("port");
  s.baud = static_cast<int>(section.GetInt("baud"));
  s.pin_hash = section.GetString("pin_hash");
  s.idle_timeout = seconds(section.GetInt("idle_timeout_s"));
  s.max_line = static_cast<std::size_t>(section.GetInt("max_line"));
  s.max_failures = static_cast<int>(section.GetInt("max_failures"));
  s.lockout = seconds(section.GetInt("lockout_s"));
  s.write_timeout = milliseconds(section.GetInt("write_timeout_ms"));
  s.test_timeout = seconds(section.GetInt("test_timeout_s"));
  s.lang = section.GetString("lang") == "en" ? rules::Lang::kEn : rules::Lang::kZhCn;
  return s;
}

struct Console::State {
  State(ConsoleSettings s, std::filesystem::path p, ConsoleServices sv, ConsoleEnv e)
      : settings(std::move(s)),
        path(std::move(p)),
        services(std::move(sv)),
        env(std::move(e)),
        lines(settings.max_line) {}

  ConsoleSettings settings;
  std::filesystem::path path;
  io::RootFs fs;           // for the port's UUCP lock files
  io::UniqueFd port_lock;  // our flock on the port while it is open
  ConsoleServices services;
  ConsoleEnv env;
  std::optional<PinHash> pin;

  std::unique_ptr<io::SerialPort> port;
  TimePoint reopen_at{};
  seconds reopen_delay = kFirstReopenDelay;
  TimePoint opened_at{};
  std::string last_open_error;

  LineAssembler lines;
  bool logged_in = false;
  bool awaiting_pin = false;
  TimePoint last_input{};

  int failures = 0;  // wrong PINs since the last right one
  std::optional<TimePoint> locked_until;

  std::optional<Report> last_report;
  // Lines rejected in this batch of input and not yet answered.
  std::size_t rejected = 0;
  LineStatus rejected_why = LineStatus::kNone;

  TimePoint Now() const { return env.clock->Steady(); }
  bool SessionActive() const { return logged_in || awaiting_pin; }

  void Log(spdlog::level::level_enum level, const std::string& line) const {
    if (services.diagnoser == nullptr || !services.diagnoser->log()) return;
    services.diagnoser->log()->log(level, "console {}", line);
  }

  // Another program may hold the maintenance port (a vendor's own service tool): it is theirs
  // then, and the console waits for it as for a pulled cable.
  Result<void> PortFree() {
    std::error_code ec;
    const std::filesystem::path device = std::filesystem::canonical(path, ec);
    if (ec) return posdiag::Ok();  // not there: the open says so
    if (auto locked = io::FindUucpLock(fs, device.filename().string())) {
      return Error{ErrorKind::kBusy, path.string() + ": locked by pid " +
                                         std::to_string(locked->pid) + " (UUCP lock)"};
    }
    auto locks = io::CheckDeviceLocks(device);
    if (locks && locks->held) return Error{ErrorKind::kBusy, path.string() + ": " + locks->how};
    if (locks) port_lock = std::move(locks->lock);
    return posdiag::Ok();
  }

  void TryOpen(TimePoint now) {
    io::SerialSettings serial;
    serial.baud = settings.baud;
    const Result<void> free = PortFree();
    auto opened =
        free ? env.open_port(path, serial) : Result<std::unique_ptr<io::SerialPort>>(free.error());
    if (opened && (*opened)->PollFd() < 0) {
      opened = Error{ErrorKind::kUnsupported, path.string() + ": nothing to wait on"};
    }
    if (!opened) {
      port_lock.Reset();
      if (opened.error().detail != last_open_error) {
        last_open_error = opened.error().detail;
        Log(spdlog::level::warn, "event=open_failed error=" + LogValue(last_open_error));
      }
      reopen_at = now + reopen_delay;
      reopen_delay = std::min(reopen_delay * 2, kMaxReopenDelay);
      return;
    }
    port = std::move(*opened);
    opened_at = now;
    last_open_error.clear();
    lines.Reset();
    Log(spdlog::level::info, "event=open port=" + LogValue(path.string()));
  }

  // Drops the port and the session; the port is tried again after the back-off.
  void Close(const std::string& why) {
    port.reset();
    port_lock.Reset();
    EndSession();
    lines.Reset();
    rejected = 0;
    // A port that stayed up a while starts the back-off afresh; one dropped again soon after it
    // opened (a pulled cable, a peer that stalls every reply) waits longer each time.
    const TimePoint now = Now();
    if (now - opened_at >= kMaxReopenDelay) reopen_delay = kFirstReopenDelay;
    reopen_at = now + reopen_delay;
    reopen_delay = std::min(reopen_delay * 2, kMaxReopenDelay);
    Log(spdlog::level::warn, "event=closed reason=" + LogValue(why));
  }

  void EndSession() {
    logged_in = false;
    awaiting_pin = false;
    lines.set_echo(true);
  }

  // Writes the text with CRLF line ends, a chunk at a time, each under the write deadline. A
  // peer that does not take the bytes in time, or a port error, drops the session.
  bool Send(std::string_view text) {
    if (!port) return false;
    const std::string bytes = WithCrlf(text);
    for (std::size_t done = 0; done < bytes.size(); done += kWriteChunk) {
      const std::size_t n = std::min(kWriteChunk, bytes.size() - done);
      auto written =
          port->Write(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data() + done), n),
                      io::Deadline::In(settings.write_timeout));
      if (!written) {
        Close("write: " + written.error().detail);
        return false;
      }
    }
    return true;
  }

  std::string_view Prompt() const {
    if (awaiting_pin) return kPromptPin;
    return logged_in ? kPromptIn : kPromptOut;
  }

  // A reply: its body, then the last line, then the prompt.
  bool Reply(std::string_view body, std::string_view last) {
    std::string out(body);
    if (!out.empty() && out.back() != '\n') out += '\n';
    out += last;
    out += '\n';
    out += Prompt();
    return Send(out);
  }
  bool Ok(std::string_view body = {}, std::string_view what = {}) {
    return Reply(body, what.empty() ? std::string("OK") : "OK " + std::string(what));
  }
  bool Err(std::string_view reason) { return Reply({}, "ERR " + std::string(reason)); }

  bool FlushRejected() {
    if (rejected == 0) return true;
    const std::string why =
        rejected_why == LineStatus::kTooLong
            ? "line longer than " + std::to_string(settings.max_line) + " characters"
            : "control bytes or non-ASCII on the line";
    const std::string count = rejected > 1 ? " (" + std::to_string(rejected) + " lines)" : "";
    rejected = 0;
    return Err("rejected: " + why + count);
  }

  void Handle(const LineEvent& event, TimePoint now) {
    if (event.status == LineStatus::kTooLong || event.status == LineStatus::kBadBytes) {
      if (awaiting_pin) {
        // Noise where the PIN goes is a failed attempt, but says nothing of the PIN.
        WrongPin(now);
        return;
      }
      ++rejected;
      rejected_why = event.status;
      return;
    }
    if (!FlushRejected()) return;
    if (event.status == LineStatus::kCancelled) {
      if (awaiting_pin) {
        awaiting_pin = false;
        lines.set_echo(true);
      }
      Send(Prompt());
      return;
    }
    if (awaiting_pin) {
      CheckPin(event.text, now);
      return;
    }
    if (event.text.find_first_not_of(' ') == std::string::npos) {
      Send(Prompt());
      return;
    }
    const std::optional<CommandName> named = CommandWord(event.text);
    if (named && NeedsPin(*named) && !logged_in) {
      Err(pin ? "PIN required: type login"
              : "PIN-protected commands are off: no [console] pin_hash in the config");
      return;
    }
    auto command = ParseCommand(event.text);
    if (!command) {
      Err(command.error().detail);
      return;
    }
    Run(*command, now);
  }

  // The PIN cannot be checked here (posdiag-crypto.so is missing or broken): no attempt counted.
  void LoginRefused(const Error& why) {
    Log(spdlog::level::err, "event=login_refused error=" + LogValue(why.detail));
    Err("login refused: the PIN cannot be checked: " + why.detail);
  }

  void WrongPin(TimePoint now) {
    awaiting_pin = false;
    lines.set_echo(true);
    ++failures;
    Log(spdlog::level::warn, "event=login_failed failures=" + std::to_string(failures));
    if (failures < settings.max_failures) {
      Err("wrong PIN (" + std::to_string(settings.max_failures - failures) +
          " more before lockout)");
      return;
    }
    const int doublings = std::min(failures - settings.max_failures, 16);
    const seconds lock = std::min<seconds>(settings.lockout * (1LL << doublings), kMaxLockout);
    locked_until = now + lock;
    Log(spdlog::level::warn, "event=lockout seconds=" + std::to_string(lock.count()));
    Err("wrong PIN: locked for " + std::to_string(lock.count()) + " s");
  }

  void CheckPin(const std::string& text, TimePoint now) {
    if (!pin) {
      WrongPin(now);
      return;
    }
    const Result<bool> right = PinMatches(*pin, text);
    if (!right) {
      // Not a wrong PIN: it could not be checked at all.
      awaiting_pin = false;
      lines.set_echo(true);
      LoginRefused(right.error());
      return;
    }
    if (!*right) {
      WrongPin(now);
      return;
    }
    awaiting_pin = false;
    lines.set_echo(true);
    logged_in = true;
    failures = 0;
    locked_until.reset();
    Log(spdlog::level::info, "event=login");
    Ok({}, "logged in");
  }

  std::string Status(TimePoint now) const {
    std::string out =
        "port: " + DisplayText(settings.port) + " at " + std::to_string(settings.baud) + " baud\n";
    out += std::string("session: ") + (logged_in ? "logged in" : "logged out") + "\n";
    out += std::string("pin: ") + (pin ? "configured" : "not configured") + "\n";
    if (locked_until && now < *locked_until) {
      out += "login: locked for " +
             std::to_string(std::chrono::ceil<seconds>(*locked_until - now).count()) + " s\n";
    }
    if (last_report) {
      out += "last run: " + last_report->report_id + " " +
             std::string(LevelName(last_report->level)) + " " +
             std::string(RunStatusName(last_report->status)) + " " +
             FormatRfc3339Utc(last_report->started_at) + "\n";
      std::string codes;
      for (const auto* f : BySeverity(last_report->evaluation.findings)) {
        if (!codes.empty()) codes += ' ';
        codes += f->code;
      }
      out += "last codes: " + (codes.empty() ? std::string("none") : codes) + "\n";
    } else {
      out += "last run: none from this console\n";
    }
    return out;
  }

  // While a test holds the loop: a line the engineer types (Enter) answers it. The watch reads
  // the port only while the console's own thread waits in the test, and is joined before that
  // thread reads again; what it read is dropped (an answer is no command), and nothing is echoed.
  class AnswerWatch {
   public:
    AnswerWatch(State& s, std::stop_source answered)
        : watcher_([&s, answered](std::stop_token done) mutable {
            if (!s.port || s.port->PollFd() < 0) return;
            std::array<std::uint8_t, kReadChunk> buffer{};
            pollfd p{s.port->PollFd(), POLLIN, 0};
            while (!done.stop_requested()) {
              const int ready = ::poll(&p, 1, 50);
              if (ready == 0 || (ready < 0 && errno == EINTR)) continue;
              // A hangup or an error: the console's own next read says what went wrong.
              if (ready < 0 || (p.revents & POLLIN) == 0) return;
              auto n = s.port->Read(buffer, io::Deadline::In(milliseconds(10)));
              if (!n) return;
              std::span<const std::uint8_t> input(buffer.data(), *n);
              bool line = false;
              while (!input.empty()) {
                LineEvent event;
                std::string echo;
                input = input.subspan(s.lines.Feed(input, event, echo));
                line = line || event.status != LineStatus::kNone;
              }
              if (line) {
                answered.request_stop();
                return;
              }
            }
          }) {}

   private:
    std::jthread watcher_;
  };

  // `test NAME`: the routine of that name, from the registry.
  void RunTest(std::string_view which) {
    if (!services.run_test || services.diagnoser == nullptr) {
      Err("not available: this process has no engineer tests");
      return;
    }
    if (auto busy = services.busy ? services.busy() : std::nullopt) {
      Err("busy: " + *busy);
      return;
    }
    Routine* routine = nullptr;
    for (const auto& r : services.diagnoser->routines()) {
      if (r->Name() == which) routine = r.get();
    }
    if (routine == nullptr) {
      Err("unknown test " + DisplayText(which) + " (" + TestNames(", ") + ")");
      return;
    }
    if (services.diagnoser->config().Section(routine->Section()).present() &&
        !Send("NOTE " + std::string(routine->Help()) + " (within " +
              std::to_string(settings.test_timeout.count()) + " s)\n")) {
      return;
    }
    RoutineResult result;
    {
      std::stop_source answered;
      const AnswerWatch watch(*this, answered);
      result = services.run_test(*routine, io::Deadline::In(settings.test_timeout),
                                 answered.get_token());
    }
    const std::string verdict(VerdictName(result.verdict));
    Log(spdlog::level::info, "event=test test=" + std::string(which) + " verdict=" + verdict);
    Ok(std::string(which) + ": " + verdict + ": " + DisplayText(result.detail), verdict);
  }

  // The routines' names, joined: "chip, swipe, slip, display, keys".
  std::string TestNames(std::string_view sep) const {
    std::string out;
    if (services.diagnoser == nullptr) return out;
    for (const auto& r : services.diagnoser->routines()) {
      out += (out.empty() ? "" : std::string(sep)) + std::string(r->Name());
    }
    return out;
  }

  // `report qr`: the summary drawn with half blocks, light modules as ink (a terminal's text is
  // light on dark), in a quiet zone of 2, and its text under it.
  void ReportQr() {
    if (last_report->handoff.empty()) {
      Err("no hand-off summary in report " + last_report->report_id);
      return;
    }
    auto qr = drivers::display::EncodeQr(last_report->handoff, drivers::display::QrEcc::kM);
    if (!qr) {
      Err(qr.error().detail);
      return;
    }
    Ok(drivers::display::RenderHalfBlocks(*qr, 2, /*inverted=*/true) + last_report->handoff + "\n",
       last_report->report_id);
  }

  // `print`: the last run's slip, after the printer's status allowed it.
  void Print() {
    if (services.latest) {
      if (auto latest = services.latest()) last_report = std::move(latest);
    }
    if (!last_report) {
      Err("no report to print: run one first");
      return;
    }
    if (services.diagnoser == nullptr) {
      Err("not available: no printer in this process");
      return;
    }
    if (!Send("NOTE printing the slip of " + last_report->report_id + "\n")) return;
    auto sent = PrintReportSlip(*services.diagnoser, *last_report, kPrintTimeout);
    Log(spdlog::level::info,
        "event=print report=" + last_report->report_id + " ok=" + (sent ? "true" : "false"));
    if (!sent) {
      Err(DisplayText(sent.error().detail));
      return;
    }
    Ok("slip of " + last_report->report_id + " sent: " + std::to_string(*sent) + " bytes",
       "printed");
  }

  // Runs a diagnosis; false when it could not (the reply is sent) or the port went away.
  bool RunLevel(Level level) {
    if (!services.run) {
      Err("not available: this process cannot run a diagnosis");
      return false;
    }
    if (auto busy = services.busy ? services.busy() : std::nullopt) {
      Err("busy: " + *busy);
      return false;
    }
    if (!Send("NOTE running " + std::string(LevelName(level)) + " diagnosis\n")) return false;
    Log(spdlog::level::info, "event=run level=" + std::string(LevelName(level)));
    last_report = services.run(level);
    return port != nullptr;
  }

  void Run(const Command& c, TimePoint now) {
    switch (c.name) {
      case CommandName::kHelp:
        Ok(std::string(kHelp) + HelpLine("test " + TestNames("|"), "an interactive engineer test") +
           std::string(kHelpEnd));
        return;
      case CommandName::kStatus:
        Ok(Status(now));
        return;
      case CommandName::kLogin:
        if (!pin) {
          Err("no engineer PIN configured ([console] pin_hash)");
        } else if (logged_in) {
          Ok({}, "already logged in");
        } else if (locked_until && now < *locked_until) {
          Err("locked: try again in " +
              std::to_string(std::chrono::ceil<seconds>(*locked_until - now).count()) + " s");
        } else if (auto can = CanCheckPins(); !can) {
          LoginRefused(can.error());  // said before the PIN is typed, not after
        } else {
          awaiting_pin = true;
          lines.set_echo(false);
          Send(kPromptPin);
        }
        return;
      case CommandName::kLogout:
      case CommandName::kExit:
        if (logged_in) Log(spdlog::level::info, "event=logout");
        EndSession();
        Ok({}, "logged out");
        return;
      case CommandName::kRun:
        if (RunLevel(LevelOf(c.word))) {
          Ok(RenderText(*last_report, settings.lang),
             std::string(RunStatusName(last_report->status)) + " " + last_report->report_id);
        }
        return;
      case CommandName::kReport:
        if (services.latest) {
          if (auto latest = services.latest()) last_report = std::move(latest);
        }
        if (!last_report) {
          if (!RunLevel(Level::kEngineer)) return;
        }
        if (c.word == "qr") {
          ReportQr();
          return;
        }
        Ok(c.word == "json" ? RenderJson(*last_report) : RenderText(*last_report, settings.lang),
           last_report->report_id);
        return;
      case CommandName::kPrint:
        Print();
        return;
      case CommandName::kHistory: {
        if (services.diagnoser == nullptr) {
          Err("not available: no history in this process");
          return;
        }
        const Listing listing =
            HistoryStore(services.diagnoser->history_dir(), services.diagnoser->history_keep())
                .Load(c.count);
        Ok(RenderHistory(listing, settings.lang),
           std::to_string(listing.entries.size()) + " reports");
        return;
      }
      case CommandName::kIncidents: {
        if (services.diagnoser == nullptr) {
          Err("not available: no history in this process");
          return;
        }
        const Listing listing =
            HistoryStore(services.diagnoser->history_dir(), services.diagnoser->history_keep())
                .Load(c.count, [](const HistoryEntry& e) { return e.incident.has_value(); });
        Ok(RenderIncidents(listing, settings.lang),
           std::to_string(listing.entries.size()) + " incidents");
        return;
      }
      case CommandName::kShow: {
        if (services.diagnoser == nullptr) {
          Err("not available: no history in this process");
          return;
        }
        const Listing listing =
            HistoryStore(services.diagnoser->history_dir(), services.diagnoser->history_keep())
                .Load(1, [&c](const HistoryEntry& e) { return e.report_id == c.word; });
        for (const auto& entry : listing.entries) {
          auto text = io::ReadFileBounded(entry.file, {.max_bytes = kMaxHistoryFileBytes});
          if (!text) {
            Err("cannot read " + c.word + ": " + text.error().detail);
          } else {
            Ok(ValidUtf8(RedactCardData(*text)), c.word);
          }
          return;
        }
        Err("no report " + c.word + " in the history");
        return;
      }
      case CommandName::kCodes:
        if (services.diagnoser == nullptr) {
          Ok(rules::RenderCatalogText(rules::BuiltinCatalog().rules, settings.lang));
        } else {
          Ok(rules::RenderCatalogText(services.diagnoser->catalog().rules, settings.lang));
        }
        return;
      case CommandName::kLog: {
        if (services.diagnoser == nullptr) {
          Err("not available: no log in this process");
          return;
        }
        auto tail = ReadTail(std::filesystem::path(services.diagnoser->log_dir()) / "posdiag.log",
                             kMaxLogTail);
        if (!tail) {
          Err(DisplayText(tail.error().detail));
          return;
        }
        Ok(LastLines(*tail, c.count));
        return;
      }
      case CommandName::kTest:
        RunTest(c.word);
        return;
    }
  }
};

Console::Console(ConsoleSettings settings, std::filesystem::path path, ConsoleServices services,
                 ConsoleEnv env)
    : s_(std::make_unique<State>(std::move(settings), std::move(path), std::move(services),
                                 std::move(env))) {}

Console::~Console() = default;

Result<std::unique_ptr<Console>> Console::Open(const Config& config, const io::RootFs& fs,
                                               ConsoleServices services, ConsoleEnv env) {
  auto settings = ReadConsoleSettings(config);
  if (!settings) return settings.error();
  return Open(std::move(*settings), fs, std::move(services), std::move(env));
}

Result<std::unique_ptr<Console>> Console::Open(ConsoleSettings settings, const io::RootFs& fs,
                                               ConsoleServices services, ConsoleEnv env) {
  std::optional<PinHash> pin;
  if (!settings.pin_hash.empty()) {
    auto parsed = ParsePinHash(settings.pin_hash);
    if (!parsed) return Error{ErrorKind::kInvalid, "[console] " + parsed.error().detail};
    pin = std::move(*parsed);
  }
  if (settings.max_line < 1) return Error{ErrorKind::kInvalid, "[console] max_line: too small"};
  if (!env.clock) env.clock = std::make_shared<io::SystemClock>();
  if (!env.open_port) env.open_port = io::OpenSerialPort;
  const std::filesystem::path path = fs.Path(settings.port);
  std::unique_ptr<Console> console(
      new Console(std::move(settings), path, std::move(services), std::move(env)));
  console->s_->pin = std::move(pin);
  console->s_->fs = fs;
  console->s_->TryOpen(console->s_->Now());
  return console;
}

int Console::fd() const { return s_->port ? s_->port->PollFd() : -1; }

bool Console::port_open() const { return s_->port != nullptr; }
bool Console::logged_in() const { return s_->logged_in; }

void Console::OnReadable() {
  State& s = *s_;
  if (!s.port) return;
  std::array<std::uint8_t, kReadChunk> buffer{};
  // The loop told us there is input: a short wait covers a wake-up that finds nothing.
  auto n = s.port->Read(buffer, io::Deadline::In(milliseconds(10)));
  if (!n) {
    s.Close("read: " + n.error().detail);
    return;
  }
  if (*n == 0) return;
  const TimePoint now = s.Now();
  s.last_input = now;
  std::span<const std::uint8_t> input(buffer.data(), *n);
  while (!input.empty() && s.port) {
    LineEvent event;
    std::string echo;
    const std::size_t used = s.lines.Feed(input, event, echo);
    input = input.subspan(used);
    if (!echo.empty() && !s.Send(echo)) return;
    if (event.status != LineStatus::kNone) s.Handle(event, now);
    std::fill(event.text.begin(), event.text.end(), '\0');  // it may have been the PIN
  }
  std::fill(buffer.begin(), buffer.end(), std::uint8_t{0});
  if (s.port) s.FlushRejected();
}

std::optional<EventSource::TimePoint> Console::NextWake() const {
  if (!s_->port) return s_->reopen_at;
  if (s_->SessionActive()) return s_->last_input + s_->settings.idle_timeout;
  return std::nullopt;
}

void Console::OnWake(TimePoint now) {
  State& s = *s_;
  if (!s.port) {
    if (now >= s.reopen_at) s.TryOpen(now);
    return;
  }
  if (s.SessionActive() && now >= s.last_input + s.settings.idle_timeout) {
    const bool was_in = s.logged_in;
    s.EndSession();
    s.lines.Reset();
    if (was_in) s.Log(spdlog::level::info, "event=logout reason=idle");
    s.Send("\nNOTE session ended: idle for " + std::to_string(s.settings.idle_timeout.count()) +
           " s\n" + std::string(s.Prompt()));
  }
}

}  // namespace posdiag::agent
