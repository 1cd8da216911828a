#include "agent/run.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>

#include "agent/device.h"

namespace posdiag::agent {
namespace {

using std::chrono::milliseconds;

// A probe whose behaviour each test chooses.
class FakeProbe : public Probe {
 public:
  enum class Mode { kOk, kSlow, kThrow, kFail, kUnsupported };
  FakeProbe(std::string name, Mode mode, LevelMask levels = kAllLevels, bool needs_section = false)
      : name_(std::move(name)), mode_(mode), levels_(levels), needs_section_(needs_section) {}

  std::string_view Name() const override { return name_; }
  LevelMask Levels() const override { return levels_; }
  bool NeedsConfigSection() const override { return needs_section_; }
  std::chrono::milliseconds DefaultTimeout() const override { return milliseconds(300); }
  std::vector<rules::FactSpec> Facts() const override {
    using rules::FactType;
    return {{name_ + ".value", FactType::kInt, "V", "a value"},
            {name_ + ".other", FactType::kInt, "", "one it cannot read"},
            {name_ + ".late", FactType::kBool, "", "what a slow probe writes too late"},
            {name_ + ".partial", FactType::kInt, "", "written before a failure"},
            {name_ + ".fine", FactType::kBool, "", "a good name"}};
  }
  Support CheckSupport(const ProbeContext&) override {
    return mode_ == Mode::kUnsupported ? Support::Unsupported("no such device") : Support::Yes();
  }
  Result<void> Measure(const ProbeContext& ctx, FactWriter& out) override {
    switch (mode_) {
      case Mode::kSlow:
        // Ignores its deadline on purpose: the runner must not wait for it.
        std::this_thread::sleep_for(milliseconds(1500));
        out.Set(name_ + ".late", true);
        return Ok();
      case Mode::kThrow:
        throw std::runtime_error("boom");
      case Mode::kFail:
        out.Set(name_ + ".partial", std::int64_t{1});
        return Error{ErrorKind::kIo, "read: input/output error"};
      default:
        out.Set(name_ + ".value", std::int64_t{42}, "V");
        out.Missing(name_ + ".other", "garbage in sysfs");
        (void)ctx;
        return Ok();
    }
  }

 private:
  std::string name_;
  Mode mode_;
  LevelMask levels_;
  bool needs_section_;
};

// A device around one of the probes, for the registry to declare its table.
class FakeDevice : public Device {
 public:
  explicit FakeDevice(std::shared_ptr<Probe> probe) : probe_(std::move(probe)) {}
  std::string_view Name() const override { return probe_->Name(); }
  std::vector<SectionSpec> ConfigSections() const override { return {}; }
  std::shared_ptr<Probe> MakeProbe() const override { return probe_; }

