// An engineer's session as a person holds it, scripted: keystrokes go into picocom's own terminal,
// picocom sends them down a serial line (a socat pseudo-terminal pair, as a bench bridge or a USB
// serial cable gives), the console at the other end answers through its real serial seam, and the
// test reads what picocom shows. The console runs in this process on a real Diagnoser over an
// empty terminal, driven by a loop like the daemon's.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "agent/modes/console.h"
#include "agent/modes/diagnose.h"
#include "agent/modes/pin_hash.h"
#include "agent/report_id.h"
#include "agent/sinks/temp_dir.h"
#include "tests/console/console_loop.h"
#include "tests/console/pty_terminal.h"

namespace posdiag::agent {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

constexpr std::string_view kPin = "482915";

// A child process we started, waited for under a deadline through its pidfd and killed (by its
// own pid) if it is still running when the test ends.
class Child {
 public:
  Child() = default;
  explicit Child(pid_t pid) : pid_(pid) {
    pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  }
  ~Child() {
    if (pid_ > 0 && !Wait(0ms)) {
      ::kill(pid_, SIGTERM);
      Wait(10s);
    }
    if (pidfd_ >= 0) ::close(pidfd_);
  }
  Child(Child&& other) noexcept { *this = std::move(other); }
  Child& operator=(Child&& other) noexcept {
    std::swap(pid_, other.pid_);
    std::swap(pidfd_, other.pidfd_);
    std::swap(status_, other.status_);
    return *this;
  }

  // True once the child has exited (its status is then in status()).
  bool Wait(std::chrono::milliseconds deadline) {
    if (pid_ <= 0) return true;
    pollfd p{pidfd_, POLLIN, 0};
    if (pidfd_ >= 0 && ::poll(&p, 1, static_cast<int>(deadline.count())) != 1) return false;
    if (::waitpid(pid_, &status_, 0) != pid_) return false;
    pid_ = -1;
    return true;
  }
  pid_t pid() const { return pid_; }
  int status() const { return status_; }

 private:
  pid_t pid_ = -1;
  int pidfd_ = -1;
  int status_ = 0;
};

// socat joining two new pseudo-terminals; their names as socat prints them at -d -d.
struct SerialLine {
  Child socat;
  std::vector<std::string> ends;
};

std::optional<SerialLine> StartSerialLine() {
  int err[2];
  if (::pipe2(err, O_CLOEXEC) != 0) return std::nullopt;
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(err[1], STDERR_FILENO);
    ::execlp("socat", "socat", "-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0", nullptr);
    ::_exit(127);
  }
  ::close(err[1]);
  SerialLine line{Child(pid), {}};
  std::string text;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (text.find("starting data transfer loop") == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{err[0], POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) != 1) break;
    char buffer[512];
    const ssize_t n = ::read(err[0], buffer, sizeof buffer);
    if (n <= 0) break;
    text.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(err[0]);
  static const std::regex kPty("PTY is (/dev/pts/[0-9]+)");
  for (std::sregex_iterator it(text.begin(), text.end(), kPty), end; it != end; ++it) {
    line.ends.push_back((*it)[1]);
  }
  if (line.ends.size() != 2) return std::nullopt;
  return line;
}

