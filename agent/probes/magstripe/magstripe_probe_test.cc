// The magstripe probe: in-process against a scripted input device that types a swipe, through the
// real evdev path on fixture trees, and (under umockdev-run) against an emulated reader.
#include "agent/probes/magstripe/magstripe_probe.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "agent/probes/magstripe/magstripe_device.h"
#include "agent/probes/testing/fake_openers.h"
#include "agent/probes/testing/probe_harness.h"

namespace posdiag::agent::probes {
namespace {

using posdiag::testing::FixtureTree;
using std::chrono::milliseconds;
using testing::AtEpoch;
using testing::FakeOpeners;
using testing::FixedClock;
using testing::ProbeRun;
using testing::RunProbe;
using V = rules::FactValue;

constexpr const char* kConfig =
    "[magstripe]\ndevice = \"/dev/input/event5\"\nswipe_timeout_ms = 1500\n";

// The test tracks of drivers/input/track_test.cc and magstripe_probe_test.evemu: test card
// numbers, never a real card's.
constexpr const char* kTrack1 = "%B6222021234567890128^ZHANG/SAN^2712101123456789?";
constexpr const char* kTrack2 = ";6222021234567890128=27121011234567890?";
constexpr const char* kVisaTestTrack2 = ";4111111111111111=27121011234567890?";

class MagstripeProbeTest : public ::testing::Test {
 protected:
  ProbeRun Run(const Openers& open = testing::RealOpeners(), std::string_view config = kConfig) {
    return RunProbe(device_, tree_, config, clock_, open,
                    {.level = Level::kEngineer, .budget = milliseconds(5000)});
  }

