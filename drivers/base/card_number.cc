#include "drivers/base/card_number.h"

#include <algorithm>

namespace posdiag {

bool LuhnValid(std::string_view digits) {
  if (digits.empty() ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

std::string MaskPan(std::string_view pan) {
  if (pan.size() < 13) return std::string(pan.size(), '*');
  std::string out(pan.substr(0, 6));
  out.append(pan.size() - 10, '*');
  out.append(pan.substr(pan.size() - 4));
  return out;
}

}  // namespace posdiag