bool HaveProgram(const char* name) {
  const std::string command = std::string("command -v ") + name + " >/dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

class ConsoleSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // setup.sh installs both; without them this test cannot say anything.
    ASSERT_TRUE(HaveProgram("socat")) << "socat is not installed (bash setup.sh deps)";
    ASSERT_TRUE(HaveProgram("picocom")) << "picocom is not installed (bash setup.sh deps)";
    auto line = StartSerialLine();
    ASSERT_TRUE(line) << "socat did not make a pseudo-terminal pair";
    line_ = std::move(*line);

    std::filesystem::create_directories(dir_.path() / "dev");
    std::filesystem::create_symlink(line_.ends[0], dir_.path() / "dev" / "ttyBENCH");
    auto hash = MakePinHash(kPin, kMinPinIterations);
    ASSERT_TRUE(hash);
    config_ = dir_.path() / "posdiag.toml";
    std::ofstream(config_) << "[system]\nroot = \"" << dir_.path().string() << "\"\n"
                           << "[log]\ndir = \"" << (dir_.path() / "log").string() << "\"\n"
                           << "[history]\ndir = \"" << (dir_.path() / "history").string() << "\"\n"
                           << "[console]\nport = \"/dev/ttyBENCH\"\nbaud = 115200\n"
                           << "pin_hash = \"" << *hash << "\"\n";
  }

  // The console in this process, on a loop like the daemon's (so the test can look inside).
  void StartConsoleHere() {
    auto d = Diagnoser::Create(config_.string());
    ASSERT_TRUE(d) << d.error().detail;
    diagnoser_ = std::move(*d);
    ConsoleServices services{
        diagnoser_.get(), [this](Level level) { return diagnoser_->Run(level); }, {}, {}, {}};
    auto console = Console::Open(diagnoser_->config(), io::RootFs(dir_.path()), services);
    ASSERT_TRUE(console) << console.error().detail;
    console_ = std::move(*console);
    ASSERT_TRUE(console_->port_open());
    loop_ = std::make_unique<testing::ConsoleLoop>(*console_);
  }

  // The console in the real daemon, `posdiag daemon --config ...`, ready once it says so.
  void StartDaemon() {
    int out[2];
    ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::dup2(out[1], STDERR_FILENO);
      ::execl(POSDIAG_BINARY, POSDIAG_BINARY, "daemon", "--config", config_.c_str(), nullptr);
      ::_exit(127);
    }
    ::close(out[1]);
    daemon_ = Child(pid);
    daemon_out_ = out[0];
    std::string said;
    while (said.find("console=on") == std::string::npos) {
      pollfd p{daemon_out_, POLLIN, 0};
      ASSERT_EQ(::poll(&p, 1, 20'000), 1) << "the daemon did not say it was ready: " << said;
      char buffer[256];
      const ssize_t n = ::read(daemon_out_, buffer, sizeof buffer);
      ASSERT_GT(n, 0) << "the daemon ended: " << said;
      said.append(buffer, static_cast<std::size_t>(n));
    }
  }

  void StartPicocom() {
    // picocom on the other end, in a terminal of its own that the test types into.
    int master = -1;
    const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::setenv("TERM", "dumb", 1);
      ::execlp("picocom", "picocom", "--nolock", "--baud", "115200", line_.ends[1].c_str(),
               nullptr);
      ::_exit(127);
    }
    picocom_ = Child(pid);
    screen_ = testing::PtyTerminal::Adopt(master);
    // What a person waits for too: keys typed before it are not sent.
    ASSERT_TRUE(screen_->ReadUntil("Terminal ready")) << screen_->TakeAll();
  }

  void TearDown() override {
    screen_.reset();
    picocom_ = Child();
    loop_.reset();
    console_.reset();
    daemon_ = Child();
    if (daemon_out_ >= 0) ::close(daemon_out_);
  }

  // Keys typed at picocom, then what it shows up to the next prompt.
  std::string Keys(std::string_view keys) {
    screen_->Type(keys);
    auto shown = screen_->ReadUntilAny({"posdiag> ", "posdiag# ", "posdiag PIN: "});
    EXPECT_TRUE(shown) << "no prompt on picocom's screen after keys \"" << keys
                       << "\"; it shows: \"" << screen_->TakeAll() << "\"";
    return shown.value_or("");
  }

  testing::TempDir dir_;
  std::filesystem::path config_;
  SerialLine line_;
  Child daemon_;
  int daemon_out_ = -1;
  std::unique_ptr<Diagnoser> diagnoser_;
  std::unique_ptr<Console> console_;
  std::unique_ptr<testing::ConsoleLoop> loop_;
  Child picocom_;
  std::unique_ptr<testing::PtyTerminal> screen_;
};

