#include "agent/probes/magstripe/magstripe_probe.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "agent/probes/testing/probe_harness.h"

namespace posdiag::agent::probes {
namespace {

using posdiag::testing::FixtureTree;
using testing::AtEpoch;
using testing::FixedClock;
using testing::ProbeRun;
using testing::RunProbe;
using V = rules::FactValue;

constexpr const char* kConfig =
    "[magstripe]\ndevice = \"/dev/input/event5\"\nswipe_timeout_ms = 1500\n";

class MagstripeProbeTest : public ::testing::Test {
 protected:
  ProbeRun Run() { return RunProbe(probe_, tree_, kConfig, clock_); }

  FixtureTree tree_;
  MagstripeProbe probe_;
  FixedClock clock_{AtEpoch(1'700'000'000)};
};

TEST_F(MagstripeProbeTest, RunsAtEngineerLevelOnly) {
  EXPECT_EQ(probe_.Levels(), LevelBit(Level::kEngineer));
  ASSERT_EQ(probe_.ConfigSections().size(), 1u);
  EXPECT_EQ(probe_.ConfigSections()[0].name, "magstripe");
}

TEST_F(MagstripeProbeTest, ARelativeDeviceIsNotConfigured) {
  const ProbeRun r = RunProbe(probe_, tree_, "[magstripe]\ndevice = \"event5\"\n", clock_);
  EXPECT_EQ(r.support.state, Support::State::kNotConfigured);
  EXPECT_FALSE(r.measured);
}

TEST_F(MagstripeProbeTest, NoNodeIsNotDetected) {
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("magstripe.detected"), V(false));
  EXPECT_FALSE(r.Has("magstripe.swiped"));
  EXPECT_EQ(r.Why("magstripe.swiped"), "no device at /dev/input/event5");
}

TEST_F(MagstripeProbeTest, ADanglingLinkIsNotDetected) {
  std::filesystem::create_directories(tree_.At("/dev/input"));
  std::filesystem::create_symlink("../nowhere/event5", tree_.At("/dev/input/event5"));
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("magstripe.detected"), V(false));
}

TEST_F(MagstripeProbeTest, ANodeThatIsNotAnInputDeviceIsAnError) {
  std::filesystem::create_directories(tree_.At("/dev/input"));
  std::ofstream(tree_.At("/dev/input/event5")) << "not a device";
  const ProbeRun r = Run();
  ASSERT_FALSE(r.result.ok());
  EXPECT_NE(r.result.error().detail.find("EVIOCGRAB"), std::string::npos)
      << r.result.error().detail;
  EXPECT_EQ(r.Value("magstripe.detected"), V(true));
  EXPECT_FALSE(r.Has("magstripe.swiped"));
}

// These run under umockdev-run (agent/probes/CMakeLists.txt), which emulates /dev/input/event5
// as magstripe_probe_test.umockdev describes and, for the swipe, replays
// magstripe_probe_test.evemu: a reader typing ;4111111111111111=27121011234567890? and Enter.
// The fixture tree links its node to the emulated one, and the probe reads it through evdev.
class EmulatedReaderTest : public MagstripeProbeTest {
 protected:
  void SetUp() override {
    const char* mode = std::getenv("POSDIAG_EMULATED_READER");
    if (mode == nullptr) GTEST_SKIP() << "runs under umockdev-run only";
    mode_ = mode;
    std::filesystem::create_directories(tree_.At("/dev/input"));
    std::filesystem::create_symlink("/dev/input/event5", tree_.At("/dev/input/event5"));
    // umockdev does not answer EVIOCGNAME without a recorded ioctl; the name comes from sysfs.
    std::filesystem::create_directories(tree_.At("/sys/class/input/event5/device"));
    std::ofstream(tree_.At("/sys/class/input/event5/device/name")) << "MagTek USB Swipe Reader\n";
  }
  std::string mode_;
};

TEST_F(EmulatedReaderTest, ASwipeIsReadCheckedAndMasked) {
  if (mode_ != "swipe") GTEST_SKIP() << "no swipe replayed";
  const auto start = std::chrono::steady_clock::now();
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(1500));
  EXPECT_EQ(r.Value("magstripe.detected"), V(true));
  EXPECT_EQ(r.Value("magstripe.busy"), V(false));
  EXPECT_EQ(r.Value("magstripe.name"), V(std::string("MagTek USB Swipe Reader")));
  EXPECT_EQ(r.Value("magstripe.swiped"), V(true));
  EXPECT_EQ(r.Value("magstripe.track2.ok"), V(true));
  EXPECT_FALSE(r.Has("magstripe.track1.ok"));
  EXPECT_EQ(r.Value("magstripe.luhn_ok"), V(true));
  EXPECT_EQ(r.Value("magstripe.read_ok"), V(true));
  EXPECT_EQ(r.Value("magstripe.pan_masked"), V(std::string("411111******1111")));
  EXPECT_FALSE(r.Has("magstripe.error"));
  for (const auto& [name, fact] : r.facts.facts()) {
    if (const auto* s = std::get_if<std::string>(&fact.value)) {
      EXPECT_EQ(s->find("4111111111111111"), std::string::npos) << name;
    }
  }
}

TEST_F(EmulatedReaderTest, NobodySwipingIsNoSwipeWithinTheTimeout) {
  if (mode_ != "idle") GTEST_SKIP() << "a swipe is replayed";
  const auto start = std::chrono::steady_clock::now();
  const ProbeRun r = Run();
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_GE(took, std::chrono::milliseconds(1400));
  EXPECT_LT(took, std::chrono::milliseconds(3000));
  EXPECT_EQ(r.Value("magstripe.detected"), V(true));
  EXPECT_EQ(r.Value("magstripe.swiped"), V(false));
  EXPECT_EQ(r.Value("magstripe.error"), V(std::string("no swipe within the timeout")));
}

}  // namespace
}  // namespace posdiag::agent::probes
