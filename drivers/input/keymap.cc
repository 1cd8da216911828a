#include "drivers/input/keymap.h"

#include <array>

namespace posdiag::drivers::input {
namespace {

struct Key {
  char plain;
  char shifted;
};

// Linux input-event-codes.h, KEY_1 (2) to KEY_SLASH (53), US layout.
constexpr std::uint16_t kFirst = 2;
constexpr std::array<Key, 52> kKeys = {{
    {'1', '!'}, {'2', '@'}, {'3', '#'}, {'4', '$'},  {'5', '%'}, {'6', '^'}, {'7', '&'},
    {'8', '*'}, {'9', '('}, {'0', ')'}, {'-', '_'},  {'=', '+'}, {0, 0},     {0, 0},
    {'q', 'Q'}, {'w', 'W'}, {'e', 'E'}, {'r', 'R'},  {'t', 'T'}, {'y', 'Y'}, {'u', 'U'},
    {'i', 'I'}, {'o', 'O'}, {'p', 'P'}, {'[', '{'},  {']', '}'}, {0, 0},     {0, 0},
    {'a', 'A'}, {'s', 'S'}, {'d', 'D'}, {'f', 'F'},  {'g', 'G'}, {'h', 'H'}, {'j', 'J'},
    {'k', 'K'}, {'l', 'L'}, {';', ':'}, {'\'', '"'}, {'`', '~'}, {0, 0},     {'\\', '|'},
    {'z', 'Z'}, {'x', 'X'}, {'c', 'C'}, {'v', 'V'},  {'b', 'B'}, {'n', 'N'}, {'m', 'M'},
    {',', '<'}, {'.', '>'}, {'/', '?'},
}};
constexpr std::uint16_t kKeySpace = 57;

}  // namespace

std::optional<char> KeyChar(std::uint16_t code, bool shift) {
  if (code == kKeySpace) return ' ';
  if (code < kFirst || code >= kFirst + kKeys.size()) return std::nullopt;
  const Key& k = kKeys[code - kFirst];
  const char c = shift ? k.shifted : k.plain;
  if (c == 0) return std::nullopt;
  return c;
}

KeyDecoder::Output KeyDecoder::Feed(std::uint16_t code, std::int32_t value) {
  if (code == kKeyLeftShift) {
    left_shift_ = value != 0;
    return {};
  }
  if (code == kKeyRightShift) {
    right_shift_ = value != 0;
    return {};
  }
  if (value != 1) return {};  // releases and autorepeat type nothing new
  if (code == kKeyEnter || code == kKeyKpEnter) return {Kind::kEnter, 0};
  if (auto c = KeyChar(code, left_shift_ || right_shift_)) return {Kind::kChar, *c};
  return {};
}

}  // namespace posdiag::drivers::input
