#include "agent/modes/daemon.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/input.h>
#include <signal.h>
#include <spdlog/logger.h>
#include <spdlog/sinks/ostream_sink.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "agent/modes/key_source.h"
#include "agent/probes/keys/keys.h"
#include "agent/probes/keys/keys_device.h"
#include "tests/sim/fixture_tree.h"

namespace posdiag::agent {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr std::uint16_t kF1 = 59, kDown = 108, kUp = 103, kEsc = 1;

// Records what the daemon drew; three pages per report.
class RecordingScreen : public Screen {
 public:
  Result<void> ShowProgress(const RunProgress& p, Level) override {
    calls.push_back("progress " + std::to_string(p.done) + "/" + std::to_string(p.total));
    return Ok();
  }
  Result<void> ShowReport(const Report& r, std::size_t page) override {
    calls.push_back("report " + r.report_id + " page " + std::to_string(page));
    return Ok();
  }
  std::size_t PageCount(const Report&) const override { return 3; }
  Result<void> ShowMessage(std::string_view, std::string_view en) override {
    calls.push_back("message " + std::string(en));
    return Ok();
  }
  Result<void> ShowTestPattern() override {
    calls.push_back("pattern");
    return Ok();
  }
  void Borrow() override {
    if (!borrowed) calls.push_back("borrow");
    borrowed = true;
  }
  void Return() override {
    if (borrowed) calls.push_back("return");
    borrowed = false;
  }
  std::vector<std::string> calls;
  bool borrowed = false;
};

// A stand-in key device: a FIFO under a fixture root that the test writes input_events into,
// as the kernel queues them.
class KeyFifo {
 public:
  explicit KeyFifo(const posdiag::testing::FixtureTree& tree)
      : path_(tree.At("/dev/input/event3")) {
    std::filesystem::create_directories(path_.parent_path());
    if (::mkfifo(path_.c_str(), 0600) != 0) throw std::runtime_error("mkfifo");
  }
  ~KeyFifo() { Unplug(); }
  // After the reader opened it (a FIFO with no writer reads as end of file: unplugged).
  void Plug() { writer_ = ::open(path_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC); }
  void Unplug() {
    if (writer_ >= 0) ::close(writer_);
    writer_ = -1;
  }
  void Press(std::uint16_t code) { Events({{1, code, 1}, {0, 0, 0}, {1, code, 0}, {0, 0, 0}}); }
  void Events(const std::vector<drivers::input::InputEvent>& events) {
    std::vector<input_event> raw;
    for (const auto& e : events) {
      input_event r{};
      r.type = e.type;
      r.code = e.code;
      r.value = e.value;
      raw.push_back(r);
    }
    const auto bytes = static_cast<ssize_t>(raw.size() * sizeof(input_event));
    if (::write(writer_, raw.data(), static_cast<std::size_t>(bytes)) != bytes) {
      throw std::runtime_error("short write to the key FIFO");
    }
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  int writer_ = -1;
};

Report FakeReport(std::size_t n) {
  Report r;
  r.report_id = "R" + std::to_string(n);
  r.status = RunStatus::kOk;
  return r;
}

class DaemonTest : public ::testing::Test {
 protected:
  DaemonTest()
      : fifo_(tree_),
        flow_(
            [this](Level level, std::string_view kind,
                   const std::function<void(const RunProgress&)>& progress) {
              levels_.push_back(level);
              kinds_.emplace_back(kind);
              progress({0, 2, "power"});
              progress({2, 2, ""});
              if (during_run_) during_run_();
              return FakeReport(levels_.size());
            },
            &screen_, milliseconds(60'000), nullptr, [this] { return busy_; }),
        keys_(io::RootFs(tree_.root()), open_, Config(), milliseconds(2'000), nullptr,
              [this](KeyAction a) { flow_.OnKey(a); }) {}

  static KeyConfig Config() {
    // No debounce: the test presses faster than a person (ABounceIsOnePress has one).
    auto config = Config::Parse("[keys]\ndevice = \"/dev/input/event3\"\n", "test.toml",
                                probes::KeysDevice().ConfigSections());
    EXPECT_TRUE(config.ok());
    KeyConfig c = ReadKeyConfig(config->Section("keys"));
    c.debounce = milliseconds(0);
    return c;
  }
  void Connect() {
    keys_.Start(steady_clock::now());
    ASSERT_TRUE(keys_.connected());
    fifo_.Plug();
  }

  posdiag::testing::FixtureTree tree_;
  const SystemOpeners open_;
  KeyFifo fifo_;
  RecordingScreen screen_;
  std::vector<Level> levels_;
  std::vector<std::string> kinds_;
  std::function<void()> during_run_;
  std::optional<std::string> busy_;  // what [app] busy_lock says
  DiagnoseFlow flow_;
  KeySource keys_;
};

TEST_F(DaemonTest, ADiagnosePressRunsOneMerchantDiagnosisAndShowsPageZero) {
  Connect();
  EXPECT_TRUE(screen_.calls.empty()) << "nothing is drawn until the merchant asks";
  fifo_.Press(kF1);
  keys_.OnReadable();
  ASSERT_EQ(levels_.size(), 1u);
  EXPECT_EQ(levels_[0], Level::kMerchant);
  EXPECT_EQ(kinds_, std::vector<std::string>{"key"});
  EXPECT_EQ(flow_.state(), DiagnoseFlow::State::kShowing);
  EXPECT_EQ(screen_.calls, (std::vector<std::string>{"borrow", "progress 0/2", "progress 2/2",
                                                     "report R1 page 0"}));
}

TEST_F(DaemonTest, PressesDuringARunAreIgnoredNotQueued) {
  Connect();
  during_run_ = [this] {
    for (int i = 0; i < 50; ++i) fifo_.Press(kF1);  // the merchant keeps pressing
    fifo_.Press(kDown);
  };
  fifo_.Press(kF1);
  keys_.OnReadable();
  during_run_ = nullptr;
  keys_.OnReadable();  // nothing left: drained after the run
  EXPECT_EQ(levels_.size(), 1u);
  EXPECT_EQ(flow_.page(), 0u);
  // A press after the run is a new request.
  fifo_.Press(kF1);
  keys_.OnReadable();
  EXPECT_EQ(levels_.size(), 2u);
}

TEST_F(DaemonTest, PageKeysPageWithinTheReportAndBackReturnsToIdle) {
  Connect();
  fifo_.Press(kDown);  // nothing shown yet: nothing to page
  keys_.OnReadable();
  EXPECT_EQ(flow_.state(), DiagnoseFlow::State::kIdle);
  fifo_.Press(kF1);
  keys_.OnReadable();
  const std::vector<std::pair<std::uint16_t, std::size_t>> steps = {
      {kDown, 1}, {kDown, 2}, {kDown, 2}, {kUp, 1}, {kUp, 0}, {kUp, 0}};
  for (const auto& [key, page] : steps) {
    fifo_.Press(key);
    keys_.OnReadable();
    EXPECT_EQ(flow_.page(), page);
  }
  EXPECT_EQ(screen_.calls.back(), "report R1 page 0");
  fifo_.Press(kEsc);
  keys_.OnReadable();
  EXPECT_EQ(flow_.state(), DiagnoseFlow::State::kIdle);
  EXPECT_EQ(screen_.calls.back(), "return");  // the payment application's screen, as it was
}

TEST_F(DaemonTest, APressDuringATransactionIsDropped) {
  Connect();
  busy_ = "a transaction is in progress (/run/payapp.lock is locked)";
  fifo_.Press(kF1);
  keys_.OnReadable();
  EXPECT_TRUE(levels_.empty());
  EXPECT_TRUE(screen_.calls.empty());
  busy_.reset();
  fifo_.Press(kF1);
  keys_.OnReadable();
  EXPECT_EQ(levels_.size(), 1u);
}

TEST_F(DaemonTest, ATestGivesTheScreenBackOrTheResultItInterrupted) {
  const auto prompt = [](Screen* screen) {
    (void)screen->ShowMessage("请刷磁条卡", "Swipe a card");
    return RoutineResult{RoutineResult::Verdict::kSkipped, "no swipe"};
  };
  flow_.Test(prompt);
  EXPECT_EQ(screen_.calls, (std::vector<std::string>{"borrow", "message Swipe a card", "return"}));
  Connect();
  fifo_.Press(kF1);
  keys_.OnReadable();  // a result on the screen
  screen_.calls.clear();
  flow_.Test(prompt);
  EXPECT_EQ(screen_.calls, (std::vector<std::string>{"message Swipe a card", "report R1 page 0"}));
  flow_.Release();
  EXPECT_EQ(screen_.calls.back(), "return");
}

TEST_F(DaemonTest, ABounceIsOnePress) {
  KeyConfig config = Config();
  config.debounce = milliseconds(80);
  KeySource keys(io::RootFs(tree_.root()), open_, config, milliseconds(2'000), nullptr,
                 [this](KeyAction a) { flow_.OnKey(a); });
  keys.Start(steady_clock::now());
  ASSERT_TRUE(keys.connected());
  fifo_.Plug();
  fifo_.Press(kF1);
  keys.OnReadable();
  // Two page presses in one read, 0 ms apart: the second is a bounce.
  fifo_.Events({{1, kDown, 1}, {0, 0, 0}, {1, kDown, 0}, {1, kDown, 1}, {0, 0, 0}});
  keys.OnReadable();
  EXPECT_EQ(flow_.page(), 1u);
  EXPECT_EQ(keys.filter().debounced(), 1u);
}

TEST_F(DaemonTest, AStormOfUnknownKeysRunsNothing) {
  Connect();
  std::vector<drivers::input::InputEvent> storm;
  for (int i = 0; i < 2000; ++i) storm.push_back({1, static_cast<std::uint16_t>(300 + i % 100), 1});
  fifo_.Events(storm);  // 48 KB, inside the FIFO's buffer
  for (int i = 0; i < 100 && keys_.filter().ignored() < 2000; ++i) keys_.OnReadable();
  EXPECT_EQ(keys_.filter().ignored(), 2000u);
  EXPECT_TRUE(levels_.empty());
}

TEST_F(DaemonTest, AVanishedDeviceIsLookedForAgainWithBackOff) {
  Connect();
  fifo_.Unplug();
  keys_.OnReadable();  // end of file: the device went away
  EXPECT_FALSE(keys_.connected());
  ASSERT_TRUE(keys_.NextWake().has_value());
  std::filesystem::remove(fifo_.path());
  auto now = steady_clock::now();
  std::vector<milliseconds> waits;
  for (int i = 0; i < 6; ++i) {
    keys_.OnWake(now);
    ASSERT_FALSE(keys_.connected());
    ASSERT_TRUE(keys_.NextWake().has_value());
    waits.push_back(std::chrono::duration_cast<milliseconds>(*keys_.NextWake() - now));
    now = *keys_.NextWake();
  }
  EXPECT_EQ(waits, (std::vector<milliseconds>{milliseconds(500), milliseconds(1000),
                                              milliseconds(2000), milliseconds(2000),
                                              milliseconds(2000), milliseconds(2000)}));
  ASSERT_EQ(::mkfifo(fifo_.path().c_str(), 0600), 0);
  keys_.OnWake(now);
  EXPECT_TRUE(keys_.connected());
  EXPECT_FALSE(keys_.NextWake().has_value());  // idle again: no timer
}

// A device that opens but cannot be waited on (a regular file): warned about once, and its
// retries write nothing at info either (with the default rescan_max_ms, one line every 30 s for as
// long as the daemon runs).
TEST_F(DaemonTest, RetriesOfAnUnusableDeviceAreNotLoggedAtInfo) {
  tree_.Put("/dev/input/plain", "");
  std::ostringstream lines;
  auto log = std::make_shared<spdlog::logger>(
      "keys", std::make_shared<spdlog::sinks::ostream_sink_st>(lines));
  log->set_pattern("%l %v");
  log->set_level(spdlog::level::info);
  KeyConfig config = Config();
  config.device = "/dev/input/plain";
  KeySource keys(io::RootFs(tree_.root()), open_, config, milliseconds(2'000), log,
                 [](KeyAction) {});
  keys.Start(steady_clock::now());
  ASSERT_TRUE(keys.connected());
  for (int i = 0; i < 5; ++i) {
    keys.OnUnpollable("epoll_ctl add 8: Operation not permitted");
    ASSERT_TRUE(keys.NextWake().has_value());
    keys.OnWake(*keys.NextWake());
    ASSERT_TRUE(keys.connected());
  }
  const std::string all = lines.str();
  auto count = [&all](const std::string& what) {
    std::size_t n = 0;
    for (std::size_t at = all.find(what); at != std::string::npos; at = all.find(what, at + 1)) ++n;
    return n;
  };
  EXPECT_EQ(count("info keys: reading "), 1u) << all;
  EXPECT_EQ(count("warning keys: "), 1u) << all;
  EXPECT_EQ(count("\n"), 2u) << all;
}

TEST_F(DaemonTest, TheResultGoesBackToIdleAfterTheTimeout) {
  Connect();
  fifo_.Press(kF1);
  keys_.OnReadable();
  ASSERT_TRUE(flow_.NextWake().has_value());
  const auto at = *flow_.NextWake();
  flow_.OnWake(at - milliseconds(1));
  EXPECT_EQ(flow_.state(), DiagnoseFlow::State::kShowing);
  flow_.OnWake(at);
  EXPECT_EQ(flow_.state(), DiagnoseFlow::State::kIdle);
  EXPECT_FALSE(flow_.NextWake().has_value());
}

// The whole loop: a key press runs a diagnosis, whose runner sends the process SIGTERM; the loop
// then ends through the signalfd.
TEST_F(DaemonTest, TheLoopServesKeysAndEndsOnSigterm) {
  auto signals = SignalSource::Create();
  ASSERT_TRUE(signals.ok()) << signals.error().detail;
  Connect();
  EventLoop loop;
  loop.Add(signals->get());
  loop.Add(&flow_);
  loop.Add(&keys_);
  during_run_ = [] { ::kill(::getpid(), SIGTERM); };
  fifo_.Press(kF1);
  auto ran = loop.Run();
  ASSERT_TRUE(ran.ok()) << ran.error().detail;
  EXPECT_EQ((*signals)->signal(), SIGTERM);
  EXPECT_EQ(levels_.size(), 1u);
  EXPECT_LE(loop.wakeups(), 3u);
}

// Busy handlers (a console command) make the loop drop key presses queued meanwhile.
TEST_F(DaemonTest, PressesQueuedWhileAnotherSourceWasBusyAreDropped) {
  auto signals = SignalSource::Create();
  ASSERT_TRUE(signals.ok());
  Connect();
  struct Busy : EventSource {
    int fds[2] = {-1, -1};
    std::function<void()> work;
    int fd() const override { return fds[0]; }
    void OnReadable() override {
      char c;
      (void)::read(fds[0], &c, 1);
      work();
    }
  } busy;
  ASSERT_EQ(::pipe2(busy.fds, O_CLOEXEC | O_NONBLOCK), 0);
  busy.work = [&] {
    fifo_.Press(kF1);  // pressed while the console held the loop
    ::kill(::getpid(), SIGTERM);
  };
  EventLoop loop;
  loop.Add(signals->get());
  loop.Add(&busy);
  loop.Add(&keys_);
  // Every handler counts as busy here, whatever the speed of the machine.
  loop.OnBusy(milliseconds(-1), [this](EventSource* s) {
    if (s != &keys_) keys_.Drain();
  });
  ASSERT_EQ(::write(busy.fds[1], "x", 1), 1);
  ASSERT_TRUE(loop.Run().ok());
  EXPECT_TRUE(levels_.empty());
  ::close(busy.fds[0]);
  ::close(busy.fds[1]);
}

}  // namespace
}  // namespace posdiag::agent
