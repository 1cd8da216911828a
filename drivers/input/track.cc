#include "drivers/input/track.h"

#include <string.h>

#include <cstddef>

#include "drivers/base/card_number.h"

namespace posdiag::drivers::input {
namespace {

constexpr std::size_t kTrack1Max = 79;  // including start, end sentinel and LRC
constexpr std::size_t kTrack2Max = 40;
constexpr std::size_t kPanMin = 12;
constexpr std::size_t kPanMax = 19;
constexpr std::size_t kNameMin = 2;
constexpr std::size_t kNameMax = 26;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(std::string_view s) {
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return !s.empty();
}

// Checks expiry (YYMM) and service code at the start of the data after the last separator.
std::string CheckExpiryAndService(std::string_view rest) {
  if (rest.size() < 7 || !AllDigits(rest.substr(0, 7))) {
    return "no expiry date and service code";
  }
  const int month = (rest[2] - '0') * 10 + (rest[3] - '0');
  if (month < 1 || month > 12) return "bad expiry month";
  switch (rest[4]) {
    case '1':
    case '2':
    case '5':
    case '6':
    case '7':
    case '9':
      return {};
    default:
      return "bad service code";
  }
}

std::string CheckPan(std::string_view pan) {
  if (!AllDigits(pan)) return "card number is not all digits";
  if (pan.size() < kPanMin || pan.size() > kPanMax) return "bad card number length";
  return {};
}

// body: between the start and end sentinels. pan receives the card number when the track is
// well formed.
TrackVerdict CheckTrack1(std::string_view body, std::string& pan) {
  TrackVerdict v;
  v.present = true;
  if (body == "E") {
    v.error = "track 1 flagged bad by the reader";
    return v;
  }
  if (body.size() + 3 > kTrack1Max) {
    v.error = "track 1 too long";
    return v;
  }
  for (char c : body) {
    if (c < 0x20 || c > 0x5F) {
      v.error = "track 1 has a character outside its set";
      return v;
    }
  }
  if (body.empty() || body[0] != 'B') {
    v.error = "track 1 format code is not B";
    return v;
  }
  const std::size_t sep1 = body.find('^');
  const std::size_t sep2 = sep1 == std::string_view::npos ? sep1 : body.find('^', sep1 + 1);
  if (sep2 == std::string_view::npos) {
    v.error = "track 1 field separator missing";
    return v;
  }
  const std::string_view number = body.substr(1, sep1 - 1);
  const std::string_view name = body.substr(sep1 + 1, sep2 - sep1 - 1);
  if (std::string e = CheckPan(number); !e.empty()) {
    v.error = "track 1 " + e;
    return v;
  }
  if (name.size() < kNameMin || name.size() > kNameMax) {
    v.error = "track 1 bad name length";
    return v;
  }
  if (std::string e = CheckExpiryAndService(body.substr(sep2 + 1)); !e.empty()) {
    v.error = "track 1 " + e;
    return v;
  }
  pan.assign(number);
  v.ok = true;
  return v;
}

TrackVerdict CheckTrack2(std::string_view body, std::string& pan) {
  TrackVerdict v;
  v.present = true;
  if (body == "E") {
    v.error = "track 2 flagged bad by the reader";
    return v;
  }
  if (body.size() + 3 > kTrack2Max) {
    v.error = "track 2 too long";
    return v;
  }
  for (char c : body) {
    if (c < 0x30 || c > 0x3F) {
      v.error = "track 2 has a character outside its set";
      return v;
    }
  }
  const std::size_t sep = body.find('=');
  if (sep == std::string_view::npos) {
    v.error = "track 2 field separator missing";
    return v;
  }
  const std::string_view number = body.substr(0, sep);
  if (std::string e = CheckPan(number); !e.empty()) {
    v.error = "track 2 " + e;
    return v;
  }
  const std::string_view rest = body.substr(sep + 1);
  if (std::string e = CheckExpiryAndService(rest); !e.empty()) {
    v.error = "track 2 " + e;
    return v;
  }
  if (!AllDigits(rest)) {
    v.error = "track 2 discretionary data is not all digits";
    return v;
  }
  pan.assign(number);
  v.ok = true;
  return v;
}

// The longitudinal redundancy character over a track from its start to its end sentinel: the XOR
// of every character's data bits (6 on track 1, 4 on track 2), as the reader would type it.
char Lrc(std::string_view track) {
  const bool track1 = track.front() == '%';
  const int base = track1 ? 0x20 : 0x30;
  const int mask = track1 ? 0x3F : 0x0F;
  int x = 0;
  for (char c : track) x ^= (c - base) & mask;
  return static_cast<char>(x + base);
}

void SetError(SwipeVerdict& v, const std::string& e) {
  if (v.error.empty()) v.error = e;
}

}  // namespace

void Wipe(std::string& secret) {
  if (!secret.empty()) ::explicit_bzero(secret.data(), secret.size());
  secret.clear();
}

SwipeVerdict ParseSwipe(std::string_view typed) {
  SwipeVerdict v;
  std::string pan1;
  std::string pan2;
  std::size_t i = 0;
  while (i < typed.size()) {
    const char c = typed[i];
    if (c == ' ' || c == '\r' || c == '\n' || c == '\t') {
      ++i;
      continue;
    }
    if (c == 'E' && (i + 1 == typed.size() || typed[i + 1] != '?')) {
      // A bare E: the reader could not read the card at all.
      if (!v.track1.present) v.track1 = {true, false, "track flagged bad by the reader"};
      SetError(v, "track flagged bad by the reader");
      ++i;
      continue;
    }
    if (c != '%' && c != ';') {
      SetError(v, "bad start sentinel");
      break;
    }
    const std::size_t start = i;
    const std::size_t end = typed.find('?', i + 1);
    if (end == std::string_view::npos) {
      SetError(v, c == '%' ? "track 1 has no end sentinel" : "track 2 has no end sentinel");
      (c == '%' ? v.track1 : v.track2) = {true, false, v.error};
      break;
    }
    const std::string_view body = typed.substr(i + 1, end - i - 1);
    TrackVerdict& slot = c == '%' ? v.track1 : v.track2;
    if (slot.present) {
      SetError(v, "a track was sent twice");
      break;
    }
    slot = c == '%' ? CheckTrack1(body, pan1) : CheckTrack2(body, pan2);
    if (!slot.ok) SetError(v, slot.error);
    i = end + 1;
    // Most readers check the LRC and drop it; one that passes it on types it after the end
    // sentinel.
    if (i < typed.size()) {
      const char next = typed[i];
      if (next == Lrc(typed.substr(start, end - start + 1))) {
        ++i;
      } else if (next != '%' && next != ';' && next != 'E' && next != ' ' && next != '\r' &&
                 next != '\n' && next != '\t') {
        if (slot.ok) slot.error = c == '%' ? "track 1 bad LRC" : "track 2 bad LRC";
        slot.ok = false;
        SetError(v, slot.error);
        break;
      }
    }
  }
  if (!v.track1.present && !v.track2.present) SetError(v, "no track in the swipe");

  const std::string& pan = !pan2.empty() ? pan2 : pan1;
  if (!pan.empty()) {
    if (!pan1.empty() && !pan2.empty() && pan1 != pan2) {
      SetError(v, "track 1 and track 2 card numbers differ");
    }
    v.luhn_ok = LuhnValid(pan);
    if (!*v.luhn_ok) SetError(v, "card number fails the Luhn check");
    v.pan_masked = MaskPan(pan);
  }
  Wipe(pan1);
  Wipe(pan2);
  return v;
}

}  // namespace posdiag::drivers::input
