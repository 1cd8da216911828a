#include "drivers/display/framebuffer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "drivers/display/painter.h"

namespace posdiag::drivers::display {
namespace {

// A regular file of `bytes` bytes standing in for framebuffer memory.
class FileFb : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("posdiag_fb_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  void TearDown() override { std::filesystem::remove(path_); }
  void Make(std::size_t bytes) {
    std::ofstream(path_, std::ios::binary) << std::string(bytes, '\0');
  }
  std::vector<unsigned char> Bytes() const {
    std::ifstream in(path_, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  std::filesystem::path path_;
};

TEST(ParseGeometry, ReadsTheUsualLayouts) {
  auto f = ParseGeometry("320x240x16");
  ASSERT_TRUE(f.ok()) << f.error().detail;
  EXPECT_EQ(f->width, 320u);
  EXPECT_EQ(f->height, 240u);
  EXPECT_EQ(f->line_length, 640u);
  EXPECT_EQ(f->red.offset, 11u);
  EXPECT_EQ(f->green.length, 6u);
  auto g = ParseGeometry("480x272x32", 2048);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->line_length, 2048u);
  EXPECT_EQ(g->red.offset, 16u);
  EXPECT_TRUE(CheckFormat(*g).ok());
}

TEST(ParseGeometry, RejectsMalformedText) {
  for (const char* bad : {"", "320", "320x240", "320x240x", "x240x16", "320x240x16x", "-1x2x16",
                          "0x240x16", "99999x240x16", "320x240x16 "}) {
    auto f = ParseGeometry(bad);
    ASSERT_FALSE(f.ok()) << bad;
    EXPECT_EQ(f.error().kind, ErrorKind::kInvalid) << bad;
  }
  EXPECT_FALSE(ParseGeometry("320x240x16", 100).ok());  // a row needs 640 bytes
}

TEST(CheckFormat, RejectsDepthsAndChannelsItCannotDraw) {
  for (const char* geometry : {"320x240x8", "320x240x1", "320x240x15", "320x240x64"}) {
    auto f = ParseGeometry(geometry);
    ASSERT_TRUE(f.ok());
    const auto check = CheckFormat(*f);
    ASSERT_FALSE(check.ok()) << geometry;
    EXPECT_EQ(check.error().kind, ErrorKind::kUnsupported);
    EXPECT_NE(check.error().detail.find("unsupported format"), std::string::npos);
  }
  auto f = *ParseGeometry("320x240x16");
  f.red = {12, 5};  // past the pixel's 16 bits
  EXPECT_EQ(CheckFormat(f).error().kind, ErrorKind::kUnsupported);
  f = *ParseGeometry("320x240x16");
  f.memory_bytes = 1000;
  EXPECT_EQ(CheckFormat(f).error().kind, ErrorKind::kInvalid);
}

TEST(Pixels, PackWithTheReportedChannels) {
  const auto rgb565 = *ParseGeometry("1x1x16");
  EXPECT_EQ(PackPixel(rgb565, {0xFF, 0, 0}), 0xF800u);
  EXPECT_EQ(PackPixel(rgb565, {0, 0xFF, 0}), 0x07E0u);
  EXPECT_EQ(PackPixel(rgb565, {0, 0, 0xFF}), 0x001Fu);
  EXPECT_EQ(UnpackPixel(rgb565, 0xFFFF), (Rgb{0xFF, 0xFF, 0xFF}));
  EXPECT_EQ(UnpackPixel(rgb565, 0x8410), (Rgb{0x84, 0x82, 0x84}));
  // A BGR panel: the driver says blue is high.
  FbFormat bgr = *ParseGeometry("1x1x32");
  std::swap(bgr.red, bgr.blue);
  EXPECT_EQ(PackPixel(bgr, {0x11, 0x22, 0x33}), 0x00332211u);
  EXPECT_EQ(UnpackPixel(bgr, 0x00332211u), (Rgb{0x11, 0x22, 0x33}));
}

TEST_F(FileFb, WritesPixelsAtLineLengthAndOffsets) {
  auto format = *ParseGeometry("4x3x16", 16);  // 8 bytes of pixels, 8 of padding per row
  format.xoffset = 1;
  format.yoffset = 1;
  Make(16 * 4);
  auto fb = Framebuffer::Open(path_, format);
  ASSERT_TRUE(fb.ok()) << fb.error().detail;
  (*fb)->Fill(0, 0, 4, 3, {0, 0, 0xFF});
  (*fb)->Set(3, 2, {0xFF, 0, 0});
  (*fb)->Fill(-5, -5, 2, 2, {0xFF, 0xFF, 0xFF});  // clipped away entirely
  EXPECT_EQ((*fb)->Get(3, 2), (Rgb{0xFF, 0, 0}));
  fb->reset();
  const auto bytes = Bytes();
  ASSERT_EQ(bytes.size(), 64u);
  for (std::size_t i = 0; i < 16; ++i) EXPECT_EQ(bytes[i], 0) << "row 0 is above yoffset";
  for (int row = 1; row <= 3; ++row) {
    const std::size_t base = static_cast<std::size_t>(row) * 16;
    EXPECT_EQ(bytes[base], 0);  // column 0 is left of xoffset
    EXPECT_EQ(bytes[base + 1], 0);
    for (std::size_t col = 1; col <= 4; ++col) {
      const bool red = row == 3 && col == 4;
      EXPECT_EQ(bytes[base + col * 2], red ? 0x00 : 0x1F) << row << "," << col;
      EXPECT_EQ(bytes[base + col * 2 + 1], red ? 0xF8 : 0x00) << row << "," << col;
    }
    for (std::size_t pad = 10; pad < 16; ++pad) EXPECT_EQ(bytes[base + pad], 0) << "padding";
  }
}

TEST_F(FileFb, Writes24BitPixels) {
  Make(2 * 3);
  auto fb = Framebuffer::Open(path_, *ParseGeometry("2x1x24"));
  ASSERT_TRUE(fb.ok()) << fb.error().detail;
  (*fb)->Set(1, 0, {0x11, 0x22, 0x33});
  fb->reset();
  EXPECT_EQ(Bytes(), (std::vector<unsigned char>{0, 0, 0, 0x33, 0x22, 0x11}));
}

TEST_F(FileFb, OpenFailsClearly) {
  // Missing file.
  auto missing = Framebuffer::Open(path_, *ParseGeometry("320x240x16"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::kNotFound);
  // Shorter than the geometry.
  Make(100);
  auto short_file = Framebuffer::Open(path_, *ParseGeometry("320x240x16"));
  ASSERT_FALSE(short_file.ok());
  EXPECT_EQ(short_file.error().kind, ErrorKind::kInvalid);
  // A file with no geometry cannot answer the ioctls.
  auto no_geometry = Framebuffer::Open(path_, std::nullopt);
  ASSERT_FALSE(no_geometry.ok());
  EXPECT_EQ(no_geometry.error().kind, ErrorKind::kInvalid);
  // An unsupported depth.
  Make(320 * 240);
  auto depth8 = Framebuffer::Open(path_, *ParseGeometry("320x240x8"));
  ASSERT_FALSE(depth8.ok());
  EXPECT_EQ(depth8.error().kind, ErrorKind::kUnsupported);
  // The format is still readable for the probe.
  auto format = ReadFormat(path_, *ParseGeometry("320x240x8"));
  ASSERT_TRUE(format.ok());
  EXPECT_EQ(format->bits_per_pixel, 8u);
}

TEST(Framebuffer, ACharacterDeviceThatIsNoFramebufferFailsItsIoctl) {
  auto fb = Framebuffer::Open("/dev/null", std::nullopt);
  ASSERT_FALSE(fb.ok());
  EXPECT_NE(fb.error().detail.find("FBIOGET_VSCREENINFO"), std::string::npos) << fb.error().detail;
}

TEST_F(FileFb, DrawsTextAndABoxForACharacterWithoutAGlyph) {
  Make(48 * 16 * 4);
  auto fb = Framebuffer::Open(path_, *ParseGeometry("48x16x32"));
  ASSERT_TRUE(fb.ok());
  const Rgb white{0xFF, 0xFF, 0xFF};
  const Rgb black{0, 0, 0};
  // 'A', a CJK glyph from the catalogue, and U+E000 (private use: no glyph).
  const int end = DrawText(**fb, 0, 0, U"A\u7535\uE000", white, black);
  EXPECT_EQ(end, 8 + 16 + 8);
  int lit_a = 0;
  for (int y = 0; y < 16; ++y) {
    for (int x = 0; x < 8; ++x) lit_a += (*fb)->Get(x, y) == white;
  }
  EXPECT_GT(lit_a, 10);
  // The replacement box: its outline is lit, its middle is not.
  EXPECT_EQ((*fb)->Get(24 + 1, 2), white);
  EXPECT_EQ((*fb)->Get(24 + 6, 13), white);
  EXPECT_EQ((*fb)->Get(24 + 3, 8), black);
  // Text past the right edge is clipped, not written out of bounds.
  EXPECT_EQ(DrawText(**fb, 40, 0, U"WWWW", white, black), 48);
}

}  // namespace
}  // namespace posdiag::drivers::display