TEST_F(ConsoleSessionTest, AnEngineerAtPicocom) {
  StartConsoleHere();
  StartPicocom();
  // Enter on a keyboard is CR; picocom sends it as it is.
  EXPECT_THAT(Keys("\r"), HasSubstr("posdiag> "));
  std::string shown = Keys("help\r");
  EXPECT_THAT(shown, HasSubstr("run boot|merchant|engineer"));
  EXPECT_THAT(shown, HasSubstr("\r\nOK\r\n"));
  // A typo fixed with the Backspace key (DEL from picocom's terminal).
  shown = Keys("statx\x7fus\r");
  EXPECT_THAT(shown, HasSubstr("session: logged out"));
  EXPECT_THAT(Keys("codes\r"), HasSubstr("ERR PIN required: type login"));

  EXPECT_THAT(Keys("login\r"), ::testing::EndsWith("posdiag PIN: "));
  shown = Keys(std::string(kPin) + "\r");
  EXPECT_THAT(shown, HasSubstr("OK logged in"));
  EXPECT_THAT(shown, Not(HasSubstr(kPin)));

  shown = Keys("run merchant\r");
  EXPECT_THAT(shown, HasSubstr("NOTE running merchant diagnosis"));
  std::smatch m;
  static const std::regex kDone("OK (ok|warning|error|critical|unknown) ([0-9A-Z]{4}-[0-9A-Z]{4})");
  ASSERT_TRUE(std::regex_search(shown, m, kDone)) << shown;
  const std::string id = m[2];
  EXPECT_TRUE(IsValidReportId(id));

  shown = Keys("report json\r");
  EXPECT_THAT(shown, HasSubstr("\"report_id\": \"" + id + "\""));
  EXPECT_THAT(Keys("history\r"), HasSubstr(id));
  EXPECT_THAT(Keys("show " + id + "\r"), HasSubstr("OK " + id));
  std::string typo = id;
  typo[2] = typo[2] == 'Z' ? 'Y' : 'Z';
  EXPECT_THAT(Keys("show " + typo + "\r"), HasSubstr("the check symbol does not match"));
  EXPECT_THAT(Keys("log 5\r"), HasSubstr("\r\nOK\r\n"));
  EXPECT_THAT(Keys("exit\r"), HasSubstr("OK logged out\r\nposdiag> "));

  // C-a C-x: picocom's own exit. It leaves; the console stays for the next engineer.
  screen_->Type("\x01\x18");
  ASSERT_TRUE(picocom_.Wait(20s)) << "picocom did not exit";
  EXPECT_TRUE(WIFEXITED(picocom_.status()));
  loop_->WithLock([](Console& console) {
    EXPECT_TRUE(console.port_open());
    EXPECT_FALSE(console.logged_in());
  });
}

}  // namespace
}  // namespace posdiag::agent

namespace posdiag::agent {
namespace {

// The same cable on the real daemon: what a reviewer does by hand with picocom.
TEST_F(ConsoleSessionTest, AnEngineerAtPicocomOnTheDaemon) {
  StartDaemon();
  StartPicocom();
  EXPECT_THAT(Keys("\r"), HasSubstr("posdiag> "));
  EXPECT_THAT(Keys("status\r"), HasSubstr("session: logged out"));
  EXPECT_THAT(Keys("history\r"), HasSubstr("ERR PIN required: type login"));
  Keys("login\r");
  EXPECT_THAT(Keys("000000\r"), HasSubstr("ERR wrong PIN (2 more before lockout)"));
  Keys("login\r");
  // Nothing of the PIN shows: only the line end, then the reply.
  EXPECT_EQ(Keys(std::string(kPin) + "\r"), "\r\nOK logged in\r\nposdiag# ");
  const std::string shown = Keys("run engineer\r");
  static const std::regex kDone("OK (ok|warning|error|critical|unknown) ([0-9A-Z]{4}-[0-9A-Z]{4})");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(shown, m, kDone)) << shown;
  EXPECT_THAT(Keys("history 1\r"), HasSubstr(std::string(m[2])));
  EXPECT_THAT(Keys("exit\r"), HasSubstr("OK logged out"));
  screen_->Type("\x01\x18");
  ASSERT_TRUE(picocom_.Wait(20s)) << "picocom did not exit";
  // The daemon is still serving, and stops cleanly when asked.
  ASSERT_EQ(::kill(daemon_.pid(), SIGTERM), 0);
  ASSERT_TRUE(daemon_.Wait(20s)) << "the daemon did not stop";
  EXPECT_TRUE(WIFEXITED(daemon_.status()));
  EXPECT_EQ(WEXITSTATUS(daemon_.status()), 0);
}

}  // namespace
}  // namespace posdiag::agent
