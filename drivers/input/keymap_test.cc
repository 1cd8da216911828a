#include "drivers/input/keymap.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace posdiag::drivers::input {
namespace {

std::string Type(const std::vector<std::pair<std::uint16_t, std::int32_t>>& events,
                 bool* enter = nullptr) {
  KeyDecoder d;
  std::string out;
  for (const auto& [code, value] : events) {
    const auto o = d.Feed(code, value);
    if (o.kind == KeyDecoder::Kind::kChar) out.push_back(o.ch);
    if (o.kind == KeyDecoder::Kind::kEnter && enter != nullptr) *enter = true;
  }
  return out;
}

TEST(KeyChar, UsLayoutWithAndWithoutShift) {
  EXPECT_EQ(KeyChar(6, true), '%');    // Shift+5
  EXPECT_EQ(KeyChar(7, true), '^');    // Shift+6
  EXPECT_EQ(KeyChar(53, true), '?');   // Shift+/
  EXPECT_EQ(KeyChar(39, false), ';');  // KEY_SEMICOLON
  EXPECT_EQ(KeyChar(13, false), '=');  // KEY_EQUAL
  EXPECT_EQ(KeyChar(11, false), '0');
  EXPECT_EQ(KeyChar(48, true), 'B');
  EXPECT_EQ(KeyChar(57, false), ' ');
  EXPECT_EQ(KeyChar(kKeyLeftShift, false), std::nullopt);
  EXPECT_EQ(KeyChar(kKeyEnter, false), std::nullopt);
  EXPECT_EQ(KeyChar(0, false), std::nullopt);
  EXPECT_EQ(KeyChar(0xFFFF, true), std::nullopt);
}

TEST(KeyDecoder, TracksShiftAcrossEventsAndIgnoresReleaseAndRepeat) {
  bool enter = false;
  const std::string typed = Type({{42, 1},
                                  {6, 1},
                                  {6, 0},
                                  {42, 0},
                                  {48, 1},
                                  {48, 2},
                                  {48, 0},
                                  {54, 1},
                                  {48, 1},
                                  {48, 0},
                                  {54, 0},
                                  {2, 1},
                                  {kKeyEnter, 1}},
                                 &enter);
  EXPECT_EQ(typed, "%bB1");
  EXPECT_TRUE(enter);
}

TEST(KeyDecoder, ShiftHeldOnEitherSideStaysUntilBothAreReleased) {
  EXPECT_EQ(Type({{42, 1}, {54, 1}, {42, 0}, {53, 1}, {54, 0}, {53, 1}}), "?/");
}

}  // namespace
}  // namespace posdiag::drivers::input
