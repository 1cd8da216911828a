// The console through its real serial seam: a pseudo-terminal whose slave the console opens by
// `[console] port`, the test typing on the master as an engineer would, a real Diagnoser on an
// empty terminal (every device not_configured) and a fake clock for idle timeouts, lockouts and
// reopening.
#include "agent/modes/console.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/file.h>

#include <atomic>
#include <fstream>
#include <memory>
#include <mutex>
#include <stop_token>
#include <string>
#include <thread>

#include "agent/modes/diagnose.h"
#include "agent/modes/pin_hash.h"
#include "agent/report_id.h"
#include "agent/sinks/history.h"
#include "agent/sinks/sample_report.h"
#include "agent/sinks/temp_dir.h"
#include "drivers/display/qr.h"
#include "tests/console/console_loop.h"
#include "tests/console/pty_terminal.h"

namespace posdiag::agent {
namespace {

std::string WithCrlfForTest(const std::string& text) {
  std::string out;
  for (const char c : text) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::string_view kPin = "482915";

// Read by the console on the loop's thread, advanced by the test: an atomic tick count.
class FakeClock : public io::Clock {
 public:
  std::chrono::system_clock::time_point Now() const override {
    return std::chrono::system_clock::now();
  }
  std::chrono::steady_clock::time_point Steady() const override {
    return std::chrono::steady_clock::time_point(
        std::chrono::steady_clock::duration(ticks_.load()));
  }
  void Advance(std::chrono::seconds d) {
    ticks_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(d).count();
  }

 private:
  std::atomic<std::chrono::steady_clock::rep> ticks_{
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::hours(1000))
          .count()};
};

class ConsoleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.path() / "dev");
    std::filesystem::create_directories(dir_.path() / "log");
    auto hash = MakePinHash(kPin, kMinPinIterations);
    ASSERT_TRUE(hash);
    config_ = dir_.path() / "posdiag.toml";
    std::ofstream(config_) << "[system]\nroot = \"" << dir_.path().string() << "\"\n"
                           << "[log]\ndir = \"" << (dir_.path() / "log").string() << "\"\n"
                           << "[history]\ndir = \"" << (dir_.path() / "history").string() << "\"\n"
                           << "[console]\nport = \"/dev/ttyCONSOLE\"\nbaud = 115200\n"
                           << "pin_hash = \"" << *hash << "\"\n"
                           << "idle_timeout_s = 60\nmax_line = 64\nmax_failures = 3\n"
                           << "lockout_s = 30\nwrite_timeout_ms = 1000\n"
                           << ExtraConfig();
    auto d = Diagnoser::Create(config_.string());
    ASSERT_TRUE(d) << d.error().detail;
    diagnoser_ = std::move(*d);
    term_ = std::make_unique<testing::PtyTerminal>(link());
    ConsoleServices services{diagnoser_.get(),
                             [this](Level level) {
                               ++runs_;
                               return diagnoser_->Run(level);
                             },
                             {},
                             [this] {
                               std::lock_guard lock(state_mu_);
                               return latest_;
                             },
                             [this] {
                               std::lock_guard lock(state_mu_);
                               return busy_;
                             }};
    auto console = Console::Open(diagnoser_->config(), io::RootFs(dir_.path()), services,
                                 ConsoleEnv{clock_, {}});
    ASSERT_TRUE(console) << console.error().detail;
    console_ = std::move(*console);
    ASSERT_TRUE(console_->port_open());
    loop_ = std::make_unique<testing::ConsoleLoop>(*console_);
  }
  void TearDown() override {
    loop_.reset();
    console_.reset();
    term_.reset();
  }

  virtual std::string ExtraConfig() const { return ""; }

  // The console's state, read under the loop's lock (its thread may be in the console).
  bool LoggedIn() {
    bool in = false;
    if (!loop_) return console_->logged_in();
    loop_->WithLock([&](Console& c) { in = c.logged_in(); });
    return in;
  }
  bool PortOpen() {
    bool open = false;
    if (!loop_) return console_->port_open();
    loop_->WithLock([&](Console& c) { open = c.port_open(); });
    return open;
  }
  std::filesystem::path link() const { return dir_.path() / "dev" / "ttyCONSOLE"; }

  // Types a line as picocom sends it (Enter is CR) and returns everything up to the next prompt.
  std::string Say(std::string_view line, std::string_view end = "\r") {
    term_->Type(std::string(line) + std::string(end));
    auto reply = term_->ReadUntilAny({"posdiag> ", "posdiag# ", "posdiag PIN: "});
    EXPECT_TRUE(reply) << "no prompt after \"" << line << "\"";
    return reply.value_or("");
  }

  void Login() {
    ASSERT_THAT(Say("login"), ::testing::EndsWith("posdiag PIN: "));
    ASSERT_THAT(Say(kPin), HasSubstr("OK logged in\r\nposdiag# "));
  }

  std::string LogText() {
    if (diagnoser_->log()) diagnoser_->log()->flush();
    std::ifstream in(dir_.path() / "log" / "posdiag.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // The last line before the prompt: what a script reads.
  static std::string LastLine(const std::string& reply) {
    const std::size_t end = reply.rfind("\r\n");
    if (end == std::string::npos) return "";
    const std::size_t start = reply.rfind("\r\n", end - 1);
    return reply.substr(start == std::string::npos ? 0 : start + 2,
                        end - (start == std::string::npos ? 0 : start + 2));
  }

  testing::TempDir dir_;
  std::filesystem::path config_;
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  std::unique_ptr<Diagnoser> diagnoser_;
  std::unique_ptr<testing::PtyTerminal> term_;
  std::unique_ptr<Console> console_;
  std::unique_ptr<testing::ConsoleLoop> loop_;
  // Read by the console on the loop's thread, set by the test: under state_mu_. runs_ is only
  // touched by the console's run, on the loop's thread, and read once the reply has come.
  std::atomic<int> runs_ = 0;
  std::mutex state_mu_;
  std::optional<Report> latest_;     // what a diagnose-key press in the daemon last ran
  std::optional<std::string> busy_;  // what [app] busy_lock says
  void SetBusy(std::optional<std::string> busy) {
    std::lock_guard lock(state_mu_);
    busy_ = std::move(busy);
  }
};

TEST_F(ConsoleTest, ReportShowsTheLatestRunEvenOneTheDiagnoseKeyStarted) {
  {
    std::lock_guard lock(state_mu_);
    latest_ = diagnoser_->Run(Level::kMerchant);  // as the daemon's key press does
  }
  Login();
  const std::string reply = Say("report");
  EXPECT_EQ(LastLine(reply), "OK " + latest_->report_id) << reply;
  EXPECT_THAT(reply, Not(HasSubstr("NOTE running")));
  EXPECT_EQ(runs_, 0);
}

TEST_F(ConsoleTest, HelpAndStatusWithoutPin) {
  const std::string help = Say("help");
  EXPECT_THAT(help, HasSubstr("report [text|json|qr]"));
  for (const char* test : {"swipe", "chip", "keys", "display", "slip"}) {
    EXPECT_THAT(help, HasSubstr(test));
  }
  EXPECT_THAT(help, HasSubstr("an interactive engineer test"));
  EXPECT_EQ(LastLine(help), "OK");
  EXPECT_THAT(help, ::testing::EndsWith("posdiag> "));
  const std::string status = Say("status");
  EXPECT_THAT(status, HasSubstr("session: logged out"));
  EXPECT_THAT(status, HasSubstr("pin: configured"));
  EXPECT_THAT(status, HasSubstr("last run: none"));
  EXPECT_EQ(LastLine(status), "OK");
}

TEST_F(ConsoleTest, EchoAndLineEndsAsTerminalsSendThem) {
  // LF (a script), CRLF (minicom's "add LF") and CR (picocom) all end a line; CRLF is one end.
  EXPECT_EQ(LastLine(Say("status", "\n")), "OK");
  EXPECT_EQ(LastLine(Say("status", "\r\n")), "OK");
  const std::string edited = Say("helx\x7fp");
  EXPECT_THAT(edited, ::testing::StartsWith("helx\b \bp\r\n"));
  EXPECT_EQ(LastLine(edited), "OK");
  // An empty line only gives the prompt again.
  EXPECT_EQ(Say(""), "\r\nposdiag> ");
}

TEST_F(ConsoleTest, EverythingElseNeedsThePin) {
  for (const char* command :
       {"report", "report json", "run merchant", "history", "codes", "log", "show 7KQ2-M9X4",
        "show nonsense", "test swipe", "log 0", "incidents"}) {
    EXPECT_EQ(LastLine(Say(command)), "ERR PIN required: type login") << command;
  }
  EXPECT_EQ(runs_, 0);
}

TEST_F(ConsoleTest, WrongPinLockoutWithBackOffThenRightPin) {
  std::string reply = Say("login");
  EXPECT_THAT(reply, ::testing::EndsWith("posdiag PIN: "));
  reply = Say("111111");
  EXPECT_THAT(reply, Not(HasSubstr("111111")));  // not echoed
  EXPECT_EQ(LastLine(reply), "ERR wrong PIN (2 more before lockout)");
  Say("login");
  EXPECT_EQ(LastLine(Say("222222")), "ERR wrong PIN (1 more before lockout)");
  Say("login");
  EXPECT_EQ(LastLine(Say("333333")), "ERR wrong PIN: locked for 30 s");
  // Locked: the PIN is not even asked for, the right one included.
  EXPECT_EQ(LastLine(Say("login")), "ERR locked: try again in 30 s");
  clock_->Advance(seconds(29));
  EXPECT_EQ(LastLine(Say("login")), "ERR locked: try again in 1 s");
  EXPECT_THAT(Say("status"), HasSubstr("login: locked for 1 s"));
  clock_->Advance(seconds(1));
  Say("login");
  // Each failure after the lockout doubles it.
  EXPECT_EQ(LastLine(Say("444444")), "ERR wrong PIN: locked for 60 s");
  clock_->Advance(seconds(60));
  Login();
  EXPECT_TRUE(LoggedIn());
  // A success clears the count: the next failure is the first again.
  Say("logout");
  Say("login");
  EXPECT_EQ(LastLine(Say("000000")), "ERR wrong PIN (2 more before lockout)");
  const std::string log = LogText();
  EXPECT_THAT(log, HasSubstr("event=lockout seconds=30"));
  EXPECT_THAT(log, HasSubstr("event=login_failed"));
  for (const char* pin : {"111111", "222222", "333333", "444444", "482915"}) {
    EXPECT_THAT(log, Not(HasSubstr(pin)));
  }
}

TEST_F(ConsoleTest, ReportQrAndPrint) {
  Login();
  // Nothing to print before a run.
  EXPECT_EQ(LastLine(Say("print")), "ERR no report to print: run one first");
  std::string reply = Say("report json");
  const auto at = reply.find("\"handoff\": \"");
  ASSERT_NE(at, std::string::npos) << reply;
  const std::string handoff = reply.substr(at + 12, reply.find('"', at + 12) - (at + 12));
  ASSERT_EQ(handoff.rfind("PD1:", 0), 0u) << handoff;

  reply = Say("report qr");
  const std::string id = LastLine(reply).substr(3);
  EXPECT_TRUE(IsValidReportId(id)) << reply;
  // The code in half blocks (the quiet zone as ink on a dark terminal), then its text.
  EXPECT_THAT(reply, HasSubstr("\u2588\u2588\u2588\u2588"));
  EXPECT_THAT(reply, HasSubstr("\u2580"));
  EXPECT_THAT(reply, HasSubstr("\r\n" + handoff + "\r\n"));
  auto qr = drivers::display::EncodeQr(handoff, drivers::display::QrEcc::kM);
  ASSERT_TRUE(qr.ok());
  EXPECT_THAT(reply, HasSubstr(WithCrlfForTest(drivers::display::RenderHalfBlocks(*qr, 2, true))));

  // This config has no [printer]: the reason comes back, nothing is sent.
  EXPECT_EQ(LastLine(Say("print")), "ERR not printed: no [printer] in the config");
  EXPECT_THAT(LogText(), HasSubstr("event=print report=" + id + " ok=false"));
}

TEST_F(ConsoleTest, CtrlCAtThePinPromptCancels) {
  Say("login");
  const std::string reply = Say("48", "\x03");
  EXPECT_THAT(reply, ::testing::EndsWith("posdiag> "));
  EXPECT_FALSE(LoggedIn());
  EXPECT_THAT(Say("status"), HasSubstr("session: logged out"));  // echo is back on
}

TEST_F(ConsoleTest, ReportRunHistoryShowCodesLog) {
  Login();
  // No run yet: `report` runs one (engineer level).
  std::string reply = Say("report");
  EXPECT_THAT(reply, HasSubstr("NOTE running engineer diagnosis"));
  EXPECT_EQ(runs_, 1);
  const std::string id = LastLine(reply).substr(3);
  EXPECT_TRUE(IsValidReportId(id)) << reply;
  reply = Say("report json");
  EXPECT_THAT(reply, HasSubstr("\"schema\": \"posdiag.report/1\""));
  EXPECT_THAT(reply, HasSubstr("\"report_id\": \"" + id + "\""));
  EXPECT_EQ(LastLine(reply), "OK " + id);
  EXPECT_EQ(runs_, 1);

  reply = Say("run merchant");
  EXPECT_EQ(runs_, 2);
  const std::string last = LastLine(reply);
  EXPECT_THAT(last, ::testing::MatchesRegex("OK (ok|warning|error|critical|unknown) "
                                            "[0-9A-Z]{4}-[0-9A-Z]{4}"));
  const std::string merchant_id = last.substr(last.rfind(' ') + 1);
  EXPECT_THAT(Say("status"), HasSubstr("last run: " + merchant_id + " merchant"));

  reply = Say("history 5");
  EXPECT_THAT(reply, HasSubstr(id));
  EXPECT_THAT(reply, HasSubstr(merchant_id));
  EXPECT_EQ(LastLine(reply), "OK 2 reports");
  EXPECT_EQ(LastLine(Say("history 1")), "OK 1 reports");

  // Lower case and without the dash, as read over the phone.
  std::string spoken;
  for (char c : id) {
    if (c != '-') spoken.push_back(static_cast<char>(std::tolower(c)));
  }
  reply = Say("show " + spoken);
  EXPECT_THAT(reply, HasSubstr("\"report_id\": \"" + id + "\""));
  EXPECT_EQ(LastLine(reply), "OK " + id);
  std::string typo = id;
  typo[1] = typo[1] == 'A' ? 'B' : 'A';
  EXPECT_THAT(LastLine(Say("show " + typo)), HasSubstr("the check symbol does not match"));
  const std::string absent = "0000000" + std::string(1, ReportIdCheckSymbol("0000000"));
  EXPECT_EQ(LastLine(Say("show " + absent)),
            "ERR no report 0000-000" + absent.substr(7) + " in the history");

  reply = Say("codes");
  EXPECT_THAT(reply, HasSubstr("printer.paper_end"));
  EXPECT_EQ(LastLine(reply), "OK");

  reply = Say("log 50");
  EXPECT_EQ(LastLine(reply), "OK");
  EXPECT_THAT(reply, HasSubstr("event=run level=merchant"));
  EXPECT_EQ(LastLine(Say("log 0")), "ERR usage: log [n] (n from 1 to 1000)");
}

// An incident report as the daemon's flight recorder saves it: the failed payments it covers and
// the root causes found at that moment.
Report IncidentReport(std::string code, std::int64_t failures, std::vector<rules::Finding> causes) {
  Report r;
  r.report_id = NewReportId();
  r.level = Level::kMerchant;
  r.kind = "incident";
  r.started_at = std::chrono::system_clock::now();
  r.status = causes.empty() ? RunStatus::kOk : RunStatus::kError;
  IncidentInfo info;
  info.time_s = std::chrono::floor<std::chrono::seconds>(r.started_at.time_since_epoch()).count();
  info.first_s = info.time_s - 60;
  info.last_s = info.time_s;
  info.type = "sale";
  info.amount_band = "10-100";
  info.code = std::move(code);
  info.failures = failures;
  r.incident = std::move(info);
  r.evaluation.findings = std::move(causes);
  return r;
}

TEST_F(ConsoleTest, IncidentsListsOnlyTheIncidentsNewestFirst) {
  HistoryStore store(diagnoser_->history_dir(), diagnoser_->history_keep());
  const Report timeouts = IncidentReport(
      "98", 3,
      {testing::MakeFinding("network.host_timeout", "T1", rules::Severity::kError, "network",
                            "支付主机无应答", "The payment host does not answer")});
  ASSERT_TRUE(store.Save(timeouts).ok());
  const std::string ordinary = diagnoser_->Run(Level::kMerchant).report_id;  // saved too
  const Report bank = IncidentReport("96", 1, {});
  ASSERT_TRUE(store.Save(bank).ok());

  Login();
  std::string reply = Say("incidents");
  EXPECT_EQ(LastLine(reply), "OK 2 incidents") << reply;
  EXPECT_THAT(reply, Not(HasSubstr(ordinary)));
  EXPECT_THAT(reply, HasSubstr(timeouts.report_id + "  code 98  x3  since "));
  EXPECT_THAT(reply, HasSubstr("    T1  network.host_timeout  The payment host does not answer"));
  EXPECT_THAT(reply, HasSubstr(bank.report_id + "  code 96  x1"));
  EXPECT_THAT(reply, HasSubstr("nothing found on the terminal (likely the bank's side)"));
  EXPECT_LT(reply.find(bank.report_id), reply.find(timeouts.report_id));  // newest first

  reply = Say("incidents 1");
  EXPECT_EQ(LastLine(reply), "OK 1 incidents") << reply;
  EXPECT_THAT(reply, HasSubstr(bank.report_id));
  EXPECT_THAT(reply, Not(HasSubstr(timeouts.report_id)));

  for (const char* bad : {"incidents 0", "incidents ten", "incidents 1001", "incidents -1"}) {
    EXPECT_EQ(LastLine(Say(bad)), "ERR usage: incidents [n] (n from 1 to 1000)") << bad;
  }
  EXPECT_EQ(LastLine(Say("incidents 1 2")), "ERR usage: incidents [n]");
  EXPECT_EQ(runs_, 0);
}

TEST_F(ConsoleTest, LogNeverShowsACardNumber) {
  Login();
  diagnoser_->log()->info("journal pan=4111111111111111 track=;4111111111111111=2512?");
  diagnoser_->log()->flush();
  const std::string reply = Say("log 5");
  EXPECT_THAT(reply, Not(HasSubstr("4111111111111111")));
  EXPECT_THAT(reply, HasSubstr("411111"));
}

TEST_F(ConsoleTest, NothingRunsDuringATransaction) {
  Login();
  SetBusy("a transaction is in progress (/run/payapp.lock is locked)");
  EXPECT_EQ(LastLine(Say("run merchant")),
            "ERR busy: a transaction is in progress (/run/payapp.lock is locked)");
  EXPECT_EQ(runs_, 0);
  SetBusy(std::nullopt);
  EXPECT_THAT(LastLine(Say("run merchant")), ::testing::StartsWith("OK "));
  EXPECT_EQ(runs_, 1);
}

TEST_F(ConsoleTest, EngineerTestsSayNotAvailableWithoutThem) {
  Login();
  EXPECT_EQ(LastLine(Say("test swipe")), "ERR not available: this process has no engineer tests");
}

// The real engineer tests on a terminal with none of their devices: each is skipped before it
// prompts, and the console reports the verdict on its status line; one that is configured
// prompts and says what it saw.
TEST(ConsoleEngineerTests, VerdictsReachTheStatusLine) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "dev");
  const auto config = dir.path() / "posdiag.toml";
  auto hash = MakePinHash(kPin, kMinPinIterations);
  ASSERT_TRUE(hash);
  std::ofstream(config) << "[system]\nroot = \"" << dir.path().string() << "\"\n"
                        << "[log]\ndir = \"" << (dir.path() / "log").string() << "\"\n"
                        << "[history]\ndir = \"" << (dir.path() / "history").string() << "\"\n"
                        << "[console]\nport = \"/dev/ttyS4\"\ntest_timeout_s = 2\n"
                        << "pin_hash = \"" << *hash << "\"\n";
  auto d = Diagnoser::Create(config.string());
  ASSERT_TRUE(d) << d.error().detail;
  testing::PtyTerminal term(dir.path() / "dev" / "ttyS4");
  Diagnoser* diagnoser = d->get();
  auto console =
      Console::Open((*d)->config(), io::RootFs(dir.path()),
                    {diagnoser,
                     {},
                     [diagnoser](Routine& r, io::Deadline deadline, std::stop_token answered) {
                       return diagnoser->RunRoutine(r, nullptr, deadline, {}, answered);
                     },
                     {},
                     {}},
                    {});
  ASSERT_TRUE(console) << console.error().detail;
  testing::ConsoleLoop loop(**console);
  term.Type("login\r" + std::string(kPin) + "\r");
  ASSERT_TRUE(term.ReadUntil("OK logged in\r\nposdiag# "));
  term.Type("test keys\r");
  auto reply = term.ReadUntil("posdiag# ");
  ASSERT_TRUE(reply);
  EXPECT_THAT(*reply, Not(HasSubstr("NOTE press every key once")));
  EXPECT_THAT(*reply, HasSubstr("keys: skipped: not configured: no [keys] table"));
  EXPECT_THAT(*reply, HasSubstr("\r\nOK skipped\r\n"));
  term.Type("test printer\r");
  reply = term.ReadUntil("posdiag# ");
  ASSERT_TRUE(reply);
  EXPECT_THAT(*reply, HasSubstr("ERR unknown test printer ("));
}

