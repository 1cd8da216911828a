#include "drivers/display/text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "drivers/display/font.h"

namespace posdiag::drivers::display {
namespace {

using ::testing::ElementsAre;

TEST(Utf8, DecodesAndReplacesInvalidSequences) {
  EXPECT_EQ(DecodeUtf8("A电"), U"A电");
  EXPECT_EQ(DecodeUtf8("\xff"), U"\uFFFD");
  EXPECT_EQ(DecodeUtf8("\xe7\x94"), U"\uFFFD");        // cut short
  EXPECT_EQ(DecodeUtf8("\xc0\xaf"), U"\uFFFD");        // overlong '/'
  EXPECT_EQ(DecodeUtf8("\xed\xa0\x80x"), U"\uFFFDx");  // a surrogate
  EXPECT_EQ(EncodeUtf8(U"A电\U0001F600"), "A电\xf0\x9f\x98\x80");
}

TEST(Cells, AsciiIsOneCellAndCjkTwo) {
  EXPECT_EQ(CellWidth(U"abc"), 3);
  EXPECT_EQ(CellWidth(U"电池"), 4);
  EXPECT_EQ(CellWidth(U"\uE000"), 1);  // no glyph, not wide: one cell
  EXPECT_EQ(CellWidth(U"\u9FA0"), 2);  // a CJK character the catalogue does not use: still wide
}

TEST(Truncate, CutsByCellsWithAnEllipsis) {
  EXPECT_EQ(Truncate(U"Battery low", 20), U"Battery low");
  EXPECT_EQ(Truncate(U"Battery low", 8), U"Battery\u2026");
  EXPECT_EQ(Truncate(U"电池电量低", 6), U"电池\u2026");  // 2+2+1: the third CJK would overflow
  EXPECT_EQ(Truncate(U"abc", 0), U"");
}

TEST(Wrap, BreaksAtSpacesInLatinAndAnywhereInCjk) {
  EXPECT_THAT(Wrap(U"Plug in the power adapter", 12, 5),
              ElementsAre(U"Plug in the", U"power", U"adapter"));
  EXPECT_THAT(Wrap(U"连接电源适配器充电", 8, 5), ElementsAre(U"连接电源", U"适配器充", U"电"));
  EXPECT_THAT(Wrap(U"Supercalifragilistic", 8, 5), ElementsAre(U"Supercal", U"ifragili", U"stic"));
  EXPECT_THAT(Wrap(U"one two three four five", 9, 2), ElementsAre(U"one two", U"three fo\u2026"));
  EXPECT_TRUE(Wrap(U"", 10, 2).empty());
  EXPECT_TRUE(Wrap(U"text", 0, 2).empty());
}

// Every character of the rule catalogue and of the screens' words has a glyph: the generated subset
// covers what the screens will draw, and it is a subset (not the whole font).
TEST(Glyphs, CoverTheCatalogue) {
  const std::filesystem::path source(POSDIAG_SOURCE_DIR);
  std::vector<std::filesystem::path> files = {source / "agent/sinks/display_layout.cc"};
  for (const auto& entry : std::filesystem::directory_iterator(source / "rules/catalog")) {
    if (entry.path().extension() == ".toml") files.push_back(entry.path());
  }
  std::size_t checked = 0;
  for (const auto& path : files) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    for (char32_t c : DecodeUtf8(text.str())) {
      if (c < 0x20 || c == 0x7F) continue;
      EXPECT_TRUE(FindGlyph(c).has_value())
          << path.filename() << ": no glyph for U+" << std::hex << static_cast<int>(c);
      ++checked;
    }
  }
  EXPECT_GT(checked, 1000u);
  EXPECT_TRUE(FindGlyph(U'~').has_value());
  EXPECT_TRUE(FindGlyph(kEllipsis).has_value());
  EXPECT_FALSE(FindGlyph(0xE000).has_value());
  EXPECT_LT(GlyphCount(), 4000u);  // Unifont's plane 0 has about 57 000
  const auto wide = FindGlyph(U'电');
  ASSERT_TRUE(wide.has_value());
  EXPECT_EQ(wide->width, 16);
  EXPECT_EQ(FindGlyph(U'A')->width, 8);
}

}  // namespace
}  // namespace posdiag::drivers::display
