#include "agent/sinks/display_screen.h"

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/sinks/display_layout.h"
#include "drivers/display/console.h"
#include "drivers/display/font.h"
#include "drivers/display/painter.h"
#include "drivers/display/qr.h"
#include "drivers/display/text.h"

namespace posdiag::agent {
namespace {

namespace dd = drivers::display;
using dd::Rgb;
using rules::Lang;

// --- framebuffer ------------------------------------------------------------------------------

constexpr Rgb kBlack{0, 0, 0};
constexpr Rgb kWhite{0xFF, 0xFF, 0xFF};
constexpr Rgb kFooterBg{0x30, 0x30, 0x30};
constexpr Rgb kFooterFg{0xE0, 0xE0, 0xE0};

Rgb Colour(Tone tone) {
  switch (tone) {
    case Tone::kOk:
      return {0x1B, 0x8A, 0x3A};
    case Tone::kWarning:
      return {0xF2, 0xA9, 0x00};
    case Tone::kError:
      return {0xD3, 0x2F, 0x2F};
    case Tone::kUnknown:
      return {0x80, 0x80, 0x80};
    case Tone::kInfo:
      return {0x19, 0x6C, 0xC8};
    case Tone::kPlain:
      return kWhite;
    case Tone::kDim:
      return {0xB0, 0xB0, 0xB0};
  }
  return kWhite;
}

// Text on a coloured band: black on amber reads better than white.
Rgb TextOn(Tone tone) { return tone == Tone::kWarning ? kBlack : kWhite; }

// Half a cell of margin at the left and right edges.
constexpr int kMargin = dd::kCellWidth / 2;

// The hand-off QR code on the result screen. A phone reads modules of 3 pixels and more off a
// 100-160 dpi panel at arm's length, 2 from closer; 4 is as large as the panels have room for.
// The light quiet zone is 2 modules wide (the black screen around it is no quiet zone).
constexpr int kQrQuiet = 2;
constexpr int kQrMinScale = 2;
constexpr int kQrMaxScale = 4;
// The findings beside a code keep this many columns (a code, and a title of 5 CJK characters or
// 11 letters a row), under one this many rows (one finding: title and remedy).
constexpr int kMinTextColumns = 16;
constexpr int kMinTextRows = 4;
constexpr int kQrGap = 4;  // pixels between the text and the code, and around it

// Where the code goes and how much text the findings keep: right of them on a landscape panel,
// under them on a portrait one, at the largest scale that leaves the findings their room.
struct QrPlacement {
  dd::QrCode code;
  int x = 0;
  int y = 0;
  int scale = 0;
  Cells body;  // the findings' columns and rows
};

std::optional<QrPlacement> PlaceQr(const std::string& payload, int width, int height, Cells size) {
  if (payload.empty()) return std::nullopt;
  auto code = dd::EncodeQr(payload, dd::QrEcc::kM);
  if (!code) return std::nullopt;
  const int modules = code->size + 2 * kQrQuiet;
  const int body_top = dd::kGlyphHeight;
  const int body_height = height - 2 * dd::kGlyphHeight;
  const int body_rows = std::max(size.rows - 2, 1);
  for (int scale = kQrMaxScale; scale >= kQrMinScale; --scale) {
    const int side = modules * scale;
    QrPlacement p;
    p.scale = scale;
    if (width > height) {
      const int x = width - side - kQrGap;
      const int columns = (x - kMargin - kQrGap) / dd::kCellWidth;
      if (side > body_height || columns < kMinTextColumns) continue;
      p.x = x;
      p.y = body_top + (body_height - side) / 2;
      p.body = {columns, body_rows};
    } else {
      const int rows = (body_height - side - kQrGap) / dd::kGlyphHeight;
      if (side > width - 2 * kQrGap || rows < kMinTextRows) continue;
      p.x = (width - side) / 2;
      p.y = body_top + body_height - side - kQrGap / 2;
      p.body = {size.columns, rows};
    }
    p.code = std::move(*code);
    return p;
  }
  return std::nullopt;  // no room for a code a phone could read: the findings alone
}

class FramebufferScreen final : public Screen {
 public:
  FramebufferScreen(std::unique_ptr<dd::Framebuffer> fb, Lang lang)
      : fb_(std::move(fb)), lang_(lang) {}

  Result<void> ShowProgress(const RunProgress& progress, Level level) override {
    Draw(ProgressPage(progress, level, lang_, Size()));
    return Ok();
  }

  Result<void> ShowReport(const Report& report, std::size_t page) override {
    const auto qr = PlaceQr(report.handoff, fb_->width(), fb_->height(), Size());
    const auto pages =
        qr ? ReportPages(report, lang_, Size(), qr->body) : ReportPages(report, lang_, Size());
    Draw(pages[std::min(page, pages.size() - 1)]);
    if (qr) DrawQr(*qr);
    return Ok();
  }