// A test that holds something up for the engineer (the test pattern) ends when the engineer presses
// Enter on the console; that line is the answer, not a command.
TEST(ConsoleEngineerTests, EnterOnTheConsoleAnswersATest) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "dev");
  const auto config = dir.path() / "posdiag.toml";
  auto hash = MakePinHash(kPin, kMinPinIterations);
  ASSERT_TRUE(hash);
  std::ofstream(config) << "[system]\nroot = \"" << dir.path().string() << "\"\n"
                        << "[log]\ndir = \"" << (dir.path() / "log").string() << "\"\n"
                        << "[history]\ndir = \"" << (dir.path() / "history").string() << "\"\n"
                        << "[display]\n"
                        << "[console]\nport = \"/dev/ttyS4\"\ntest_timeout_s = 60\n"
                        << "pin_hash = \"" << *hash << "\"\n";
  auto d = Diagnoser::Create(config.string());
  ASSERT_TRUE(d) << d.error().detail;
  testing::PtyTerminal term(dir.path() / "dev" / "ttyS4");
  // The routine as the pattern's: it waits for the answer, until the deadline (the hang guard).
  auto wait_for_answer = [](Routine&, io::Deadline deadline, std::stop_token answered) {
    while (!answered.stop_requested() && !deadline.Expired()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return answered.stop_requested() ? RoutineResult{RoutineResult::Verdict::kPassed, "answered"}
                                     : RoutineResult{RoutineResult::Verdict::kSkipped, "no answer"};
  };
  auto console = Console::Open((*d)->config(), io::RootFs(dir.path()),
                               {d->get(), {}, wait_for_answer, {}, {}}, {});
  ASSERT_TRUE(console) << console.error().detail;
  testing::ConsoleLoop loop(**console);
  term.Type("login\r" + std::string(kPin) + "\r");
  ASSERT_TRUE(term.ReadUntil("OK logged in\r\nposdiag# "));
  term.Type("test display\r");
  ASSERT_TRUE(term.ReadUntil("NOTE look at the colour bars and the frame, then press Enter"));
  term.Type("help\r");
  auto reply = term.ReadUntil("posdiag# ");
  ASSERT_TRUE(reply);
  EXPECT_THAT(*reply, HasSubstr("display: passed: answered"));
  EXPECT_THAT(*reply, HasSubstr("\r\nOK passed\r\n"));
  EXPECT_THAT(*reply, Not(HasSubstr("an interactive engineer test")));  // no help was given
  term.Type("status\r");
  reply = term.ReadUntil("posdiag# ");
  ASSERT_TRUE(reply);
  EXPECT_THAT(*reply, HasSubstr("session: logged in"));
}

