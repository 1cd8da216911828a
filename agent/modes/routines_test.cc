// The engineer routines (`test NAME`) as the daemon runs them: through the Diagnoser, which gives
// them the config, the real openers and the display, and skips a routine whose device table is
// absent before it prompts.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/input.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <future>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "agent/modes/diagnose.h"
#include "tests/sim/fixture_tree.h"

namespace posdiag::agent {
namespace {

using std::chrono::milliseconds;
using Verdict = RoutineResult::Verdict;

class PatternScreen : public Screen {
 public:
  Result<void> ShowProgress(const RunProgress&, Level) override { return Ok(); }
  Result<void> ShowReport(const Report&, std::size_t) override { return Ok(); }
  std::size_t PageCount(const Report&) const override { return 1; }
  Result<void> ShowMessage(std::string_view, std::string_view en) override {
    messages.emplace_back(en);
    return Ok();
  }
  Result<void> ShowTestPattern() override {
    ++patterns;
    if (broken) return Error{ErrorKind::kIo, "write /dev/fb0: no space left on device"};
    return Ok();
  }
  std::vector<std::string> messages;
  std::atomic<int> patterns = 0;  // read by the test while the routine holds the pattern
  bool broken = false;
};

// A terminal with a keypad (a FIFO standing in for its evdev node) and nothing else configured.
class RoutinesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    tree_.MakeDir("/dev/input");
    keypad_ = tree_.At("/dev/input/event3");
    ASSERT_EQ(::mkfifo(keypad_.c_str(), 0600), 0);
    tree_.MakeDir("/var/log/posdiag");
    tree_.MakeDir("/var/lib/posdiag");
    const std::string root = tree_.root().string();
    tree_.Put("/posdiag.toml", "[system]\nroot = \"" + root + "\"\n[log]\ndir = \"" + root +
                                   "/var/log/posdiag\"\n[history]\ndir = \"" + root +
                                   "/var/lib/posdiag\"\n[keys]\ndevice = \"/dev/input/event3\"\n");
    auto d = Diagnoser::Create(tree_.At("/posdiag.toml").string());
    ASSERT_TRUE(d.ok()) << d.error().detail;
    diagnoser_ = std::move(*d);
    // Held open so the FIFO keeps its bytes and never reads as end of file.
    holder_ = ::open(keypad_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    writer_ = ::open(keypad_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    ASSERT_GE(writer_, 0);
  }
  void TearDown() override {
    if (writer_ >= 0) ::close(writer_);
    if (holder_ >= 0) ::close(holder_);
  }
  void Press(std::uint16_t code) {
    input_event e[2] = {};
    e[0].type = EV_KEY;
    e[0].code = code;
    e[0].value = 1;
    ASSERT_EQ(::write(writer_, e, sizeof(e)), static_cast<ssize_t>(sizeof(e)));
  }

  // The routine named `name`, run as `test name` with `screen` and the deadline `ms` away.
  RoutineResult Test(std::string_view name, Screen* screen, int ms, Diagnoser* d = nullptr,
                     std::stop_token stop = {}, std::stop_token answered = {}) {
    d = d != nullptr ? d : diagnoser_.get();
    for (const auto& r : d->routines()) {
      if (r->Name() == name) {
        return d->RunRoutine(*r, screen, io::Deadline::In(milliseconds(ms)), std::move(stop),
                             std::move(answered));
      }
    }
    ADD_FAILURE() << "no routine " << name;
    return {};
  }

  posdiag::testing::FixtureTree tree_;
  std::filesystem::path keypad_;
  std::unique_ptr<Diagnoser> diagnoser_;
  PatternScreen screen_;
  int holder_ = -1;
  int writer_ = -1;
};

TEST_F(RoutinesTest, EveryKeyPressedPasses) {
  for (int code : {KEY_F1, KEY_DOWN, KEY_A, KEY_UP, KEY_ESC})
    Press(static_cast<std::uint16_t>(code));
  const auto r = Test("keys", &screen_, 5'000);
  EXPECT_EQ(r.verdict, Verdict::kPassed) << r.detail;
  EXPECT_EQ(screen_.messages, std::vector<std::string>{"Press every key"});
}

TEST_F(RoutinesTest, AKeyNotPressedByTheDeadlineFails) {
  Press(KEY_F1);
  Press(KEY_DOWN);
  const auto r = Test("keys", &screen_, 200);
  EXPECT_EQ(r.verdict, Verdict::kFailed);
  EXPECT_EQ(r.detail, "not pressed: page_prev, back");
}

TEST_F(RoutinesTest, NoKeyPressedIsSkipped) {
  const auto r = Test("keys", nullptr, 100);
  EXPECT_EQ(r.verdict, Verdict::kSkipped) << r.detail;
  EXPECT_EQ(VerdictName(r.verdict), "skipped");
}

TEST_F(RoutinesTest, TheTestPatternIsShownOrItsFailureSaid) {
  const std::string root = tree_.root().string();
  tree_.Put("/display.toml", "[system]\nroot = \"" + root + "\"\n[log]\ndir = \"" + root +
                                 "/var/log/posdiag\"\n[history]\ndir = \"" + root +
                                 "/var/lib/posdiag\"\n[display]\n");
  auto d = Diagnoser::Create(tree_.At("/display.toml").string());
  ASSERT_TRUE(d.ok()) << d.error().detail;
  std::stop_source answered;
  answered.request_stop();
  EXPECT_EQ(Test("display", &screen_, 100, d->get(), {}, answered.get_token()).verdict,
            Verdict::kPassed);
  screen_.broken = true;
  const auto broken = Test("display", &screen_, 100, d->get());
  EXPECT_EQ(broken.verdict, Verdict::kFailed);
  EXPECT_NE(broken.detail.find("no space left"), std::string::npos);
  EXPECT_EQ(screen_.patterns, 2);
  EXPECT_EQ(Test("display", nullptr, 100, d->get()).verdict, Verdict::kError);
}

// The screen is given back when a test ends: the pattern stays up until the engineer answers, and
// without an answer until the deadline or until posdiag stops.
TEST_F(RoutinesTest, TheTestPatternStaysUpUntilAnAnswerTheDeadlineOrAStop) {
  const std::string root = tree_.root().string();
  tree_.Put("/display.toml", "[system]\nroot = \"" + root + "\"\n[log]\ndir = \"" + root +
                                 "/var/log/posdiag\"\n[history]\ndir = \"" + root +
                                 "/var/lib/posdiag\"\n[display]\n");
  auto d = Diagnoser::Create(tree_.At("/display.toml").string());
  ASSERT_TRUE(d.ok()) << d.error().detail;

  std::stop_source answered;
  auto held = std::async(std::launch::async, [&] {
    return Test("display", &screen_, 60'000, d->get(), {}, answered.get_token());
  });
  for (int i = 0; i < 1000 && screen_.patterns == 0; ++i)
    std::this_thread::sleep_for(milliseconds(10));
  ASSERT_EQ(screen_.patterns, 1);
  // Drawn, and still held: the test has not ended.
  EXPECT_EQ(held.wait_for(milliseconds(300)), std::future_status::timeout);
  answered.request_stop();
  ASSERT_EQ(held.wait_for(milliseconds(10'000)), std::future_status::ready);
  const RoutineResult seen = held.get();
  EXPECT_EQ(seen.verdict, Verdict::kPassed) << seen.detail;
  EXPECT_NE(seen.detail.find("until the engineer answered"), std::string::npos) << seen.detail;

  const RoutineResult unanswered = Test("display", &screen_, 200, d->get());
  EXPECT_EQ(unanswered.verdict, Verdict::kSkipped) << unanswered.detail;
  EXPECT_NE(unanswered.detail.find("until the deadline"), std::string::npos) << unanswered.detail;

  std::stop_source stopping;
  stopping.request_stop();
  const RoutineResult stopped = Test("display", &screen_, 60'000, d->get(), stopping.get_token());
  EXPECT_EQ(stopped.verdict, Verdict::kSkipped) << stopped.detail;
  EXPECT_NE(stopped.detail.find("stopped"), std::string::npos) << stopped.detail;
  EXPECT_EQ(screen_.patterns, 3);
}

TEST_F(RoutinesTest, DevicesAbsentFromTheConfigAreSkippedBeforeAnyPrompt) {
  for (const char* name : {"swipe", "chip", "slip", "display"}) {
    const auto r = Test(name, &screen_, 500);
    EXPECT_EQ(r.verdict, Verdict::kSkipped) << name << ": " << r.detail;
    EXPECT_NE(r.detail.find("not configured"), std::string::npos) << r.detail;
  }
  EXPECT_TRUE(screen_.messages.empty());
  EXPECT_EQ(screen_.patterns, 0);
}

TEST_F(RoutinesTest, EveryDeviceOffersItsRoutine) {
  std::vector<std::string> names;
  for (const auto& r : diagnoser_->routines()) names.emplace_back(r->Name());
  for (const char* name : {"swipe", "chip", "keys", "display", "slip"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), name), names.end()) << name;
  }
}

TEST_F(RoutinesTest, ASwipeReaderThatIsNotThereIsSaid) {
  // [magstripe] names a node that does not exist: no reader, not a failed swipe.
  const std::string root = tree_.root().string();
  tree_.Put("/swipe.toml", "[system]\nroot = \"" + root + "\"\n[log]\ndir = \"" + root +
                               "/var/log/posdiag\"\n[history]\ndir = \"" + root +
                               "/var/lib/posdiag\"\n[magstripe]\ndevice = \"/dev/input/event9\"\n");
  auto d = Diagnoser::Create(tree_.At("/swipe.toml").string());
  ASSERT_TRUE(d.ok()) << d.error().detail;
  const auto r = Test("swipe", &screen_, 2'000, d->get());
  EXPECT_EQ(r.verdict, Verdict::kError) << r.detail;
  EXPECT_NE(r.detail.find("no reader"), std::string::npos) << r.detail;
  EXPECT_EQ(screen_.messages, std::vector<std::string>{"Swipe a card"});
}

}  // namespace
}  // namespace posdiag::agent
