#include "agent/probes/keys/keys.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <vector>

#include "agent/probes/keys/keys_device.h"
#include "agent/probes/testing/fake_openers.h"
#include "tests/sim/fixture_tree.h"

namespace posdiag::agent {
namespace {

using drivers::input::InputEvent;
using std::chrono::milliseconds;
using T = KeyFilter::TimePoint;

constexpr std::uint16_t kF1 = 59, kDown = 108, kUp = 103, kEsc = 1, kA = 30;

InputEvent Key(std::uint16_t code, std::int32_t value) { return {1, code, value}; }
InputEvent Syn(std::uint16_t code = 0) { return {0, code, 0}; }

// [keys] as the keys device declares it, from TOML lines.
Result<Config> KeysConfig(const std::string& lines) {
  return Config::Parse("[keys]\n" + lines, "test.toml", probes::KeysDevice().ConfigSections());
}

KeyConfig Keys(const std::string& lines) {
  auto config = KeysConfig(lines);
  EXPECT_TRUE(config.ok()) << config.error().detail;
  return ReadKeyConfig(config->Section("keys"));
}

TEST(ParseKeyCode, NamesAndNumbers) {
  EXPECT_EQ(*ParseKeyCode("KEY_F1"), 59);
  EXPECT_EQ(*ParseKeyCode("KEY_ENTER"), 28);
  EXPECT_EQ(*ParseKeyCode("KEY_OK"), 0x160);
  EXPECT_EQ(*ParseKeyCode("59"), 59);
  EXPECT_EQ(*ParseKeyCode("767"), 767);
  for (const char* bad : {"", "0", "768", "59x", "-1", "KEY_NOPE", "key_f1", "F1"}) {
    auto r = ParseKeyCode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalid) << bad;
  }
}

TEST(ReadKeyConfig, DefaultsAndOverrides) {
  const KeyConfig defaults = Keys("");
  EXPECT_EQ(defaults.device, "");
  // No print key unless one is configured.
  EXPECT_EQ(defaults.codes, (std::array<std::uint16_t, kKeyActionCount>{kF1, kDown, kUp, kEsc, 0}));
  EXPECT_EQ(defaults.debounce, milliseconds(80));

  const KeyConfig set = Keys(
      "device = \"/dev/input/event2\"\ndiagnose = \"KEY_ENTER\"\nback = \"158\"\ndebounce_ms = "
      "20\n");
  EXPECT_EQ(set.device, "/dev/input/event2");
  EXPECT_EQ(set.codes[0], 28);
  EXPECT_EQ(set.codes[3], 158);
  EXPECT_EQ(set.debounce, milliseconds(20));
  EXPECT_EQ(Keys("print = \"KEY_F2\"\n").codes[4], 60);
}

TEST(ReadKeyConfig, BadValuesAreConfigErrorsNamingTheKey) {
  auto unknown = KeysConfig("page_next = \"KEY_SIDEWAYS\"\n");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().detail.find("test.toml:2:"), std::string::npos)
      << unknown.error().detail;
  EXPECT_NE(unknown.error().detail.find("[keys] page_next"), std::string::npos)
      << unknown.error().detail;
  auto nope = KeysConfig("diagnose = \"KEY_NOPE\"\n");
  ASSERT_FALSE(nope.ok());
  EXPECT_NE(nope.error().detail.find("[keys] diagnose"), std::string::npos) << nope.error().detail;
  auto twice = KeysConfig("back = \"KEY_F1\"\n");
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.error().detail.find("[keys] back: is the same key as diagnose"),
            std::string::npos)
      << twice.error().detail;
  auto relative = KeysConfig("device = \"input/event2\"\n");
  ASSERT_FALSE(relative.ok());
  EXPECT_NE(relative.error().detail.find("absolute"), std::string::npos);
}

class KeyFilterTest : public ::testing::Test {
 protected:
  KeyFilterTest() : filter_(Config()) {}
  static KeyConfig Config() {
    KeyConfig c = Keys("");
    c.debounce = milliseconds(80);
    return c;
  }
  std::optional<KeyAction> At(int ms, InputEvent e) {
    return filter_.Feed(e, t0_ + milliseconds(ms));
  }
  KeyFilter filter_;
  T t0_ = T() + std::chrono::hours(1);
};