  std::size_t PageCount(const Report& report) const override {
    const auto qr = PlaceQr(report.handoff, fb_->width(), fb_->height(), Size());
    return (qr ? ReportPages(report, lang_, Size(), qr->body) : ReportPages(report, lang_, Size()))
        .size();
  }

  Result<void> ShowMessage(std::string_view zh_cn, std::string_view en) override {
    Draw(MessagePage(lang_ == Lang::kEn ? en : zh_cn, lang_, Size()));
    return Ok();
  }

  void Borrow() override {
    if (!saved_) saved_ = fb_->SaveVisible();
  }
  void Return() override {
    if (!saved_) return;
    fb_->RestoreVisible(*saved_);
    saved_.reset();
  }

  Result<void> ShowTestPattern() override {
    dd::Framebuffer& fb = *fb_;
    const int w = fb.width();
    const int h = fb.height();
    constexpr Rgb kBars[] = {{0xFF, 0xFF, 0xFF}, {0xFF, 0xFF, 0x00}, {0x00, 0xFF, 0xFF},
                             {0x00, 0xFF, 0x00}, {0xFF, 0x00, 0xFF}, {0xFF, 0x00, 0x00},
                             {0x00, 0x00, 0xFF}, {0x00, 0x00, 0x00}};
    constexpr int kCount = sizeof(kBars) / sizeof(kBars[0]);
    for (int i = 0; i < kCount; ++i) {
      const int x0 = w * i / kCount;
      const int x1 = w * (i + 1) / kCount;
      fb.Fill(x0, 0, x1 - x0, h, kBars[i]);
    }
    // A grey ramp along the bottom shows banding in a 16-bit panel.
    const int ramp_top = h - h / 6;
    for (int x = 0; x < w; ++x) {
      const auto v = static_cast<std::uint8_t>(w > 1 ? 255 * x / (w - 1) : 0);
      fb.Fill(x, ramp_top, 1, h - ramp_top, {v, v, v});
    }
    dd::DrawFrame(fb, 0, 0, w, h, kWhite);
    dd::DrawFrame(fb, 1, 1, w - 2, h - 2, kBlack);
    const auto& f = fb.format();
    const std::u32string label =
        dd::DecodeUtf8(std::to_string(f.width) + "x" + std::to_string(f.height) + " " +
                       std::to_string(f.bits_per_pixel) + " bpp");
    const int label_w = dd::CellWidth(label) * dd::kCellWidth;
    dd::DrawText(fb, (w - label_w) / 2, (h - dd::kGlyphHeight) / 2, label, kWhite, kBlack);
    return Ok();
  }

 private:
  Cells Size() const {
    return {std::max((fb_->width() - 2 * kMargin) / dd::kCellWidth, 1),
            std::max(fb_->height() / dd::kGlyphHeight, 3)};
  }

  void Draw(const Page& page) {
    dd::Framebuffer& fb = *fb_;
    const int w = fb.width();
    const int h = fb.height();
    constexpr int kRow = dd::kGlyphHeight;
    // Each band is cleared just before it is drawn (no back buffer, and no whole-screen blank
    // between two pages).
    const Rgb header_bg = Colour(page.header_tone);
    fb.Fill(0, 0, w, kRow, header_bg);
    dd::DrawText(fb, kMargin, 0, page.header, TextOn(page.header_tone), header_bg);
    if (!page.header_right.empty()) {
      const int right_w = dd::CellWidth(page.header_right) * dd::kCellWidth;
      dd::DrawText(fb, w - kMargin - right_w, 0, page.header_right, TextOn(page.header_tone),
                   header_bg);
    }

    const int footer_y = h - kRow;
    std::size_t i = 0;
    for (int y = kRow; y < footer_y; y += kRow, ++i) {
      fb.Fill(0, y, w, std::min(kRow, footer_y - y), kBlack);
      if (i < page.body.size() && y + kRow <= footer_y) DrawLine(page.body[i], y);
    }

    fb.Fill(0, footer_y, w, kRow, kFooterBg);
    dd::DrawText(fb, kMargin, footer_y, page.footer, kFooterFg, kFooterBg);
  }

  // Dark modules black on a white quiet zone, whatever the screen's colours.
  void DrawQr(const QrPlacement& p) {
    dd::Framebuffer& fb = *fb_;
    const int side = (p.code.size + 2 * kQrQuiet) * p.scale;
    fb.Fill(p.x, p.y, side, side, kWhite);
    const int origin_x = p.x + kQrQuiet * p.scale;
    const int origin_y = p.y + kQrQuiet * p.scale;
    for (int y = 0; y < p.code.size; ++y) {
      for (int x = 0; x < p.code.size; ++x) {
        if (p.code.Dark(x, y)) {
          fb.Fill(origin_x + x * p.scale, origin_y + y * p.scale, p.scale, p.scale, kBlack);
        }
      }
    }
  }

