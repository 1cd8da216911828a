#include "agent/sinks/text_util.h"

#include <cstdint>
#include <cstdio>
#include <ctime>
#include <vector>

#include "drivers/base/card_number.h"

namespace posdiag::agent {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence at s[i] and its code point, or 0 when it is not valid.
std::size_t Utf8At(std::string_view s, std::size_t i, char32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  std::size_t len = 0;
  char32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    cp = b0 & 0x1F;
    min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    cp = b0 & 0x0F;
    min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    cp = b0 & 0x07;
    min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

// The fewest digits a card number has.
constexpr std::size_t kMinCardDigits = 13;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

struct Group {
  std::size_t begin;  // offset of the first digit
  std::size_t end;    // one past the last digit
};

bool EndsTrack(char c, bool track1) {
  if (c == '\n' || c == '\r' || c == '"') return true;
  return !track1 && (c == ' ' || c == '\t');
}

// A number starts at i unless it continues a word ("abc123"). Track 1 puts the format code 'B'
// right before the card number ("%B6222..."), so that letter does not count as a word.
bool StartsNumber(const std::string& s, std::size_t i) {
  if (i == 0 || !IsAlnum(s[i - 1])) return true;
  return (s[i - 1] == 'B' || s[i - 1] == 'b') && (i == 1 || !IsAlnum(s[i - 2]));
}

}  // namespace

std::string RedactCardData(std::string_view text) {
  constexpr std::string_view kTrackRemoved = "[track data removed]";
  std::string out(text);
  std::size_t i = 0;
  while (i < out.size()) {
    if (!IsDigit(out[i]) || !StartsNumber(out, i)) {
      ++i;
      continue;
    }
    // Digit groups joined by single spaces or dashes: "6222 0212 3456 7890".
    std::vector<Group> groups;
    std::size_t j = i;
    while (true) {
      const std::size_t start = j;
      while (j < out.size() && IsDigit(out[j])) ++j;
      groups.push_back({start, j});
      if (j + 1 < out.size() && (out[j] == ' ' || out[j] == '-') && IsDigit(out[j + 1])) {
        ++j;
        continue;
      }
      break;
    }
    std::size_t next = j;
    if (next < out.size() && IsAlnum(out[next])) {
      i = next;  // the tail of a word such as "v123abc": not a number on its own
      continue;
    }
    // Every span of whole groups that could be a card number, longest first. Printed card
    // numbers group 3 to 6 digits, so "1 2 3 4 ..." is a list, not a card. A span holds at most
    // 19 digits, which bounds the work on long digit lists.
    const auto size = [&](std::size_t k) { return groups[k].end - groups[k].begin; };
    for (std::size_t g = 0; g < groups.size(); ++g) {
      std::size_t last = g;
      std::size_t count = 0;
      while (last < groups.size() && count + size(last) <= 19 &&
             (last == g || (size(g) >= 3 && size(last) >= 3))) {
        count += size(last);
        ++last;
      }
      for (std::size_t h = last; h-- > g;) {
        std::string digits;
        for (std::size_t k = g; k <= h; ++k) {
          digits.append(out, groups[k].begin, groups[k].end - groups[k].begin);
        }
        if (digits.size() < kMinCardDigits || !LuhnValid(digits)) continue;
        std::size_t seen = 0;
        for (std::size_t p = groups[g].begin; p < groups[h].end; ++p) {
          if (!IsDigit(out[p])) continue;
          if (seen >= 6 && seen + 4 < digits.size()) out[p] = '*';
          ++seen;
        }
        // Track data follows the card number after '=' (track 2) or '^' (track 1).
        const std::size_t after = groups[h].end;
        if (h + 1 == groups.size() && after < out.size() &&
            (out[after] == '=' || out[after] == '^')) {
          // Track 1 carries the holder's name, spaces included, so it runs to the line's end.
          const bool track1 = out[after] == '^';
          std::size_t stop = after;
          while (stop < out.size() && !EndsTrack(out[stop], track1)) ++stop;
          out.replace(after, stop - after, kTrackRemoved);
          next = after + kTrackRemoved.size();
        }
        g = h;
        break;
      }
    }
    i = next;
  }
  return out;
}

std::string ValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    char32_t cp = 0;
    const std::size_t len = Utf8At(text, i, cp);
    if (len == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    out.append(text, i, len);
    i += len;
  }
  return out;
}

bool MayNeedCleaning(std::string_view text) {
  std::size_t digits = 0;
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return true;
    if (IsDigit(c) && ++digits >= kMinCardDigits) return true;
  }
  return false;
}

std::string DisplayText(std::string_view text) {
  const std::string redacted = RedactCardData(text);
  std::string out;
  out.reserve(redacted.size());
  std::size_t i = 0;
  while (i < redacted.size()) {
    char32_t cp = 0;
    const std::size_t len = Utf8At(redacted, i, cp);
    if (len == 0) {
      out += kReplacement;
      ++i;
      continue;
    }
    if (cp < 0x20) {
      out += ' ';
    } else if (cp == 0x7F) {
      // DEL: dropped
    } else if (cp >= 0x80 && cp <= 0x9F) {
      out += kReplacement;  // C1 controls include CSI, which terminals read as escape codes
    } else {
      out.append(redacted, i, len);
    }
    i += len;
  }
  return out;
}

}  // namespace posdiag::agent
