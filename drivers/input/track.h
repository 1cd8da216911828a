// Magnetic-stripe tracks as a keyboard-wedge reader types them (ISO/IEC 7811/7813): track 1
// `%B<PAN>^<NAME>^<YYMM><service code>…?` and track 2 `;<PAN>=<YYMM><service code>…?`, or `E`
// (or `%E?`, `;E?`) where the reader found a track bad, each track optionally followed by its LRC
// character. Pure: the typed text in, a verdict out.
// Only the verdict and the masked card number (first 6 + last 4) leave the parser; every copy of
// card data it makes is zeroed before it returns.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace posdiag::drivers::input {

struct TrackVerdict {
  bool present = false;  // the reader sent this track (good or flagged bad)
  bool ok = false;
  std::string error;  // why not ok: "flagged bad by the reader", "bad end sentinel", …
};

struct SwipeVerdict {
  TrackVerdict track1;
  TrackVerdict track2;
  std::optional<bool> luhn_ok;  // nullopt when no card number could be read
  std::string pan_masked;       // "622202*********0128"; empty when no card number was read
  std::string error;            // the first problem found; empty for a good swipe
  bool ok() const { return error.empty(); }
};

SwipeVerdict ParseSwipe(std::string_view typed);

// Overwrites the string's bytes in a way the compiler may not drop, then empties it.
void Wipe(std::string& secret);

}  // namespace posdiag::drivers::input