TEST_F(ConsoleTest, GarbageLongLinesAndBinaryFloodAreRejectedAndServingGoesOn) {
  EXPECT_EQ(LastLine(Say("frobnicate")), "ERR unknown command \"frobnicate\" (type help)");
  EXPECT_EQ(LastLine(Say(std::string(200, 'x'))), "ERR rejected: line longer than 64 characters");
  EXPECT_EQ(LastLine(Say("\x1b[A\x1b[A")), "ERR rejected: control bytes or non-ASCII on the line");
  // A megabyte of noise: lines end now and then, nothing is echoed but what is printable.
  std::string noise;
  std::uint32_t x = 12345;
  for (int i = 0; i < (1 << 20); ++i) {
    x = x * 1103515245u + 12345u;
    noise.push_back(static_cast<char>(x >> 24));
  }
  term_->Type(noise);
  term_->Type("\x15\rstatus\r");  // whatever was pending, then a clean line
  auto reply = term_->ReadUntil("session: logged out");
  ASSERT_TRUE(reply);
  EXPECT_THAT(*reply, HasSubstr("ERR rejected"));
  ASSERT_TRUE(term_->ReadUntil("posdiag> "));
  EXPECT_TRUE(PortOpen());
  EXPECT_EQ(LastLine(Say("status")), "OK");
}