  void DrawLine(const LayoutLine& line, int y) {
    dd::Framebuffer& fb = *fb_;
    constexpr int kRow = dd::kGlyphHeight;
    if (line.bar) {
      const int x0 = kMargin;
      const int width = fb.width() - 2 * kMargin;
      dd::DrawFrame(fb, x0, y + 2, width, kRow - 4, Colour(Tone::kPlain));
      const int filled = static_cast<int>((width - 4) * std::clamp(*line.bar, 0.0, 1.0));
      fb.Fill(x0 + 2, y + 4, filled, kRow - 8, Colour(Tone::kInfo));
      return;
    }
    if (!line.tag.empty()) {
      const Rgb bg = Colour(line.tag_tone);
      const int box_w = (kTagColumnCells - 1) * dd::kCellWidth;
      fb.Fill(kMargin, y, box_w, kRow, bg);
      const int tag_w = dd::CellWidth(line.tag) * dd::kCellWidth;
      dd::DrawText(fb, kMargin + (box_w - tag_w) / 2, y, line.tag, TextOn(line.tag_tone), bg);
    }
    dd::DrawText(fb, kMargin + line.indent * dd::kCellWidth, y, line.text, Colour(line.tone),
                 kBlack);
  }

  std::unique_ptr<dd::Framebuffer> fb_;
  std::optional<std::vector<std::uint8_t>> saved_;  // what the screen showed before posdiag
  Lang lang_;
};

// --- text console -----------------------------------------------------------------------------

// ANSI SGR parameters: background, then foreground for text on it.
std::string_view AnsiBackground(Tone tone) {
  switch (tone) {
    case Tone::kOk:
      return "42;97";
    case Tone::kWarning:
      return "43;30";
    case Tone::kError:
      return "41;97";
    case Tone::kUnknown:
      return "100;97";
    case Tone::kInfo:
      return "44;97";
    case Tone::kPlain:
    case Tone::kDim:
      return "0";
  }
  return "0";
}

std::string_view AnsiForeground(Tone tone) {
  switch (tone) {
    case Tone::kOk:
      return "32";
    case Tone::kWarning:
      return "33";
    case Tone::kError:
      return "31";
    case Tone::kUnknown:
    case Tone::kDim:
      return "90";
    case Tone::kInfo:
      return "34";
    case Tone::kPlain:
      return "0";
  }
  return "0";
}

std::string Spaces(int n) { return std::string(static_cast<std::size_t>(std::max(n, 0)), ' '); }

class ConsoleScreen final : public Screen {
 public:
  ConsoleScreen(std::unique_ptr<dd::TextConsole> console, bool color, Lang lang,
                std::chrono::milliseconds timeout)
      : console_(std::move(console)), color_(color), lang_(lang), timeout_(timeout) {}

  Result<void> ShowProgress(const RunProgress& progress, Level level) override {
    return Write(Render(ProgressPage(progress, level, lang_, Size())));
  }

  Result<void> ShowReport(const Report& report, std::size_t page) override {
    const auto pages = ReportPages(report, lang_, Size());
    return Write(Render(pages[std::min(page, pages.size() - 1)]));
  }

  std::size_t PageCount(const Report& report) const override {
    return ReportPages(report, lang_, Size()).size();
  }

  Result<void> ShowMessage(std::string_view zh_cn, std::string_view en) override {
    return Write(Render(MessagePage(lang_ == Lang::kEn ? en : zh_cn, lang_, Size())));
  }

  Result<void> ShowTestPattern() override {
    const Cells size = Size();
    std::string out = Clear();
    if (color_) {
      constexpr std::string_view kBars[] = {"47", "43", "46", "42", "45", "41", "44", "40"};
      for (int row = 0; row < size.rows - 1; ++row) {
        for (int i = 0; i < 8; ++i) {
          const int x0 = size.columns * i / 8;
          const int x1 = size.columns * (i + 1) / 8;
          out += "\x1b[";
          out += kBars[i];
          out += 'm';
          out += Spaces(x1 - x0);
        }
        out += "\x1b[0m\r\n";
      }
    } else {
      const std::string edge =
          "+" + std::string(static_cast<std::size_t>(size.columns - 2), '-') + "+";
      out += edge + "\r\n";
      for (int row = 1; row < size.rows - 2; ++row) {
        out += "|" + Spaces(size.columns - 2) + "|\r\n";
      }
      out += edge + "\r\n";
    }
    out += std::to_string(size.columns) + "x" + std::to_string(size.rows);
    return Write(out);
  }