  FixtureTree tree_;
  MagstripeDevice device_;
  FixedClock clock_{AtEpoch(1'700'000'000)};
};

TEST_F(MagstripeProbeTest, RunsAtEngineerLevelOnly) {
  auto probe = device_.MakeProbe();
  ASSERT_NE(probe, nullptr);
  EXPECT_EQ(probe->Levels(), LevelBit(Level::kEngineer));
  EXPECT_EQ(probe->DefaultTimeout(), std::chrono::seconds(17));
  ASSERT_EQ(device_.ConfigSections().size(), 1u);
  EXPECT_EQ(device_.ConfigSections()[0].name, "magstripe");
}

TEST_F(MagstripeProbeTest, NoNodeIsNotDetected) {
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("magstripe.device"), V(std::string("/dev/input/event5")));
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

// A stripe reader the test plays: it types `typed` (and Enter, when `enter`) into ReadLine, or
// nothing until the deadline; it may be grabbed by another process already.
struct ScriptedReader {
  std::string name = "MagTek USB Swipe Reader";
  std::string typed;
  bool enter = true;
  bool grabbed_elsewhere = false;
  int grabs = 0;
  int releases = 0;
  bool grabbed_while_reading = false;
};

class ScriptedInput final : public drivers::input::InputDevice {
 public:
  explicit ScriptedInput(std::shared_ptr<ScriptedReader> reader) : reader_(std::move(reader)) {}

  Result<std::string> Name() const override {
    if (reader_->name.empty()) return Error{ErrorKind::kUnsupported, "EVIOCGNAME: not answered"};
    return reader_->name;
  }
  Result<void> Grab() override {
    if (reader_->grabbed_elsewhere) {
      return Error{ErrorKind::kBusy, "EVIOCGRAB: another process has grabbed it"};
    }
    ++reader_->grabs;
    grabbed_ = true;
    return Ok();
  }
  void Release() override {
    if (grabbed_) ++reader_->releases;
    grabbed_ = false;
  }
  Result<bool> ReadLine(std::string& typed, io::Deadline deadline, std::stop_token) override {
    reader_->grabbed_while_reading = grabbed_;
    if (reader_->typed.empty()) {
      std::this_thread::sleep_until(deadline.at());
      return false;
    }
    typed += reader_->typed;
    return reader_->enter;
  }
  Result<bool> HasKey(std::uint16_t) const override { return true; }
  Result<std::size_t> ReadAvailable(std::span<drivers::input::InputEvent>) override {
    return std::size_t{0};
  }
  int fd() const override { return -1; }

 private:
  std::shared_ptr<ScriptedReader> reader_;
  bool grabbed_ = false;
};

class ScriptedReaderTest : public MagstripeProbeTest {
 protected:
  void SetUp() override {
    open_.input = [this](const std::filesystem::path& path)
        -> Result<std::unique_ptr<drivers::input::InputDevice>> {
      opened_ = path;
      return std::unique_ptr<drivers::input::InputDevice>(std::make_unique<ScriptedInput>(reader_));
    };
  }
  ProbeRun Run() { return MagstripeProbeTest::Run(open_); }

  std::shared_ptr<ScriptedReader> reader_ = std::make_shared<ScriptedReader>();
  std::filesystem::path opened_;
  FakeOpeners open_;
};

TEST_F(ScriptedReaderTest, AGoodSwipeGivesItsVerdictAndOnlyTheMaskedNumber) {
  reader_->typed = std::string(kTrack1) + kTrack2;
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(opened_, tree_.At("/dev/input/event5"));
  EXPECT_TRUE(reader_->grabbed_while_reading);
  EXPECT_EQ(reader_->grabs, 1);
  EXPECT_EQ(reader_->releases, 1);
  EXPECT_EQ(r.Value("magstripe.detected"), V(true));
  EXPECT_EQ(r.Value("magstripe.busy"), V(false));
  EXPECT_EQ(r.Value("magstripe.name"), V(std::string("MagTek USB Swipe Reader")));
  EXPECT_EQ(r.Value("magstripe.swiped"), V(true));
  EXPECT_EQ(r.Value("magstripe.track1.ok"), V(true));
  EXPECT_EQ(r.Value("magstripe.track2.ok"), V(true));
  EXPECT_EQ(r.Value("magstripe.luhn_ok"), V(true));
  EXPECT_EQ(r.Value("magstripe.read_ok"), V(true));
  EXPECT_EQ(r.Value("magstripe.pan_masked"), V(std::string("622202*********0128")));
  EXPECT_FALSE(r.Has("magstripe.error"));
  for (const auto& [name, fact] : r.facts.facts()) {
    if (const auto* s = std::get_if<std::string>(&fact.value)) {
      EXPECT_EQ(s->find("6222021234567890128"), std::string::npos) << name;
      EXPECT_EQ(s->find("ZHANG"), std::string::npos) << name;
      EXPECT_EQ(s->find("2712101"), std::string::npos) << name;
    }
  }
}

TEST_F(ScriptedReaderTest, AWrongCheckDigitFailsTheRead) {
  reader_->typed = ";6222021234567890127=27121011234567890?";
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("magstripe.swiped"), V(true));
  EXPECT_EQ(r.Why("magstripe.track1.ok"), "the reader sent no track 1");
  EXPECT_EQ(r.Value("magstripe.luhn_ok"), V(false));
  EXPECT_EQ(r.Value("magstripe.read_ok"), V(false));
  EXPECT_TRUE(r.Has("magstripe.error"));
}

TEST_F(ScriptedReaderTest, ASwipeWithoutEnterIsNotAGoodRead) {
  reader_->typed = kVisaTestTrack2;
  reader_->enter = false;
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("magstripe.swiped"), V(true));
  EXPECT_EQ(r.Value("magstripe.track2.ok"), V(true));
  EXPECT_EQ(r.Value("magstripe.read_ok"), V(false));
  EXPECT_EQ(r.Value("magstripe.error"), V(std::string("the swipe did not end with Enter")));
}

TEST_F(ScriptedReaderTest, NobodySwipingWaitsTheSwipeTimeout) {
  const auto start = std::chrono::steady_clock::now();
  const ProbeRun r = Run();
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_GE(took, milliseconds(1400));
  EXPECT_LT(took, milliseconds(3000));
  EXPECT_EQ(reader_->releases, 1);
  EXPECT_EQ(r.Value("magstripe.swiped"), V(false));
  EXPECT_EQ(r.Value("magstripe.error"), V(std::string("no swipe within the timeout")));
  EXPECT_EQ(r.Why("magstripe.luhn_ok"), "no swipe within the timeout");
}

TEST_F(ScriptedReaderTest, AReaderGrabbedElsewhereIsBusyAndNotRead) {
  reader_->grabbed_elsewhere = true;
  reader_->typed = kTrack2;
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("magstripe.busy"), V(true));
  EXPECT_FALSE(r.Has("magstripe.swiped"));
  EXPECT_EQ(r.Why("magstripe.swiped"),
            "/dev/input/event5 is grabbed by another process; posdiag leaves it alone");
}

TEST_F(ScriptedReaderTest, ANamelessNodeIsNamedBySysfs) {
  reader_->name.clear();
  reader_->typed = kTrack2;
  tree_.Put("/sys/class/input/event5/device/name", "IDTech SecureMag\n");
  const ProbeRun r = Run();
  ASSERT_TRUE(r.result.ok()) << r.result.error().detail;
  EXPECT_EQ(r.Value("magstripe.name"), V(std::string("IDTech SecureMag")));
}

TEST_F(ScriptedReaderTest, APermissionProblemIsAnError) {
  open_.input =
      [](const std::filesystem::path&) -> Result<std::unique_ptr<drivers::input::InputDevice>> {
    return Error{ErrorKind::kPermission, "open: permission denied"};
  };
  const ProbeRun r = Run();
  ASSERT_FALSE(r.result.ok());
  EXPECT_EQ(r.result.error().detail, "magstripe: /dev/input/event5: open: permission denied");
  EXPECT_EQ(r.Why("magstripe.detected"), "magstripe: /dev/input/event5: open: permission denied");
}

// These run under umockdev-run (agent/probes/magstripe/CMakeLists.txt), which emulates
// /dev/input/event5 as magstripe_probe_test.umockdev describes and, for the swipe, replays
// magstripe_probe_test.evemu: a reader typing the Visa test track 2 and Enter. The fixture tree
// links its node to the emulated one, and the probe reads it through evdev.
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
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(1500));
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
  EXPECT_GE(took, milliseconds(1400));
  EXPECT_LT(took, milliseconds(3000));
  EXPECT_EQ(r.Value("magstripe.detected"), V(true));
  EXPECT_EQ(r.Value("magstripe.swiped"), V(false));
  EXPECT_EQ(r.Value("magstripe.error"), V(std::string("no swipe within the timeout")));
}

}  // namespace
}  // namespace posdiag::agent::probes
