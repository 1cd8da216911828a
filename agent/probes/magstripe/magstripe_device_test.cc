// The stripe reader as a device: its table (wrong values are config errors), the facts the
// catalogue names, and `test swipe` against scripted runs of the magstripe probe.
#include "agent/probes/magstripe/magstripe_device.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "agent/probes/testing/fake_openers.h"
#include "agent/probes/testing/probe_harness.h"
#include "rules/loader/catalog.h"

namespace posdiag::agent::probes {
namespace {

using posdiag::testing::FixtureTree;
using std::chrono::milliseconds;
using testing::AtEpoch;
using testing::FakeOpeners;
using testing::FixedClock;
using V = rules::FactValue;
using Verdict = RoutineResult::Verdict;

class MagstripeDeviceTest : public ::testing::Test {
 protected:
  FixtureTree tree_;
  MagstripeDevice device_;
  FixedClock clock_{AtEpoch(1'700'000'000)};
};

TEST_F(MagstripeDeviceTest, DeclaresItsSectionProbeAndRoutine) {
  const auto sections = device_.ConfigSections();
  ASSERT_EQ(sections.size(), 1u);
  EXPECT_EQ(sections[0].name, "magstripe");
  EXPECT_TRUE(CheckSpecs(sections).empty());
  auto probe = device_.MakeProbe();
  ASSERT_NE(probe, nullptr);
  EXPECT_EQ(probe->Name(), "magstripe");
  const auto routines = device_.Routines();
  ASSERT_EQ(routines.size(), 1u);
  EXPECT_EQ(routines[0]->Name(), "swipe");
  EXPECT_EQ(routines[0]->Section(), "magstripe");
}

TEST_F(MagstripeDeviceTest, TheDefaults) {
  auto config = testing::DeviceConfig(device_, "[magstripe]\n");
  ASSERT_TRUE(config.ok()) << config.error().detail;
  const ConfigSection& s = config->Section("magstripe");
  EXPECT_EQ(s.GetString("device"), "/dev/input/event0");
  EXPECT_EQ(s.GetInt("swipe_timeout_ms"), 15000);
  EXPECT_EQ(s.GetInt("timeout_ms"), 17000);
}

// Wrong values never reach the probe: the schema refuses them, with where and why.
TEST_F(MagstripeDeviceTest, WrongValuesAreConfigErrors) {
  struct Case {
    const char* text;
    const char* key;
  };
  for (const Case& c : {
           Case{"[magstripe]\ndevice = \"event5\"\n", "device"},
           Case{"[magstripe]\ndevice = 5\n", "device"},
           Case{"[magstripe]\nswipe_timeout_ms = 999\n", "swipe_timeout_ms"},
           Case{"[magstripe]\nswipe_timeout_ms = 600001\n", "swipe_timeout_ms"},
       }) {
    auto config = testing::DeviceConfig(device_, c.text);
    ASSERT_FALSE(config.ok()) << c.text;
    EXPECT_NE(config.error().detail.find("test.toml:"), std::string::npos) << config.error().detail;
    EXPECT_NE(config.error().detail.find(std::string("[magstripe] ") + c.key), std::string::npos)
        << config.error().detail;
  }
}

TEST_F(MagstripeDeviceTest, EveryFactTheCatalogueNamesIsDeclared) {
  const auto loaded = rules::LoadRuleFile(POSDIAG_SOURCE_DIR "/rules/catalog/magstripe.toml");
  ASSERT_TRUE(loaded.ok());
  ASSERT_FALSE(loaded.rules.empty());
  const rules::FactSchema declared(device_.MakeProbe()->Facts());
  for (const auto& d : rules::CheckFactNames(loaded.rules, declared)) ADD_FAILURE() << d.ToString();
}

// `test swipe`.

class RecordingScreen final : public Screen {
 public:
  Result<void> ShowProgress(const RunProgress&, Level) override { return Ok(); }
  Result<void> ShowReport(const Report&, std::size_t) override { return Ok(); }
  std::size_t PageCount(const Report&) const override { return 1; }
  Result<void> ShowMessage(std::string_view zh_cn, std::string_view en) override {
    messages.emplace_back(std::string(zh_cn) + "|" + std::string(en));
    return Ok();
  }
  Result<void> ShowTestPattern() override { return Ok(); }
  std::vector<std::string> messages;
};

agent::ProbeRun Measured(std::vector<std::pair<std::string, V>> facts,
                         std::vector<std::pair<std::string, std::string>> missing = {}) {
  agent::ProbeRun run;
  run.outcome.name = "magstripe";
  run.outcome.status = ProbeStatus::kOk;
  for (auto& [name, value] : facts) {
    rules::Fact f;
    f.name = name;
    f.value = std::move(value);
    f.probe = "magstripe";
    run.facts.Add(std::move(f));
  }
  for (auto& [name, why] : missing) {
    rules::MissingFact m;
    m.name = name;
    m.reason = why;
    m.probe = "magstripe";
    run.facts.AddMissing(std::move(m));
  }
  return run;
}

agent::ProbeRun NotMeasured(ProbeStatus status, std::string error) {
  agent::ProbeRun run;
  run.outcome.name = "magstripe";
  run.outcome.status = status;
  run.outcome.error = std::move(error);
  return run;
}

// A reader that was there, free, and swiped.
std::vector<std::pair<std::string, V>> Swiped(std::vector<std::pair<std::string, V>> more) {
  std::vector<std::pair<std::string, V>> facts = {
      {"magstripe.detected", V(true)}, {"magstripe.busy", V(false)}, {"magstripe.swiped", V(true)}};
  for (auto& f : more) facts.push_back(std::move(f));
  return facts;
}

class SwipeRoutineTest : public MagstripeDeviceTest {
 protected:
  RoutineResult Swipe(std::function<Result<agent::ProbeRun>(io::Deadline)> run,
                      Screen* screen = nullptr) {
    auto config = testing::DeviceConfig(device_, config_text_);
    EXPECT_TRUE(config.ok());
    const io::RootFs fs(tree_.root());
    const RoutineContext ctx{*config,
                             fs,
                             open_,
                             screen,
                             [&](std::string_view probe, io::Deadline deadline) {
                               asked_.emplace_back(probe);
                               return run(deadline);
                             },
                             {},
                             {}};
    return device_.Routines().at(0)->Run(ctx, io::Deadline::In(milliseconds(3000)));
  }
  RoutineResult Swipe(Result<agent::ProbeRun> run) {
    return Swipe([&run](io::Deadline) { return run; });
  }

  std::string config_text_ = "[magstripe]\ndevice = \"/dev/input/event9\"\n";
  FakeOpeners open_;
  std::vector<std::string> asked_;
};

TEST_F(SwipeRoutineTest, AGoodSwipePassesWithTheMaskedNumberOnly) {
  RecordingScreen screen;
  const auto r = Swipe(
      [](io::Deadline) -> Result<agent::ProbeRun> {
        return Measured(Swiped({{"magstripe.track2.ok", V(true)},
                                {"magstripe.luhn_ok", V(true)},
                                {"magstripe.pan_masked", V(std::string("411111******1111"))},
                                {"magstripe.read_ok", V(true)}}),
                        {{"magstripe.track1.ok", "the reader sent no track 1"}});
      },
      &screen);
  EXPECT_EQ(r.verdict, Verdict::kPassed) << r.detail;
  EXPECT_EQ(r.detail, "track 1 not sent, track 2 ok, Luhn ok, card 411111******1111");
  EXPECT_EQ(screen.messages, std::vector<std::string>{"请刷磁条卡|Swipe a card"});
  EXPECT_EQ(asked_, std::vector<std::string>{"magstripe"});
}

TEST_F(SwipeRoutineTest, EachStateHasItsVerdict) {
  struct Case {
    Result<agent::ProbeRun> run;
    Verdict verdict;
    std::string detail;
  };
  const std::vector<Case> cases = {
      {Measured(Swiped({{"magstripe.track1.ok", V(true)},
                        {"magstripe.track2.ok", V(true)},
                        {"magstripe.luhn_ok", V(false)},
                        {"magstripe.pan_masked", V(std::string("622202*********0127"))},
                        {"magstripe.read_ok", V(false)},
                        {"magstripe.error", V(std::string("card number fails the Luhn check"))}})),
       Verdict::kFailed,
       "track 1 ok, track 2 ok, Luhn bad, card 622202*********0127: card number fails the Luhn "
       "check"},
      {Measured(Swiped({{"magstripe.track1.ok", V(false)},
                        {"magstripe.read_ok", V(false)},
                        {"magstripe.error", V(std::string("track 1 flagged bad by the reader"))}}),
                {{"magstripe.luhn_ok", "no card number was read"}}),
       Verdict::kFailed, "track 1 bad, track 2 not sent: track 1 flagged bad by the reader"},
      {Measured({{"magstripe.detected", V(true)},
                 {"magstripe.busy", V(false)},
                 {"magstripe.swiped", V(false)},
                 {"magstripe.error", V(std::string("no swipe within the timeout"))}}),
       Verdict::kSkipped, "no swipe before the deadline"},
      {Measured({{"magstripe.detected", V(false)}},
                {{"magstripe.busy", "no device at /dev/input/event9"}}),
       Verdict::kError, "no reader: no device at /dev/input/event9"},
      {Measured({{"magstripe.detected", V(true)}, {"magstripe.busy", V(true)}}), Verdict::kError,
       "the reader is in use by another process; left alone"},
      {NotMeasured(ProbeStatus::kNotConfigured, "no [magstripe] table"), Verdict::kError,
       "not configured: no [magstripe] table"},
      {NotMeasured(ProbeStatus::kError, "magstripe: /dev/input/event9: EVIOCGRAB: I/O error"),
       Verdict::kError, "magstripe: /dev/input/event9: EVIOCGRAB: I/O error"},
      {NotMeasured(ProbeStatus::kTimeout, "timed out"), Verdict::kSkipped,
       "nothing happened before the deadline"},
      {Result<agent::ProbeRun>(Error{ErrorKind::kUnsupported, "this build has no magstripe"}),
       Verdict::kError, "this build has no magstripe"},
  };
  for (const Case& c : cases) {
    const auto r = Swipe(c.run);
    EXPECT_EQ(r.verdict, c.verdict) << c.detail << " / " << r.detail;
    EXPECT_EQ(r.detail, c.detail);
  }
}

// The routine over the real probe, run as the console would run it: [magstripe] names a node
// that does not exist, which is no reader, not a failed swipe.
TEST_F(SwipeRoutineTest, AReaderThatIsNotThereIsSaid) {
  RecordingScreen screen;
  const auto r = Swipe(
      [this](io::Deadline deadline) -> Result<agent::ProbeRun> {
        const auto measured =
            testing::RunProbe(device_, tree_, config_text_, clock_, testing::RealOpeners(),
                              {.level = Level::kEngineer, .budget = deadline.Remaining()});
        agent::ProbeRun run;
        run.outcome.name = "magstripe";
        run.outcome.status = measured.result.ok() ? ProbeStatus::kOk : ProbeStatus::kError;
        run.facts = measured.facts;
        return run;
      },
      &screen);
  EXPECT_EQ(r.verdict, Verdict::kError) << r.detail;
  EXPECT_EQ(r.detail, "no reader: no device at /dev/input/event9");
  EXPECT_EQ(screen.messages, std::vector<std::string>{"请刷磁条卡|Swipe a card"});
}

}  // namespace
}  // namespace posdiag::agent::probes