 private:
  std::shared_ptr<Probe> probe_;
};

// The config with a table for each probe (enabled, timeout_ms), parsed from `toml`.
RunEnvironment Env(const std::vector<std::shared_ptr<Probe>>& probes, std::string_view toml = "") {
  std::vector<std::shared_ptr<Device>> devices;
  for (const auto& p : probes) devices.push_back(std::make_shared<FakeDevice>(p));
  auto config = Config::Parse(toml, "test.toml", BuildRegistry(std::move(devices)).sections);
  EXPECT_TRUE(config.ok()) << (config.ok() ? "" : config.error().detail);
  static const SystemOpeners open;
  return {std::make_shared<Config>(std::move(*config)), std::make_shared<io::RootFs>("/"),
          std::make_shared<io::SystemClock>(),
          std::shared_ptr<const Openers>(std::shared_ptr<const Openers>{}, &open)};
}

const ProbeOutcome& Find(const RunOutput& out, std::string_view name) {
  for (const auto& p : out.probes) {
    if (p.name == name) return p;
  }
  throw std::runtime_error("no probe " + std::string(name));
}

TEST(RunTest, OkProbeContributesStampedFacts) {
  std::vector<std::shared_ptr<Probe>> probes{
      std::make_shared<FakeProbe>("alpha", FakeProbe::Mode::kOk)};
  const auto out = RunProbes(probes, Env(probes), {});
  ASSERT_EQ(out.probes.size(), 1u);
  EXPECT_EQ(out.probes[0].status, ProbeStatus::kOk);
  const auto* fact = out.facts.Find("alpha.value");
  ASSERT_NE(fact, nullptr);
  EXPECT_EQ(fact->probe, "alpha");
  EXPECT_EQ(fact->unit, "V");
  ASSERT_NE(out.facts.FindMissing("alpha.other"), nullptr);
  EXPECT_EQ(out.facts.FindMissing("alpha.other")->reason, "garbage in sysfs");
}

TEST(RunTest, FailuresStayWithTheirProbe) {
  std::vector<std::shared_ptr<Probe>> probes{
      std::make_shared<FakeProbe>("thrower", FakeProbe::Mode::kThrow),
      std::make_shared<FakeProbe>("failer", FakeProbe::Mode::kFail),
      std::make_shared<FakeProbe>("absent", FakeProbe::Mode::kUnsupported),
      std::make_shared<FakeProbe>("good", FakeProbe::Mode::kOk)};
  const auto out = RunProbes(probes, Env(probes), {});
  EXPECT_EQ(Find(out, "thrower").status, ProbeStatus::kError);
  EXPECT_NE(Find(out, "thrower").error.find("boom"), std::string::npos);
  EXPECT_EQ(Find(out, "failer").status, ProbeStatus::kError);
  EXPECT_EQ(Find(out, "failer").error, "read: input/output error");
  EXPECT_NE(out.facts.Find("failer.partial"), nullptr);  // measured before the failure
  EXPECT_EQ(Find(out, "absent").status, ProbeStatus::kUnsupported);
  EXPECT_EQ(Find(out, "absent").error, "no such device");
  EXPECT_EQ(Find(out, "good").status, ProbeStatus::kOk);
  EXPECT_NE(out.facts.Find("good.value"), nullptr);
}

TEST(RunTest, OverrunningProbeTimesOutAndItsLateResultIsDropped) {
  std::vector<std::shared_ptr<Probe>> probes{
      std::make_shared<FakeProbe>("slow", FakeProbe::Mode::kSlow),
      std::make_shared<FakeProbe>("good", FakeProbe::Mode::kOk)};
  const auto started = std::chrono::steady_clock::now();
  const auto out = RunProbes(probes, Env(probes), {});
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(Find(out, "slow").status, ProbeStatus::kTimeout);
  EXPECT_EQ(Find(out, "good").status, ProbeStatus::kOk);
  EXPECT_EQ(out.stragglers, 1u);
  // The slow probe sleeps 1.5 s against a 300 ms deadline: the run must not wait for it.
  EXPECT_LT(took, milliseconds(1200));
  std::this_thread::sleep_for(milliseconds(1600));  // let it finish; nothing may change
  EXPECT_EQ(out.facts.Find("slow.late"), nullptr);
}

TEST(RunTest, BudgetCapsEveryDeadline) {
  std::vector<std::shared_ptr<Probe>> probes{
      std::make_shared<FakeProbe>("slow", FakeProbe::Mode::kSlow)};
  RunOptions options;
  options.budget = milliseconds(50);
  const auto out = RunProbes(probes, Env(probes), options);
  EXPECT_EQ(Find(out, "slow").status, ProbeStatus::kTimeout);
  EXPECT_LE(Find(out, "slow").duration, milliseconds(60));
}

TEST(RunTest, ConfigDecidesSectionsTimeoutsAndEnabled) {
  auto dev = std::make_shared<FakeProbe>("dev", FakeProbe::Mode::kOk, kAllLevels, true);
  std::vector<std::shared_ptr<Probe>> probes{dev};
  EXPECT_EQ(RunProbes(probes, Env(probes), {}).probes[0].status, ProbeStatus::kNotConfigured);
  EXPECT_EQ(RunProbes(probes, Env(probes, "[dev]\nenabled = false\n"), {}).probes[0].status,
            ProbeStatus::kNotConfigured);
  EXPECT_EQ(RunProbes(probes, Env(probes, "[dev]\n"), {}).probes[0].status, ProbeStatus::kOk);
}

TEST(RunTest, TimeoutComesFromTheConfig) {
  std::vector<std::shared_ptr<Probe>> probes{
      std::make_shared<FakeProbe>("dev", FakeProbe::Mode::kSlow)};
  const auto out = RunProbes(probes, Env(probes, "[dev]\ntimeout_ms = 20\n"), {});
  EXPECT_EQ(out.probes[0].status, ProbeStatus::kTimeout);
  EXPECT_LT(out.probes[0].duration, milliseconds(200));
}

TEST(RunTest, LevelsChooseProbes) {
  std::vector<std::shared_ptr<Probe>> probes{
      std::make_shared<FakeProbe>("eng", FakeProbe::Mode::kOk, LevelBit(Level::kEngineer)),
      std::make_shared<FakeProbe>("all", FakeProbe::Mode::kOk)};
  RunOptions boot;
  boot.level = Level::kBoot;
  EXPECT_EQ(RunProbes(probes, Env(probes), boot).probes.size(), 1u);
  RunOptions eng;
  eng.level = Level::kEngineer;
  EXPECT_EQ(RunProbes(probes, Env(probes), eng).probes.size(), 2u);
}

TEST(RunTest, UndeclaredAndMistypedFactsAreDroppedAndSaid) {
  class BadNames : public FakeProbe {
   public:
    BadNames() : FakeProbe("bad", Mode::kOk) {}
    Result<void> Measure(const ProbeContext&, FactWriter& out) override {
      out.Set("Bad Name", true);
      out.Set("bad.fine", true);
      out.Set("bad.undeclared", true);
      out.Set("bad.value", std::string("42"));  // declared an integer
      out.Missing("bad.nowhere", "never measured");
      return Ok();
    }
  };
  std::vector<std::shared_ptr<Probe>> probes{std::make_shared<BadNames>()};
  const auto out = RunProbes(probes, Env(probes), {});
  EXPECT_EQ(out.facts.size(), 1u);
  EXPECT_NE(out.facts.Find("bad.fine"), nullptr);
  EXPECT_EQ(out.facts.FindMissing("bad.nowhere"), nullptr);
  ASSERT_EQ(out.problems.size(), 4u);
  EXPECT_NE(out.problems[0].find("\"Bad Name\" dropped: not declared"), std::string::npos)
      << out.problems[0];
  EXPECT_NE(out.problems[1].find("\"bad.undeclared\" dropped: not declared"), std::string::npos);
  EXPECT_NE(
      out.problems[2].find("\"bad.value\" dropped: a text where the declaration says integer"),
      std::string::npos)
      << out.problems[2];
  EXPECT_NE(out.problems[3].find("\"bad.nowhere\" dropped"), std::string::npos);
}

// A probe that ends ok without a fact its rules cannot do without is incomplete, with the
// reason it gave for the fact; one that measured them all is not.
TEST(RunTest, AnEssentialFactNotMeasuredMakesTheCheckIncomplete) {
  class Needs : public FakeProbe {
   public:
    Needs(std::string name, std::vector<std::string> essential)
        : FakeProbe(std::move(name), Mode::kOk), essential_(std::move(essential)) {}
    std::vector<std::string> EssentialFacts(const ProbeContext&) const override {
      return essential_;
    }

   private:
    std::vector<std::string> essential_;
  };
  std::vector<std::shared_ptr<Probe>> probes{
      std::make_shared<Needs>("blind", std::vector<std::string>{"blind.value", "blind.other"}),
      std::make_shared<Needs>("sighted", std::vector<std::string>{"sighted.value"})};
  const auto out = RunProbes(probes, Env(probes), {});
  const ProbeOutcome& blind = Find(out, "blind");
  EXPECT_EQ(blind.status, ProbeStatus::kOk);  // it ran to its end
  EXPECT_EQ(blind.unmeasured, "blind.other: garbage in sysfs");
  EXPECT_TRUE(CouldNotComplete(blind));
  EXPECT_EQ(IncompleteReason(blind), "blind.other: garbage in sysfs");
  EXPECT_NE(out.facts.Find("blind.value"), nullptr);  // what it did measure is kept
  EXPECT_EQ(Find(out, "sighted").unmeasured, "");
  EXPECT_FALSE(CouldNotComplete(Find(out, "sighted")));
}

// A probe may say itself that it could not measure what its rules need (a step its deadline
// left no time for).
TEST(RunTest, AProbeMaySayItCouldNotMeasureWhatItsRulesNeed) {
  class Rushed : public FakeProbe {
   public:
    Rushed() : FakeProbe("rushed", Mode::kOk) {}
    Result<void> Measure(const ProbeContext&, FactWriter& out) override {
      out.Set("rushed.value", std::int64_t{1});
      out.Incomplete("step two: no time left");
      return Ok();
    }
  };
  std::vector<std::shared_ptr<Probe>> probes{std::make_shared<Rushed>()};
  const auto out = RunProbes(probes, Env(probes), {});
  EXPECT_EQ(Find(out, "rushed").unmeasured, "step two: no time left");
}

}  // namespace
}  // namespace posdiag::agent
