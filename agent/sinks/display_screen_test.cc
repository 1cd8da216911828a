#include "agent/sinks/display_screen.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "agent/handoff/signing.h"
#include "agent/probes/display/display_device.h"
#include "agent/report_id.h"
#include "agent/sinks/sample_report.h"
#include "tests/display/png_image.h"

namespace posdiag::agent {
namespace {

// [display] as the display device declares and reads it.
Result<DisplaySettings> SettingsFor(const std::string& toml) {
  auto config = Config::Parse(toml, "test.toml", probes::DisplayDevice().ConfigSections());
  if (!config) return config.error();
  return probes::ReadDisplaySettings(config->Section("display"));
}

using rules::Severity;

// A report as a shop would see it: five findings of every colour, the longest titles and
// remedies the catalogue has in both languages.
Report ShopReport() {
  Report r = testing::SampleReport(Level::kMerchant);
  r.status = RunStatus::kError;
  r.report_id = "7KQ2-M9X4";
  auto paper = testing::MakeFinding("printer.paper_end", "P1", Severity::kError, "printer",
                                    "打印机缺纸", "Printer out of paper");
  paper.remedy = {{"打开纸仓盖，装入新纸卷后合上"},
                  {"Open the paper cover, load a new roll, close it"}};
  auto host = testing::MakeFinding("network.payment_host_unreachable", "T1", Severity::kError,
                                   "network", "无法连接支付主机", "Cannot reach the payment host");
  host.remedy = {{"检查网线或无线网络是否连接正常"},
                 {"Check the network cable or the Wi-Fi connection"}};
  auto reader = testing::MakeFinding("card_reader.absent", "T2", Severity::kError, "card_reader",
                                     "未检测到读卡器", "Card reader not detected");
  reader.remedy = {{"关机后重新插好读卡器的连接线，再开机"},
                   {"Switch off, reseat the card reader's cable, then switch on"}};
  auto bank = testing::MakeFinding("journal.issuer_unavailable", "91", Severity::kWarning,
                                   "journal", "发卡行系统暂时不可用", "Issuer system unavailable");
  bank.remedy = {{"稍后重试，或请持卡人换一张卡"}, {"Try again later, or ask for another card"}};
  auto modem = testing::MakeFinding("modem.no_sim", "T1", Severity::kError, "modem",
                                    "未检测到SIM卡", "No SIM card");
  modem.remedy = {{"关机后取出SIM卡，重新插好再开机"},
                  {"Switch off, take out the SIM card, reinsert it, switch on"}};
  auto battery = r.evaluation.findings[1];   // battery low, E1
  auto near_end = r.evaluation.findings[0];  // paper near end, P6
  r.evaluation.findings = {paper, host, reader, battery, bank, modem, near_end};
  return r;
}

Report AllClearReport() {
  Report r = testing::SampleReport(Level::kBoot);
  r.status = RunStatus::kOk;
  r.report_id = "3ZD8-W1TQ";
  r.evaluation.findings.clear();
  r.probes = {{"system", ProbeStatus::kOk, {}, "", {}},
              {"power", ProbeStatus::kOk, {}, "", {}},
              {"network", ProbeStatus::kOk, {}, "", {}},
              {"printer", ProbeStatus::kOk, {}, "", {}},
              {"display", ProbeStatus::kOk, {}, "", {}},
              {"modem", ProbeStatus::kNotConfigured, {}, "", {}}};
  return r;
}

struct Geometry {
  int width;
  int height;
  int bpp;
  int line_length;  // 0: packed
};

class FramebufferScreenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("posdiag_screen_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_ / "dev");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // A file-backed /dev/fb0 of the geometry under a fixture root, and a screen on it.
  std::unique_ptr<Screen> Open(Geometry g, const std::string& lang) {
    geometry_ = g;
    const int stride = g.line_length != 0 ? g.line_length : g.width * g.bpp / 8;
    std::ofstream(dir_ / "dev/fb0", std::ios::binary)
        << std::string(static_cast<std::size_t>(stride * g.height), '\0');
    std::string toml = "[display]\nbackend = \"framebuffer\"\ndevice = \"/dev/fb0\"\n";
    toml += "geometry = \"" + std::to_string(g.width) + "x" + std::to_string(g.height) + "x" +
            std::to_string(g.bpp) + "\"\n";
    if (g.line_length != 0) toml += "line_length = " + std::to_string(g.line_length) + "\n";
    toml += "lang = \"" + lang + "\"\n";
    auto settings = SettingsFor(toml);
    EXPECT_TRUE(settings.ok()) << settings.error().detail;
    if (!settings) return nullptr;
    auto screen = OpenScreen(*settings, io::RootFs(dir_));
    EXPECT_TRUE(screen.ok()) << screen.error().detail;
    return screen ? std::move(*screen) : nullptr;
  }

  posdiag::testing::Image Shown() const {
    const int stride =
        geometry_.line_length != 0 ? geometry_.line_length : geometry_.width * geometry_.bpp / 8;
    auto image = posdiag::testing::ReadFramebufferFile(dir_ / "dev/fb0", geometry_.width,
                                                       geometry_.height, geometry_.bpp, stride);
    EXPECT_TRUE(image.ok()) << image.error().detail;
    return image ? *image : posdiag::testing::Image{};
  }

  std::filesystem::path dir_;
  Geometry geometry_{};
};

TEST_F(FramebufferScreenTest, Progress) {
  auto screen = Open({320, 240, 16, 0}, "zh-CN");
  ASSERT_NE(screen, nullptr);
  ASSERT_TRUE(screen->ShowProgress({3, 8, "printer"}, Level::kBoot).ok());
  EXPECT_TRUE(posdiag::testing::MatchesGolden("progress_320x240x16_zh", Shown()));

  screen = Open({240, 320, 32, 0}, "en");
  ASSERT_NE(screen, nullptr);
  ASSERT_TRUE(screen->ShowProgress({5, 8, "card_reader"}, Level::kMerchant).ok());
  EXPECT_TRUE(posdiag::testing::MatchesGolden("progress_240x320x32_en", Shown()));
}

TEST_F(FramebufferScreenTest, AllClear) {
  auto screen = Open({480, 272, 32, 0}, "zh-CN");
  ASSERT_NE(screen, nullptr);
  EXPECT_EQ(screen->PageCount(AllClearReport()), 1u);
  ASSERT_TRUE(screen->ShowReport(AllClearReport(), 0).ok());
  EXPECT_TRUE(posdiag::testing::MatchesGolden("all_clear_480x272x32_zh", Shown()));

  screen = Open({320, 240, 16, 0}, "en");
  ASSERT_NE(screen, nullptr);
  ASSERT_TRUE(screen->ShowReport(AllClearReport(), 0).ok());
  EXPECT_TRUE(posdiag::testing::MatchesGolden("all_clear_320x240x16_en", Shown()));
}

TEST_F(FramebufferScreenTest, FindingsPagedOnATallSmallScreen) {
  const Report report = ShopReport();
  auto screen = Open({240, 320, 16, 0}, "zh-CN");
  ASSERT_NE(screen, nullptr);
  const std::size_t pages = screen->PageCount(report);
  ASSERT_EQ(pages, 2u);
  ASSERT_TRUE(screen->ShowReport(report, 0).ok());
  const auto first = Shown();
  EXPECT_TRUE(posdiag::testing::MatchesGolden("findings_240x320x16_zh_page1", first));
  ASSERT_TRUE(screen->ShowReport(report, 1).ok());
  const auto second = Shown();
  EXPECT_TRUE(posdiag::testing::MatchesGolden("findings_240x320x16_zh_page2", second));
  EXPECT_NE(first.rgb, second.rgb);
  // A page past the end shows the last one.
  ASSERT_TRUE(screen->ShowReport(report, 7).ok());
  EXPECT_EQ(Shown().rgb, second.rgb);
}

TEST_F(FramebufferScreenTest, FindingsInEnglishOnAWideScreen) {
  const Report report = ShopReport();
  auto screen = Open({320, 240, 32, 0}, "en");
  ASSERT_NE(screen, nullptr);
  ASSERT_EQ(screen->PageCount(report), 2u);
  ASSERT_TRUE(screen->ShowReport(report, 0).ok());
  EXPECT_TRUE(posdiag::testing::MatchesGolden("findings_320x240x32_en_page1", Shown()));
  ASSERT_TRUE(screen->ShowReport(report, 1).ok());
  EXPECT_TRUE(posdiag::testing::MatchesGolden("findings_320x240x32_en_page2", Shown()));
}

TEST_F(FramebufferScreenTest, RowsWithPaddingAfterThem) {
  // 480 pixels of RGB565 are 960 bytes; this driver pads each row to 1024.
  auto screen = Open({480, 272, 16, 1024}, "en");
  ASSERT_NE(screen, nullptr);
  ASSERT_EQ(screen->PageCount(ShopReport()), 2u);
  ASSERT_TRUE(screen->ShowReport(ShopReport(), 0).ok());
  EXPECT_TRUE(posdiag::testing::MatchesGolden("findings_480x272x16_pad1024_en", Shown()));
  // The padding is never written.
  std::ifstream in(dir_ / "dev/fb0", std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  for (int row = 0; row < 272; ++row) {
    for (int i = 960; i < 1024; ++i) {
      ASSERT_EQ(bytes[static_cast<std::size_t>(row * 1024 + i)], '\0') << row << "," << i;
    }
  }
}

TEST_F(FramebufferScreenTest, MessageAndTestPattern) {
  auto screen = Open({320, 240, 32, 0}, "zh-CN");
  ASSERT_NE(screen, nullptr);
  // U+E000 (private use) has no glyph in any font subset: it shows as a box.
  ASSERT_TRUE(
      screen->ShowMessage("请刷卡：30 秒内将磁条卡划过读卡槽 \xee\x80\x80", "Swipe a card").ok());
  EXPECT_TRUE(posdiag::testing::MatchesGolden("message_320x240x32_zh", Shown()));
  ASSERT_TRUE(screen->ShowTestPattern().ok());
  EXPECT_TRUE(posdiag::testing::MatchesGolden("test_pattern_320x240x32", Shown()));

  screen = Open({240, 320, 16, 0}, "en");
  ASSERT_NE(screen, nullptr);
  ASSERT_TRUE(screen->ShowTestPattern().ok());
  EXPECT_TRUE(posdiag::testing::MatchesGolden("test_pattern_240x320x16", Shown()));
}

TEST_F(FramebufferScreenTest, TinyAndOddPanelsDrawWithoutCrashing) {
  const Report report = ShopReport();
  for (const Geometry g : {Geometry{1, 1, 16, 0}, Geometry{8, 40, 32, 0}, Geometry{37, 23, 24, 0},
                           Geometry{100, 17, 16, 256}}) {
    auto screen = Open(g, "zh-CN");
    ASSERT_NE(screen, nullptr) << g.width << "x" << g.height;
    EXPECT_TRUE(screen->ShowProgress({1, 3, "power"}, Level::kBoot).ok());
    const std::size_t pages = screen->PageCount(report);
    EXPECT_GE(pages, 1u);
    for (std::size_t p = 0; p <= pages; ++p) EXPECT_TRUE(screen->ShowReport(report, p).ok());
    EXPECT_TRUE(screen->ShowMessage("请刷卡", "Swipe a card").ok());
    EXPECT_TRUE(screen->ShowTestPattern().ok());
  }
}

Result<std::unique_ptr<Screen>> OpenWith(const std::string& toml,
                                         const std::filesystem::path& root) {
  auto settings = SettingsFor(toml);
  if (!settings) return settings.error();
  return OpenScreen(*settings, io::RootFs(root));
}

TEST_F(FramebufferScreenTest, BadDevicesAndSettingsAreErrors) {
  auto missing = OpenWith("[display]\ndevice = \"/dev/fb1\"\ngeometry = \"320x240x16\"\n", dir_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(missing.error().detail.find("fb1"), std::string::npos);

  std::ofstream(dir_ / "dev/fb0", std::ios::binary) << std::string(320 * 240, '\0');
  auto depth8 = OpenWith("[display]\ngeometry = \"320x240x8\"\n", dir_);
  ASSERT_FALSE(depth8.ok());
  EXPECT_EQ(depth8.error().kind, ErrorKind::kUnsupported);
  EXPECT_NE(depth8.error().detail.find("unsupported format"), std::string::npos);

  auto no_geometry = OpenWith("[display]\n", dir_);
  ASSERT_FALSE(no_geometry.ok());
  EXPECT_EQ(no_geometry.error().kind, ErrorKind::kInvalid);

  for (const char* bad : {"[display]\nbackend = \"hdmi\"\n", "[display]\nlang = \"fr\"\n",
                          "[display]\ngeometry = \"big\"\n", "[display]\nline_length = 640\n"}) {
    auto r = OpenWith(bad, dir_);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalid) << bad;
  }
}

// A fixed Ed25519 key: its signatures are deterministic, so the screens with the code are too.
constexpr std::string_view kTestKey =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEIGaobtuP25kJz1F51OgWZl2J+qV7SIKh0ojtHN5JCCMK\n"
    "-----END PRIVATE KEY-----\n";

// The shop's report with a valid report ID and its signed summary, as the diagnoser makes it.
Report SignedShopReport() {
  Report r = ShopReport();
  r.report_id = std::string("7KQ2-M9X") + ReportIdCheckSymbol("7KQ2M9X");
  auto key = handoff::SigningKey::FromPem(kTestKey);
  EXPECT_TRUE(key.ok());
  auto text = handoff::EncodePayload(handoff::Summarize(r, "POS-0042", true), key->get());
  EXPECT_TRUE(text.ok()) << text.error().detail;
  r.handoff = *text;
  return r;
}

// What zbarimg, a real QR decoder, reads in a PNG: each symbol's text, "" when none.
std::string Zbar(const std::filesystem::path& png) {
  const std::string command = "zbarimg --raw -q '" + png.string() + "' 2>/dev/null";
  std::string out;
  if (FILE* p = ::popen(command.c_str(), "r")) {
    char buf[1024];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

TEST_F(FramebufferScreenTest, TheResultCarriesAQrCodeAPhoneCanRead) {
  const Report report = SignedShopReport();
  ASSERT_LE(report.handoff.size(), handoff::kMaxPayloadChars);
  auto key = handoff::SigningKey::FromPem(kTestKey);
  ASSERT_TRUE(key.ok());
  auto pub = handoff::PublicKey::FromPem((*key)->PublicPem());
  ASSERT_TRUE(pub.ok());
  struct Case {
    Geometry g;
    const char* lang;
    const char* name;
  };
  for (const Case& c : {Case{{240, 320, 16, 0}, "zh-CN", "qr_240x320x16_zh"},
                        Case{{240, 320, 32, 0}, "en", "qr_240x320x32_en"},
                        Case{{320, 240, 16, 0}, "zh-CN", "qr_320x240x16_zh"},
                        Case{{320, 240, 32, 0}, "en", "qr_320x240x32_en"},
                        Case{{480, 272, 32, 0}, "zh-CN", "qr_480x272x32_zh"},
                        Case{{480, 272, 16, 0}, "en", "qr_480x272x16_en"}}) {
    auto screen = Open(c.g, c.lang);
    ASSERT_NE(screen, nullptr) << c.name;
    const std::size_t pages = screen->PageCount(report);
    EXPECT_GE(pages, 2u) << c.name;  // the findings are all still there,
    EXPECT_LE(pages, report.evaluation.findings.size() + 1) << c.name;  // a block a page at least
    EXPECT_GT(pages, screen->PageCount(ShopReport()) - 1);  // and never fewer than without
    ASSERT_TRUE(screen->ShowReport(report, 0).ok());
    const auto shown = Shown();
    EXPECT_TRUE(posdiag::testing::MatchesGolden(c.name, shown)) << c.name;
    const std::string read = Zbar(posdiag::testing::RenderedDir() / (std::string(c.name) + ".png"));
    EXPECT_EQ(read, report.handoff) << c.name;
    auto payload = handoff::ParsePayload(read);
    ASSERT_TRUE(payload.ok()) << c.name << ": " << payload.error().detail;
    EXPECT_EQ(handoff::Verify(*payload, &*pub), handoff::SignatureState::kValid) << c.name;
    EXPECT_EQ(payload->summary.report_id, report.report_id);
    // Every page shows the code.
    ASSERT_TRUE(screen->ShowReport(report, pages - 1).ok());
    const std::string last = std::string(c.name) + "_last";
    ASSERT_TRUE(
        posdiag::testing::WritePng(posdiag::testing::RenderedDir() / (last + ".png"), Shown())
            .ok());
    EXPECT_EQ(Zbar(posdiag::testing::RenderedDir() / (last + ".png")), report.handoff) << last;
  }
}

TEST_F(FramebufferScreenTest, NoRoomForACodeLeavesTheFindingsAlone) {
  Report report = SignedShopReport();
  auto screen = Open({160, 128, 16, 0}, "en");
  ASSERT_NE(screen, nullptr);
  const std::size_t with = screen->PageCount(report);
  report.handoff.clear();
  EXPECT_EQ(with, screen->PageCount(report));
}

TEST(NoneScreen, DrawsNothingAndSucceeds) {
  for (const char* toml : {"", "[display]\nbackend = \"none\"\n"}) {
    auto screen = OpenWith(toml, "/nonexistent");
    ASSERT_TRUE(screen.ok()) << toml;
    EXPECT_TRUE((*screen)->ShowProgress({1, 2, "power"}, Level::kBoot).ok());
    EXPECT_TRUE((*screen)->ShowReport(ShopReport(), 0).ok());
    EXPECT_EQ((*screen)->PageCount(ShopReport()), 1u);
    EXPECT_TRUE((*screen)->ShowMessage("好", "ok").ok());
    EXPECT_TRUE((*screen)->ShowTestPattern().ok());
  }
}

// The text console on a pseudo-terminal of 40x12 cells.
class ConsoleScreenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    winsize ws{};
    ws.ws_col = 40;
    ws.ws_row = 12;
    char name[128] = {};
    ASSERT_EQ(::openpty(&master_, &slave_, name, nullptr, &ws), 0);
    termios t{};
    ::tcgetattr(slave_, &t);
    ::cfmakeraw(&t);
    ::tcsetattr(slave_, TCSANOW, &t);
    name_ = name;
  }
  void TearDown() override {
    ::close(master_);
    ::close(slave_);
  }
  std::unique_ptr<Screen> Open(bool color, const std::string& lang) {
    auto screen =
        OpenWith("[display]\nbackend = \"console\"\nconsole = \"" + name_ +
                     "\"\ncolor = " + (color ? "true" : "false") + "\nlang = \"" + lang + "\"\n",
                 "/");
    EXPECT_TRUE(screen.ok()) << screen.error().detail;
    return screen ? std::move(*screen) : nullptr;
  }
  std::string Read() {
    std::string out;
    char buf[4096];
    ::fcntl(master_, F_SETFL, O_NONBLOCK);
    for (;;) {
      const ssize_t n = ::read(master_, buf, sizeof buf);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  int master_ = -1;
  int slave_ = -1;
  std::string name_;
};

TEST_F(ConsoleScreenTest, ColourReportWithStatusBandAndCodes) {
  auto screen = Open(true, "en");
  ASSERT_NE(screen, nullptr);
  const Report report = ShopReport();
  ASSERT_GT(screen->PageCount(report), 1u);  // 10 body rows cannot hold five findings
  ASSERT_TRUE(screen->ShowReport(report, 0).ok());
  const std::string out = Read();
  EXPECT_EQ(out.rfind("\x1b[0m\x1b[H\x1b[2J", 0), 0u) << "starts by clearing the screen";
  EXPECT_NE(out.find("\x1b[41;97mFault · 7 found"), std::string::npos) << out;  // red band
  EXPECT_NE(out.find("\x1b[41;97m P1 \x1b[0m"), std::string::npos) << out;
  EXPECT_NE(out.find("Printer out of paper"), std::string::npos);
  EXPECT_NE(out.find("1/"), std::string::npos);
  EXPECT_NE(out.find("Report ID 7KQ2-M9X4"), std::string::npos);
}

TEST_F(ConsoleScreenTest, PlainTextHasNoEscapes) {
  auto screen = Open(false, "zh-CN");
  ASSERT_NE(screen, nullptr);
  ASSERT_TRUE(screen->ShowReport(AllClearReport(), 0).ok());
  ASSERT_TRUE(screen->ShowProgress({2, 8, "network"}, Level::kBoot).ok());
  ASSERT_TRUE(screen->ShowTestPattern().ok());
  const std::string out = Read();
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
  EXPECT_NE(out.find("== 未发现故障 =="), std::string::npos) << out;
  EXPECT_NE(out.find("报告编号 3ZD8-W1TQ"), std::string::npos) << out;
  EXPECT_NE(out.find("[#########"), std::string::npos) << out;
  EXPECT_NE(out.find("正在检测：network"), std::string::npos) << out;
}

TEST_F(ConsoleScreenTest, AStalledConsoleGivesATimeoutError) {
  auto settings = SettingsFor("[display]\nbackend = \"console\"\nconsole = \"" + name_ + "\"\n");
  ASSERT_TRUE(settings.ok());
  auto screen = OpenScreen(*settings, io::RootFs("/"), {std::chrono::milliseconds(50)});
  ASSERT_TRUE(screen.ok());
  Result<void> last = Ok();
  // Nobody reads: the pty fills, then a screen times out rather than hanging the caller.
  for (int i = 0; i < 2000 && last.ok(); ++i) last = (*screen)->ShowTestPattern();
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.error().kind, ErrorKind::kTimeout);
}

}  // namespace
}  // namespace posdiag::agent
