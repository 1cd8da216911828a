// Card numbers, for the few places that must recognise one (a swipe test, the leak scrubber):
// never stored or shown whole. PCI DSS allows at most the first 6 and last 4 digits.
#pragma once

#include <string>
#include <string_view>

namespace posdiag {

// The Luhn (mod 10) check over a string of decimal digits; false for anything else or "".
bool LuhnValid(std::string_view digits);

// First 6 and last 4 digits kept, the rest as '*'; all '*' below 13 digits.
std::string MaskPan(std::string_view pan);

}  // namespace posdiag
