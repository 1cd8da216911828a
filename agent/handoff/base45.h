// Base45 (RFC 9285): bytes as text in the 45 characters of a QR code's alphanumeric mode
// ("0-9A-Z $%*+-./:"), so a QR code carries them at 5.5 bits a character instead of 8. Each two
// bytes become three characters, a last odd byte two. Pure.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/base/result.h"

namespace posdiag::agent::handoff {

inline constexpr std::string_view kBase45Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

std::string Base45Encode(std::span<const std::uint8_t> bytes);

// kParse for a character outside the alphabet, a length of 1 modulo 3, or a group whose value
// does not fit its bytes (RFC 9285 section 4.3: "GGW" is 65535 + 1).
Result<std::vector<std::uint8_t>> Base45Decode(std::string_view text);

// How many characters Base45Encode makes of `bytes` bytes.
constexpr std::size_t Base45Length(std::size_t bytes) { return bytes / 2 * 3 + bytes % 2 * 2; }

}  // namespace posdiag::agent::handoff
