// The engineer PIN, stored only as a salted slow hash (PBKDF2-HMAC-SHA256 through OpenSSL) in a
// self-describing string that names the iterations and carries the salt:
//   pbkdf2-sha256$100000$<salt, base64>$<derived key, base64>
// Checking recomputes the key and compares in constant time. The PIN itself is never kept.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/base/result.h"

namespace posdiag::agent {

inline constexpr std::string_view kPinHashScheme = "pbkdf2-sha256";
inline constexpr std::uint32_t kDefaultPinIterations = 100'000;
// Fewer iterations than this are refused: such a hash is too cheap to guess through.
inline constexpr std::uint32_t kMinPinIterations = 1'000;
inline constexpr std::uint32_t kMaxPinIterations = 10'000'000;

struct PinHash {
  std::uint32_t iterations = 0;
  std::vector<std::uint8_t> salt;  // 8 to 64 bytes
  std::vector<std::uint8_t> key;   // 16 to 64 bytes
};

// Parses the string form; kParse with the reason for anything else. Pure.
Result<PinHash> ParsePinHash(std::string_view text);

// The string form of a hash.
std::string FormatPinHash(const PinHash& hash);

// A new hash of `pin` with a fresh random 16-byte salt. kInvalid for a PIN that is empty, longer
// than 64 characters or holds anything but printable ASCII.
Result<std::string> MakePinHash(std::string_view pin,
                                std::uint32_t iterations = kDefaultPinIterations);

// True when `pin` matches; the comparison takes the same time wherever the keys differ.
bool VerifyPin(const PinHash& hash, std::string_view pin);

// `posdiag console hash-pin`: reads one line (the PIN) from stdin and prints its hash.
int RunHashPin(std::uint32_t iterations);

}  // namespace posdiag::agent