TEST_F(KeyFilterTest, PressesOfConfiguredKeysOnly) {
  EXPECT_EQ(At(0, Key(kF1, 1)), KeyAction::kDiagnose);
  EXPECT_EQ(At(1, Key(kF1, 0)), std::nullopt);    // release
  EXPECT_EQ(At(500, Key(kF1, 2)), std::nullopt);  // autorepeat
  EXPECT_EQ(At(600, Key(kDown, 1)), KeyAction::kPageNext);
  EXPECT_EQ(At(700, Key(kUp, 1)), KeyAction::kPagePrev);
  EXPECT_EQ(At(800, Key(kEsc, 1)), KeyAction::kBack);
  EXPECT_EQ(At(900, Key(kA, 1)), std::nullopt);
  EXPECT_EQ(At(901, InputEvent{2, 0, 1}), std::nullopt);  // EV_REL
  EXPECT_EQ(filter_.ignored(), 1u);
}

TEST_F(KeyFilterTest, BouncesWithinTheDebounceTimeAreDropped) {
  EXPECT_EQ(At(0, Key(kDown, 1)), KeyAction::kPageNext);
  EXPECT_EQ(At(5, Key(kDown, 0)), std::nullopt);
  EXPECT_EQ(At(10, Key(kDown, 1)), std::nullopt);        // contact bounce
  EXPECT_EQ(At(20, Key(kUp, 1)), KeyAction::kPagePrev);  // another key is not a bounce
  EXPECT_EQ(At(79, Key(kDown, 1)), std::nullopt);
  EXPECT_EQ(At(80, Key(kDown, 1)), KeyAction::kPageNext);  // measured from the accepted press
  EXPECT_EQ(filter_.debounced(), 2u);
}

TEST_F(KeyFilterTest, SynDroppedDropsUpToTheNextReport) {
  EXPECT_EQ(At(0, Syn(3)), std::nullopt);
  EXPECT_EQ(At(1, Key(kF1, 1)), std::nullopt);  // part of the overflowed packet
  EXPECT_EQ(At(2, Syn()), std::nullopt);
  EXPECT_EQ(At(3, Key(kF1, 1)), KeyAction::kDiagnose);
  EXPECT_EQ(filter_.resyncs(), 1u);
}

TEST_F(KeyFilterTest, AStormOfUnknownKeysGivesNothing) {
  for (int i = 0; i < 100'000; ++i) {
    ASSERT_EQ(At(i, Key(static_cast<std::uint16_t>(200 + i % 300), i % 3)), std::nullopt);
  }
  EXPECT_GT(filter_.ignored(), 30'000u);
}

TEST(FindKeyDevice, NoInputDevicesIsNotFound) {
  posdiag::testing::FixtureTree tree;
  std::filesystem::create_directories(tree.At("/dev/input"));
  tree.Put("/dev/input/event0", "a regular file, not an input device");
  tree.Put("/dev/input/mice", "");
  const SystemOpeners open;
  auto found = FindKeyDevice(io::RootFs(tree.root()), open, kF1);
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(found.error().detail.find("event0"), std::string::npos) << found.error().detail;
}

// An input device that has the keys a test gives it, and nothing to read.
class FakeKeypad final : public drivers::input::InputDevice {
 public:
  explicit FakeKeypad(std::vector<std::uint16_t> keys) : keys_(std::move(keys)) {}
  Result<std::string> Name() const override { return std::string("fake keypad"); }
  Result<void> Grab() override { return Ok(); }
  void Release() override {}
  Result<bool> ReadLine(std::string&, io::Deadline, std::stop_token) override { return false; }
  Result<bool> HasKey(std::uint16_t code) const override {
    return std::find(keys_.begin(), keys_.end(), code) != keys_.end();
  }
  Result<std::size_t> ReadAvailable(std::span<drivers::input::InputEvent>) override {
    return std::size_t{0};
  }
  int fd() const override { return -1; }

 private:
  std::vector<std::uint16_t> keys_;
};

TEST(FindKeyDevice, TheFirstDeviceInNumberOrderThatHasTheKey) {
  posdiag::testing::FixtureTree tree;
  for (const char* node : {"event10", "event2", "event1", "mice"})
    tree.Put(std::string("/dev/input/") + node, "");
  probes::testing::FakeOpeners open;
  std::vector<std::string> asked;
  open.input = [&](const std::filesystem::path& path)
      -> Result<std::unique_ptr<drivers::input::InputDevice>> {
    asked.push_back(path.filename().string());
    const bool keypad = path.filename() == "event2" || path.filename() == "event10";
    return std::unique_ptr<drivers::input::InputDevice>(std::make_unique<FakeKeypad>(
        keypad ? std::vector<std::uint16_t>{kF1, kDown} : std::vector<std::uint16_t>{kA}));
  };
  auto found = FindKeyDevice(io::RootFs(tree.root()), open, kF1);
  ASSERT_TRUE(found.ok()) << found.error().detail;
  EXPECT_EQ(*found, "/dev/input/event2");
  EXPECT_EQ(asked, (std::vector<std::string>{"event1", "event2"}));
}

}  // namespace
}  // namespace posdiag::agent
