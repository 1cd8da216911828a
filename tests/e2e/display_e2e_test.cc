// The boot self-test on the terminal's own display, through the real binary: posdiag-sim gives the
// simulated terminal a file-backed 320x240 RGB565 framebuffer (tests/sim/lib/display.sh), and
// after the run its header band must carry the status colour of the result. Each run also leaves a
// PNG of the display in <build>/display-png/scenarios/ for a person to look at.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
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

// What zbarimg, a real QR decoder, reads in a PNG ("" when nothing).
std::string Zbar(const std::filesystem::path& png) {
  const Outcome o = RunCommand({"zbarimg", "--raw", "-q", png.string()});
  std::string out = o.out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// A merchant-level diagnosis on the simulated terminal with a signing key: the QR code on its
// screen reads back with zbarimg, `posdiag decode --pubkey` verifies it and it matches the JSON
// report, at the three panel geometries in both languages; then a changed character, another
// key and a cut payload are refused with their exit statuses.
TEST(DisplayE2e, TheResultScreensQrCodeVerifiesAndMatchesTheReport) {
  const std::filesystem::path dir = std::filesystem::path(POSDIAG_DISPLAY_PNG_DIR) / "handoff";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string key = (dir / "key.pem").string();
  const Outcome keygen = RunCommand({POSDIAG_BINARY, "keygen", key});
  ASSERT_EQ(keygen.exit_status, 0) << keygen.err;
  { std::ofstream(dir / "pub.pem") << keygen.out; }
  EXPECT_EQ(std::filesystem::status(key).permissions() & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  const std::string pub = (dir / "pub.pem").string();

  std::string payload;
  for (const char* geometry : {"240x320x16", "320x240x16", "480x272x32"}) {
    for (const char* lang : {"zh-CN", "en"}) {
      const std::string name = std::string(geometry) + "_" + lang;
      const std::string png = (dir / (name + ".png")).string();
      const Outcome run = RunCommand(
          {"env", "SIM_DISPLAY_PNG=" + png, "SIM_HANDOFF_KEY=" + key,
           std::string("SIM_HANDOFF_GEOMETRY=") + geometry, std::string("SIM_HANDOFF_LANG=") + lang,
           POSDIAG_SIM, "run", "handoff-signed", "--posdiag", POSDIAG_BINARY, "--format", "json"});
      ASSERT_EQ(run.exit_status, 2) << name << "\n" << run.err;
      const auto report = nlohmann::json::parse(run.out);
      const std::string handoff = report.value("handoff", "");
      ASSERT_EQ(handoff.rfind("PD1:", 0), 0u) << name;
      payload = Zbar(png);
      EXPECT_EQ(payload, handoff) << name;

      const Outcome decoded = RunCommand(
          {POSDIAG_BINARY, "decode", "--pubkey", pub, "--json", "--lang", lang, payload});
      ASSERT_EQ(decoded.exit_status, 0) << name << "\n" << decoded.out << decoded.err;
      const auto summary = nlohmann::json::parse(decoded.out);
      EXPECT_EQ(summary["signature"], "valid");
      EXPECT_EQ(summary["report_id"], report["report_id"]);
      EXPECT_EQ(summary["terminal_id"], "POS-0042");
      EXPECT_EQ(summary["status"], report["status"]);
      EXPECT_EQ(summary["level"], "merchant");
      ASSERT_EQ(summary["findings"].size(), report["findings"].size()) << decoded.out;
      for (std::size_t i = 0; i < report["findings"].size(); ++i) {
        EXPECT_EQ(summary["findings"][i]["rule"], report["findings"][i]["rule"]);
        EXPECT_EQ(summary["findings"][i]["code"], report["findings"][i]["code"]);
        EXPECT_EQ(summary["findings"][i]["title"], report["findings"][i]["title"][lang]);
      }
    }
  }
  ASSERT_FALSE(payload.empty());

  // The text form says the same, and reads from stdin with "-".
  const Outcome text =
      RunCommand({"bash", "-c", "printf '%s\\n' \"$1\" | \"$0\" decode --pubkey \"$2\" --lang en -",
                  POSDIAG_BINARY, payload, pub});
  EXPECT_EQ(text.exit_status, 0) << text.err;
  EXPECT_NE(text.out.find("signature: valid"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("P1  printer.paper_end"), std::string::npos) << text.out;

  // One changed character (in the time, which keeps the structure): INVALID, exit 2.
  std::string changed = payload;
  changed[7] = changed[7] == '0' ? '1' : '0';
  const Outcome invalid = RunCommand({POSDIAG_BINARY, "decode", "--pubkey", pub, changed});
  EXPECT_EQ(invalid.exit_status, 2) << invalid.out << invalid.err;
  EXPECT_NE(invalid.out.find("signature: INVALID"), std::string::npos) << invalid.out;

  // Signed by another key: unknown key, exit 1; with no key at all, the same.
  const std::string other = (dir / "other.pem").string();
  const Outcome other_keygen = RunCommand({POSDIAG_BINARY, "keygen", other});
  ASSERT_EQ(other_keygen.exit_status, 0);
  std::ofstream(dir / "other.pub") << other_keygen.out;
  const Outcome unknown =
      RunCommand({POSDIAG_BINARY, "decode", "--pubkey", (dir / "other.pub").string(), payload});
  EXPECT_EQ(unknown.exit_status, 1) << unknown.out << unknown.err;
  EXPECT_NE(unknown.out.find("signature: unknown key"), std::string::npos) << unknown.out;
  EXPECT_EQ(RunCommand({POSDIAG_BINARY, "decode", payload}).exit_status, 1);

  // Truncated: unreadable, exit 3.
  const Outcome cut = RunCommand(
      {POSDIAG_BINARY, "decode", "--pubkey", pub, payload.substr(0, payload.size() - 7)});
  EXPECT_EQ(cut.exit_status, 3) << cut.out;
  EXPECT_NE(cut.err.find("unreadable"), std::string::npos) << cut.err;
}

}  // namespace
}  // namespace posdiag
