// The boot self-test on the terminal's own display, through the real binary: posdiag-sim gives the
// simulated terminal a file-backed 320x240 RGB565 framebuffer (tests/sim/lib/display.sh), and
// after the run its header band must carry the status colour of the result. Each run also leaves a
// PNG of the display in <build>/display-png/scenarios/ for a person to look at.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/e2e/run_command.h"

namespace posdiag {
namespace {

using e2e::Outcome;
using e2e::RunCommand;

constexpr int kWidth = 320;  // display.sh's default geometry: 320x240x16, rows packed
constexpr int kHeight = 240;

struct Pixel {
  int r = 0, g = 0, b = 0;  // 8-bit channels
};

struct Shown {
  Outcome run;
  std::vector<std::uint8_t> fb;  // the framebuffer as posdiag left it
};

Shown RunWithDisplay(const std::string& scenario) {
  const std::filesystem::path png_dir =
      std::filesystem::path(POSDIAG_DISPLAY_PNG_DIR) / "scenarios";
  std::filesystem::create_directories(png_dir);
  Shown shown;
  shown.run = RunCommand({"env", "SIM_DISPLAY_PNG=" + (png_dir / (scenario + ".png")).string(),
                          POSDIAG_SIM, "run", scenario, "--keep", "--posdiag", POSDIAG_BINARY});
  const std::string marker = "posdiag-sim: keeping ";
  const auto at = shown.run.err.find(marker);
  if (at == std::string::npos) return shown;
  const auto end = shown.run.err.find('\n', at);
  const std::filesystem::path dir =
      shown.run.err.substr(at + marker.size(), end - at - marker.size());
  std::ifstream fb(dir / "root/dev/fb0", std::ios::binary);
  shown.fb.assign(std::istreambuf_iterator<char>(fb), std::istreambuf_iterator<char>());
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return shown;
}

Pixel At(const std::vector<std::uint8_t>& fb, int x, int y) {
  const std::size_t i = (static_cast<std::size_t>(y) * kWidth + static_cast<std::size_t>(x)) * 2;
  const unsigned v = fb[i] | (fb[i + 1] << 8);  // RGB565, little-endian
  return {static_cast<int>((v >> 11) & 0x1F) << 3, static_cast<int>((v >> 5) & 0x3F) << 2,
          static_cast<int>(v & 0x1F) << 3};
}

// The header band's background at its right end, where no text reaches.
Pixel Header(const std::vector<std::uint8_t>& fb) { return At(fb, kWidth - 3, 3); }

bool Ink(const std::vector<std::uint8_t>& fb) {
  for (auto byte : fb) {
    if (byte != 0) return true;
  }
  return false;
}

TEST(DisplayE2e, HealthyBootShowsAllClearInGreen) {
  const Shown shown = RunWithDisplay("healthy");
  EXPECT_EQ(shown.run.exit_status, 0) << shown.run.out << shown.run.err;
  ASSERT_EQ(shown.fb.size(), static_cast<std::size_t>(kWidth * kHeight * 2)) << shown.run.err;
  const Pixel p = Header(shown.fb);
  EXPECT_GT(p.g, 100);
  EXPECT_GT(p.g, p.r + 50);
}

TEST(DisplayE2e, AnIncompleteRunShowsAmberNeverGreen) {
  const Shown shown = RunWithDisplay("journal-unreadable");
  EXPECT_EQ(shown.run.exit_status, 1) << shown.run.out << shown.run.err;
  ASSERT_EQ(shown.fb.size(), static_cast<std::size_t>(kWidth * kHeight * 2)) << shown.run.err;
  const Pixel p = Header(shown.fb);
  EXPECT_GT(p.r, 200);
  EXPECT_GT(p.g, 120);
  EXPECT_LT(p.g, 200);
  EXPECT_LT(p.b, 60);
}

TEST(DisplayE2e, PaperEndShowsTheFaultInRed) {
  const Shown shown = RunWithDisplay("printer-paper-end");
  EXPECT_EQ(shown.run.exit_status, 2) << shown.run.out << shown.run.err;
  ASSERT_EQ(shown.fb.size(), static_cast<std::size_t>(kWidth * kHeight * 2)) << shown.run.err;
  const Pixel p = Header(shown.fb);
  EXPECT_GT(p.r, 150);
  EXPECT_GT(p.r, p.g + 80);
}

TEST(DisplayE2e, AMissingFramebufferIsAFindingAndTheReportStillArrives) {
  const Outcome o =
      RunCommand({POSDIAG_SIM, "run", "display-missing", "--posdiag", POSDIAG_BINARY});
  EXPECT_EQ(o.exit_status, 2) << o.err;
  EXPECT_NE(o.out.find("报告编号"), std::string::npos) << o.out;  // the text report on stdout
}

TEST(DisplayE2e, TheScreenIsNotLeftBlank) {
  const Shown shown = RunWithDisplay("battery-dead");
  EXPECT_EQ(shown.run.exit_status, 2) << shown.run.err;
  EXPECT_TRUE(Ink(shown.fb));
}

}  // namespace
}  // namespace posdiag
