#include <gtest/gtest.h>
#include <pty.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "agent/probes/display/display_device.h"
#include "agent/probes/testing/probe_harness.h"
#include "rules/engine/evaluator.h"
#include "rules/loader/catalog.h"

namespace posdiag::agent::probes {
namespace {

using posdiag::testing::FixtureTree;
using testing::AtEpoch;
using testing::FixedClock;
using testing::ProbeRun;
using testing::RunProbe;
using V = rules::FactValue;

class DisplayProbeTest : public ::testing::Test {
 protected:
  ProbeRun Run(std::string_view config) { return RunProbe(DisplayDevice(), tree_, config, clock_); }
  // The display rules of the built-in catalogue that fire on these facts.
  static std::vector<std::string> Fired(const ProbeRun& run) {
    const auto evaluation = rules::Evaluate(rules::BuiltinCatalog().rules, run.facts);
    std::vector<std::string> ids;
    for (const auto& f : evaluation.findings) {
      if (f.component == "display") ids.push_back(f.rule + ":" + f.code);
    }
    return ids;
  }
  FixtureTree tree_;
  FixedClock clock_{AtEpoch(1'790'000'000)};
};

TEST_F(DisplayProbeTest, AFileBackedFramebufferIsMeasured) {
  tree_.Put("/dev/fb0", std::string(320 * 240 * 2, '\0'));
  const auto run = Run("[display]\ndevice = \"/dev/fb0\"\ngeometry = \"320x240x16\"\n");
  ASSERT_TRUE(run.measured);
  ASSERT_TRUE(run.result.ok()) << run.result.error().detail;
  EXPECT_EQ(run.Value("display.backend"), V(std::string("framebuffer")));
  EXPECT_EQ(run.Value("display.opened"), V(true));
  EXPECT_EQ(run.Value("display.width"), V(std::int64_t{320}));
  EXPECT_EQ(run.Value("display.height"), V(std::int64_t{240}));
  EXPECT_EQ(run.Value("display.bpp"), V(std::int64_t{16}));
  EXPECT_EQ(run.Value("display.format_supported"), V(true));
  EXPECT_FALSE(run.Has("display.error"));
  EXPECT_TRUE(Fired(run).empty());
}

TEST_F(DisplayProbeTest, AMissingFramebufferIsTheCannotOpenFinding) {
  const auto run = Run("[display]\ndevice = \"/dev/fb0\"\ngeometry = \"320x240x16\"\n");
  ASSERT_TRUE(run.result.ok());
  EXPECT_EQ(run.Value("display.opened"), V(false));
  EXPECT_NE(std::get<std::string>(run.Value("display.error")).find("fb0"), std::string::npos);
  EXPECT_NE(run.Why("display.width").find("not opened"), std::string::npos)
      << run.Why("display.width");
  EXPECT_NE(run.Why("display.format_supported"), "<not missing>");
  EXPECT_EQ(Fired(run), std::vector<std::string>{"display.cannot_open:E1"});
}

TEST_F(DisplayProbeTest, AnUnsupportedFormatIsItsOwnFinding) {
  tree_.Put("/dev/fb0", std::string(320 * 240, '\0'));
  const auto run = Run("[display]\ngeometry = \"320x240x8\"\n");
  ASSERT_TRUE(run.result.ok());
  EXPECT_EQ(run.Value("display.opened"), V(true));
  EXPECT_EQ(run.Value("display.bpp"), V(std::int64_t{8}));
  EXPECT_EQ(run.Value("display.format_supported"), V(false));
  EXPECT_EQ(Fired(run), std::vector<std::string>{"display.unsupported_format:E1"});
}

TEST_F(DisplayProbeTest, AFileTooSmallForItsGeometryCannotBeOpened) {
  tree_.Put("/dev/fb0", std::string(100, '\0'));
  const auto run = Run("[display]\ngeometry = \"320x240x32\"\n");
  ASSERT_TRUE(run.result.ok());
  EXPECT_EQ(run.Value("display.format_supported"), V(true));
  EXPECT_EQ(run.Value("display.opened"), V(false));
  EXPECT_EQ(Fired(run), std::vector<std::string>{"display.cannot_open:E1"});
}

TEST_F(DisplayProbeTest, ATextConsole) {
  int master = -1;
  int slave = -1;
  char name[128] = {};
  ASSERT_EQ(::openpty(&master, &slave, name, nullptr, nullptr), 0);
  // The pty lives in the real /dev/pts; link it into the fixture root as the console.
  std::filesystem::create_directories(tree_.root() / "dev");
  std::filesystem::create_symlink(name, tree_.root() / "dev/tty1");
  const auto run = Run("[display]\nbackend = \"console\"\n");
  ::close(master);
  ::close(slave);
  ASSERT_TRUE(run.result.ok()) << run.result.error().detail;
  EXPECT_EQ(run.Value("display.backend"), V(std::string("console")));
  EXPECT_EQ(run.Value("display.opened"), V(true));
  EXPECT_TRUE(run.Has("display.columns"));
  EXPECT_TRUE(Fired(run).empty());

  const auto missing = Run("[display]\nbackend = \"console\"\nconsole = \"/dev/tty7\"\n");
  EXPECT_EQ(missing.Value("display.opened"), V(false));
  EXPECT_EQ(Fired(missing), std::vector<std::string>{"display.cannot_open:E1"});
}

TEST_F(DisplayProbeTest, NoneIsNotConfiguredAndBadSettingsAreConfigErrors) {
  EXPECT_EQ(Run("[display]\nbackend = \"none\"\n").support.state, Support::State::kNotConfigured);
  for (const char* text : {"[display]\nbackend = \"hologram\"\n", "[display]\nlang = \"fr\"\n",
                           "[display]\ngeometry = \"abc\"\n", "[display]\nline_length = 640\n"}) {
    auto config = testing::DeviceConfig(DisplayDevice(), text);
    ASSERT_FALSE(config.ok()) << text;
    EXPECT_NE(config.error().detail.find("test.toml:"), std::string::npos) << config.error().detail;
    EXPECT_NE(config.error().detail.find("[display] "), std::string::npos) << config.error().detail;
  }
}

TEST_F(DisplayProbeTest, DefaultsAreThoseOfAFramebufferTerminal) {
  auto config = testing::DeviceConfig(DisplayDevice(), "[display]\n");
  ASSERT_TRUE(config.ok()) << config.error().detail;
  auto settings = ReadDisplaySettings(config->Section("display"));
  ASSERT_TRUE(settings.ok());
  EXPECT_EQ(settings->backend, DisplayBackend::kFramebuffer);
  EXPECT_EQ(settings->device, "/dev/fb0");
  EXPECT_EQ(settings->console, "/dev/tty1");
  EXPECT_EQ(settings->lang, rules::Lang::kZhCn);
  EXPECT_FALSE(settings->file_format.has_value());
}

}  // namespace
}  // namespace posdiag::agent::probes