 private:
  Cells Size() const { return {std::max(console_->columns(), 10), std::max(console_->rows(), 3)}; }

  std::string Clear() const { return color_ ? "\x1b[0m\x1b[H\x1b[2J" : "\r\n"; }

  std::string Sgr(std::string_view params) const {
    return color_ ? "\x1b[" + std::string(params) + "m" : std::string();
  }

  std::string Render(const Page& page) const {
    const Cells size = Size();
    std::string out = Clear();
    // Header: the whole row in the status colour (plain: between "==" marks).
    if (color_) {
      out += Sgr(AnsiBackground(page.header_tone));
      int used = dd::CellWidth(page.header) + dd::CellWidth(page.header_right);
      out += dd::EncodeUtf8(page.header);
      out += Spaces(size.columns - used);
      out += dd::EncodeUtf8(page.header_right);
      out += Sgr("0");
    } else {
      out += "== " + dd::EncodeUtf8(page.header) + " ==";
      if (!page.header_right.empty()) out += "  " + dd::EncodeUtf8(page.header_right);
    }
    out += "\r\n";
    int row = 1;
    for (const LayoutLine& line : page.body) {
      if (row >= size.rows - 1) break;
      out += RenderLine(line, size);
      out += "\r\n";
      ++row;
    }
    if (color_) {
      out += "\x1b[" + std::to_string(size.rows) + ";1H";
      out += Sgr("90") + dd::EncodeUtf8(page.footer) + Sgr("0");
    } else {
      out += "-- " + dd::EncodeUtf8(page.footer) + "\r\n";
    }
    return out;
  }

  std::string RenderLine(const LayoutLine& line, Cells size) const {
    std::string out;
    if (line.bar) {
      const int inner = std::max(size.columns - 2, 1);
      const int filled = static_cast<int>(inner * std::clamp(*line.bar, 0.0, 1.0));
      out += "[" + std::string(static_cast<std::size_t>(filled), '#') +
             std::string(static_cast<std::size_t>(inner - filled), '.') + "]";
      return out;
    }
    int used = 0;
    if (!line.tag.empty()) {
      const std::string tag = dd::EncodeUtf8(line.tag);
      if (color_) {
        out += Sgr(AnsiBackground(line.tag_tone)) + " " + tag + " " + Sgr("0");
      } else {
        out += "[" + tag + "]";
      }
      used = dd::CellWidth(line.tag) + 2;
    }
    out += Spaces(line.indent - used);
    if (color_ && line.tone != Tone::kPlain) {
      out += Sgr(AnsiForeground(line.tone)) + dd::EncodeUtf8(line.text) + Sgr("0");
    } else {
      out += dd::EncodeUtf8(line.text);
    }
    return out;
  }

  Result<void> Write(const std::string& bytes) {
    auto written = console_->Write(bytes, io::Deadline::In(timeout_));
    if (!written) return written.error().Context("display console");
    return Ok();
  }

  std::unique_ptr<dd::TextConsole> console_;
  bool color_;
  Lang lang_;
  std::chrono::milliseconds timeout_;
};

// --- none -------------------------------------------------------------------------------------

class NoneScreen final : public Screen {
 public:
  Result<void> ShowProgress(const RunProgress&, Level) override { return Ok(); }
  Result<void> ShowReport(const Report&, std::size_t) override { return Ok(); }
  std::size_t PageCount(const Report&) const override { return 1; }
  Result<void> ShowMessage(std::string_view, std::string_view) override { return Ok(); }
  Result<void> ShowTestPattern() override { return Ok(); }
};

}  // namespace

Result<std::unique_ptr<Screen>> OpenScreen(const DisplaySettings& settings, const io::RootFs& fs,
                                           const ScreenOptions& options) {
  switch (settings.backend) {
    case DisplayBackend::kNone:
      return MakeNoneScreen();
    case DisplayBackend::kFramebuffer: {
      auto fb = dd::Framebuffer::Open(fs.Path(settings.device), settings.file_format);
      if (!fb) return fb.error().Context("display");
      return std::unique_ptr<Screen>(
          std::make_unique<FramebufferScreen>(std::move(*fb), settings.lang));
    }
    case DisplayBackend::kConsole: {
      auto console = dd::TextConsole::Open(fs.Path(settings.console));
      if (!console) return console.error().Context("display");
      return std::unique_ptr<Screen>(std::make_unique<ConsoleScreen>(
          std::move(*console), settings.color, settings.lang, options.console_write_timeout));
    }
  }
  return Error{ErrorKind::kInvalid, "display: unknown backend"};
}

std::unique_ptr<Screen> MakeNoneScreen() { return std::make_unique<NoneScreen>(); }

}  // namespace posdiag::agent
