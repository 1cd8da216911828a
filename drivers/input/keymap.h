// Keycodes to characters for keyboard-emulation (HID wedge) card readers, US layout, Shift
// tracked across events. Pure: events in, characters out.
#pragma once

#include <cstdint>
#include <optional>

namespace posdiag::drivers::input {

constexpr std::uint16_t kEvSyn = 0;
constexpr std::uint16_t kEvKey = 1;
constexpr std::uint16_t kSynReport = 0;
constexpr std::uint16_t kSynDropped = 3;
constexpr std::uint16_t kKeyEnter = 28;
constexpr std::uint16_t kKeyKpEnter = 96;
constexpr std::uint16_t kKeyLeftShift = 42;
constexpr std::uint16_t kKeyRightShift = 54;

// The character a key types with or without Shift held; nullopt for keys that type nothing
// printable (Shift itself, Enter, function keys, codes this layout does not know).
std::optional<char> KeyChar(std::uint16_t code, bool shift);

// Feeds EV_KEY events (value 0 release, 1 press, 2 autorepeat) and yields the typed characters.
class KeyDecoder {
 public:
  enum class Kind { kNone, kChar, kEnter };
  struct Output {
    Kind kind = Kind::kNone;
    char ch = 0;
  };
  Output Feed(std::uint16_t code, std::int32_t value);

 private:
  bool left_shift_ = false;
  bool right_shift_ = false;
};

}  // namespace posdiag::drivers::input