TEST_F(ConsoleTest, NoiseAtThePinPromptIsAFailedAttempt) {
  Say("login");
  EXPECT_EQ(LastLine(Say("\x01\x02")), "ERR wrong PIN (2 more before lockout)");
}

TEST_F(ConsoleTest, IdleLogout) {
  Login();
  std::optional<EventSource::TimePoint> wake;
  loop_->WithLock([&](Console& c) { wake = c.NextWake(); });
  ASSERT_TRUE(wake);
  EXPECT_EQ(*wake, clock_->Steady() + seconds(60));
  clock_->Advance(seconds(59));
  loop_->WithLock([&](Console& c) { c.OnWake(clock_->Steady()); });
  EXPECT_TRUE(LoggedIn());
  clock_->Advance(seconds(1));
  loop_->WithLock([&](Console& c) { c.OnWake(clock_->Steady()); });
  auto notice = term_->ReadUntil("posdiag> ");
  ASSERT_TRUE(notice);
  EXPECT_THAT(*notice, HasSubstr("NOTE session ended: idle for 60 s"));
  EXPECT_FALSE(LoggedIn());
  EXPECT_EQ(LastLine(Say("codes")), "ERR PIN required: type login");
  // Logged out and idle: the console asks to be woken for nothing.
  loop_->WithLock([&](Console& c) { wake = c.NextWake(); });
  EXPECT_FALSE(wake);
}

