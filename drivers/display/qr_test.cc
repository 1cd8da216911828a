#include "drivers/display/qr.h"

#include <gtest/gtest.h>

#include <string>

namespace posdiag::drivers::display {
namespace {

// The finder pattern every QR code has in three corners: a dark 7x7 ring, a light ring, a dark
// 3x3 centre.
bool FinderAt(const QrCode& qr, int x0, int y0) {
  for (int y = 0; y < 7; ++y) {
    for (int x = 0; x < 7; ++x) {
      const bool ring = x == 0 || y == 0 || x == 6 || y == 6;
      const bool centre = x >= 2 && x <= 4 && y >= 2 && y <= 4;
      if (qr.Dark(x0 + x, y0 + y) != (ring || centre)) return false;
    }
  }
  return true;
}

TEST(Qr, AlphanumericTextGivesAStandardSymbol) {
  auto qr = EncodeQr("PD1:HELLO WORLD", QrEcc::kM);
  ASSERT_TRUE(qr.ok()) << qr.error().detail;
  EXPECT_EQ(qr->version, 1);
  EXPECT_EQ(qr->size, 21);
  EXPECT_TRUE(FinderAt(*qr, 0, 0));
  EXPECT_TRUE(FinderAt(*qr, qr->size - 7, 0));
  EXPECT_TRUE(FinderAt(*qr, 0, qr->size - 7));
  EXPECT_FALSE(FinderAt(*qr, qr->size - 7, qr->size - 7));
}

TEST(Qr, TheVersionGrowsWithTheTextAndModeMatters) {
  // 366 alphanumeric characters at M are version 11, the hand-off budget; in byte mode the same
  // length needs a larger symbol.
  auto an = EncodeQr(std::string(366, 'A'), QrEcc::kM);
  ASSERT_TRUE(an.ok());
  EXPECT_EQ(an->version, 11);
  EXPECT_EQ(an->size, 61);
  auto bytes = EncodeQr(std::string(366, 'a'), QrEcc::kM);
  ASSERT_TRUE(bytes.ok());
  EXPECT_GT(bytes->version, 11);
  EXPECT_TRUE(IsQrAlphanumeric("0Z $%*+-./:"));
  EXPECT_FALSE(IsQrAlphanumeric("a"));
}

TEST(Qr, NothingOrTooMuchIsAnError) {
  EXPECT_FALSE(EncodeQr("", QrEcc::kM).ok());
  auto big = EncodeQr(std::string(5000, 'A'), QrEcc::kH);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.error().kind, ErrorKind::kInvalid);
}

TEST(Qr, HalfBlocksDrawTwoRowsPerLine) {
  auto qr = EncodeQr("PD1:A", QrEcc::kM);
  ASSERT_TRUE(qr.ok());
  const std::string text = RenderHalfBlocks(*qr, 2, false);
  std::size_t lines = 0;
  for (char c : text) lines += c == '\n';
  EXPECT_EQ(lines, static_cast<std::size_t>((qr->size + 4 + 1) / 2));
  // The first line is the quiet zone over the top of the finders: blank then lower halves.
  EXPECT_EQ(text.substr(0, qr->size + 4), std::string(static_cast<std::size_t>(qr->size + 4), ' '));
  // The next: rows 0 and 1, the finder's top edge over its side walls.
  const std::string second = text.substr(text.find('\n') + 1);
  EXPECT_EQ(second.rfind("  \u2588\u2580\u2580\u2580\u2580\u2580\u2588", 0), 0u) << second;
  // Inverted, the quiet zone is ink.
  const std::string inverted = RenderHalfBlocks(*qr, 2, true);
  EXPECT_EQ(inverted.rfind("\u2588\u2588", 0), 0u);
}

}  // namespace
}  // namespace posdiag::drivers::display