TEST_F(ConsoleTest, CablePulledMidReportThenReconnect) {
  Login();
  // A log long enough that the reply cannot fit in the pseudo-terminal's buffers.
  for (int i = 0; i < 1000; ++i) {
    diagnoser_->log()->info("filler line {} {}", i, std::string(150, 'f'));
  }
  diagnoser_->log()->flush();
  term_->StopReading();
  term_->Type("log 1000\r");
  // The reply has started: read its first bytes straight from the master, then pull the cable.
  pollfd p{term_->master(), POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 20'000), 1);
  char first[64];
  ASSERT_GT(::read(term_->master(), first, sizeof first), 0);
  term_->Close();
  ASSERT_TRUE(loop_->WaitUntil([](const Console& c) { return !c.port_open(); }));
  EXPECT_FALSE(LoggedIn());
  const std::string log = LogText();
  EXPECT_THAT(log, HasSubstr("event=closed"));
  EXPECT_THAT(log, Not(HasSubstr("timeout")));  // the hangup, not the write deadline

  std::optional<EventSource::TimePoint> wake;
  int fd = 0;
  loop_->WithLock([&](Console& c) {
    wake = c.NextWake();
    fd = c.fd();
  });
  EXPECT_EQ(fd, -1);
  ASSERT_TRUE(wake);
  EXPECT_EQ(*wake, clock_->Steady() + seconds(1));
  // The port is gone, as a pulled USB serial adapter's node is: the reopen fails and the back-off
  // doubles. (The link is removed rather than left dangling: the kernel hands the old pty's
  // number to the next pty opened on the machine, and a parallel test may open one at once.)
  std::filesystem::remove(link());
  clock_->Advance(seconds(1));
  loop_->WithLock([&](Console& c) {
    c.OnWake(clock_->Steady());
    wake = c.NextWake();
  });
  EXPECT_FALSE(PortOpen());
  EXPECT_EQ(*wake, clock_->Steady() + seconds(2));
  // The engineer plugs in again.
  term_ = std::make_unique<testing::PtyTerminal>(link());
  clock_->Advance(seconds(2));
  loop_->WithLock([&](Console& c) { c.OnWake(clock_->Steady()); });
  ASSERT_TRUE(PortOpen());
  const std::string status = Say("status");
  EXPECT_THAT(status, HasSubstr("session: logged out"));
  Login();
  EXPECT_EQ(LastLine(Say("history 1")), "OK 0 reports");
}

TEST_F(ConsoleTest, StalledTerminalDropsTheSessionByTheWriteDeadline) {
  Login();
  for (int i = 0; i < 1000; ++i) {
    diagnoser_->log()->info("filler line {} {}", i, std::string(150, 'f'));
  }
  diagnoser_->log()->flush();
  term_->StopReading();  // the terminal is still there but takes nothing
  term_->Type("log 1000\r");
  ASSERT_TRUE(loop_->WaitUntil([](const Console& c) { return !c.port_open(); }));
  EXPECT_THAT(LogText(), HasSubstr("timeout"));
  EXPECT_FALSE(LoggedIn());
  // Dropped again and again, it is reopened less and less often, like a pulled cable.
  std::vector<std::chrono::steady_clock::duration> waits;
  for (int round = 0; round < 3; ++round) {
    std::optional<EventSource::TimePoint> wake;
    loop_->WithLock([&](Console& c) { wake = c.NextWake(); });
    ASSERT_TRUE(wake);
    waits.push_back(*wake - clock_->Steady());
    clock_->Advance(std::chrono::ceil<seconds>(*wake - clock_->Steady()));
    loop_->WithLock([&](Console& c) { c.OnWake(clock_->Steady()); });
    ASSERT_TRUE(PortOpen());
    term_->Type("help\r");  // its reply cannot be written: the peer still takes nothing
    ASSERT_TRUE(loop_->WaitUntil([](const Console& c) { return !c.port_open(); }));
  }
  EXPECT_LT(waits[0], waits[1]);
  EXPECT_LT(waits[1], waits[2]);
}

TEST(ConsoleSettings, NoPinRefusesProtectedCommands) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "dev");
  testing::PtyTerminal term(dir.path() / "dev" / "ttyS9");
  ConsoleSettings settings;
  settings.port = "/dev/ttyS9";
  auto console = Console::Open(settings, io::RootFs(dir.path()), {}, {});
  ASSERT_TRUE(console);
  testing::ConsoleLoop loop(**console);
  term.Type("codes\r");
  auto reply = term.ReadUntil("posdiag> ");
  ASSERT_TRUE(reply);
  EXPECT_THAT(*reply, HasSubstr("ERR PIN-protected commands are off: no [console] pin_hash"));
  term.Type("login\r");
  reply = term.ReadUntil("posdiag> ");
  ASSERT_TRUE(reply);
  EXPECT_THAT(*reply, HasSubstr("ERR no engineer PIN configured ([console] pin_hash)"));
}

TEST(ConsoleSettings, BadValuesAreConfigErrors) {
  auto parse = [](std::string_view text) {
    std::vector<SectionSpec> specs = CoreSections();
    specs.push_back(ConsoleSection());
    return Config::Parse(text, "test.toml", specs);
  };
  EXPECT_EQ(ReadConsoleSettings(*parse("")).error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(parse("[console]\n").error().detail, "test.toml:1:1: [console] port: is required");
  auto bad_hash = parse("[console]\nport = \"/dev/ttyS0\"\npin_hash = \"1234\"\n");
  ASSERT_FALSE(bad_hash);
  EXPECT_THAT(bad_hash.error().detail, HasSubstr("test.toml:3:12: [console] pin_hash: "));
  EXPECT_THAT(bad_hash.error().detail, Not(HasSubstr("1234")));
  EXPECT_FALSE(parse("[console]\nport = \"/dev/ttyS0\"\nlang = \"fr\"\n"));
  auto ok = parse("[console]\nport = \"/dev/ttyS0\"\nlang = \"zh-CN\"\n");
  ASSERT_TRUE(ok);
  auto settings = ReadConsoleSettings(*ok);
  ASSERT_TRUE(settings);
  EXPECT_EQ(settings->lang, rules::Lang::kZhCn);
  EXPECT_EQ(settings->max_line, 256u);
  EXPECT_EQ(settings->baud, 115200);
}

TEST(ConsoleSettings, MissingPortIsRetriedNotFatal) {
  testing::TempDir dir;
  ConsoleSettings settings;
  settings.port = "/dev/ttyGONE";
  auto clock = std::make_shared<FakeClock>();
  auto console = Console::Open(settings, io::RootFs(dir.path()), {}, {clock, {}});
  ASSERT_TRUE(console);
  EXPECT_EQ((*console)->fd(), -1);
  auto wake = (*console)->NextWake();
  ASSERT_TRUE(wake);
  EXPECT_EQ(*wake, clock->Steady() + seconds(1));
  // The back-off grows to its cap and stays there: a missing port wakes the daemon once a minute.
  for (int i = 0; i < 10; ++i) {
    clock->Advance(seconds(60));
    (*console)->OnWake(clock->Steady());
  }
  EXPECT_EQ(*(*console)->NextWake(), clock->Steady() + seconds(60));
}

TEST(ConsoleSettings, APortAnotherProgramHasLockedIsLeftAloneUntilItIsFree) {
  testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "dev");
  testing::PtyTerminal term(dir.path() / "dev" / "ttyS3");
  // Another program's flock on the port, as a vendor's service tool takes it.
  const int other =
      ::open((dir.path() / "dev" / "ttyS3").c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(other, 0);
  ASSERT_EQ(::flock(other, LOCK_EX | LOCK_NB), 0);
  ConsoleSettings settings;
  settings.port = "/dev/ttyS3";
  auto clock = std::make_shared<FakeClock>();
  auto console = Console::Open(settings, io::RootFs(dir.path()), {}, {clock, {}});
  ASSERT_TRUE(console);
  EXPECT_FALSE((*console)->port_open());
  ::close(other);  // released
  clock->Advance(seconds(2));
  (*console)->OnWake(clock->Steady());
  EXPECT_TRUE((*console)->port_open());
}

}  // namespace
}  // namespace posdiag::agent
