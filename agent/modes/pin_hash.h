// The engineer PIN, stored only as a salted slow hash (PBKDF2-HMAC-SHA256) in a self-describing
// string that names the iterations and carries the salt:
//   pbkdf2-sha256$100000$<salt, base64>$<derived key, base64>
// Checking recomputes the key and compares in constant time. The PIN itself is never kept.
// Reading and writing the string is pure; making and checking a hash need OpenSSL, from
// posdiag-crypto.so (drivers/crypto), and say so when it cannot be loaded.
#pragma once

#include <chrono>
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
// than 64 characters or holds anything but printable ASCII; the module's error when it cannot be
// loaded.
Result<std::string> MakePinHash(std::string_view pin,
                                std::uint32_t iterations = kDefaultPinIterations);

// Ok when PINs can be checked here; the module's error when it cannot be loaded.
Result<void> CanCheckPins();

// Whether `pin` matches; the comparison takes the same time wherever the keys differ. An error
// (the module cannot be loaded) is neither: the PIN was not checked.
Result<bool> PinMatches(const PinHash& hash, std::string_view pin);

// One PIN check may take this long on the terminal; more and the console login drags (and a
// daemon busy checking PINs is a daemon not answering the diagnose key).
inline constexpr std::chrono::milliseconds kPinCheckBudget{250};

// How long one check of a hash with `iterations` takes on this machine: a few thousand
// iterations are timed (some milliseconds) and the time scaled up, never the full count.
Result<std::chrono::nanoseconds> EstimatePinCheck(std::uint32_t iterations);

// The warning for a check estimated at `estimate`, naming it and suggesting an iteration count
// within kPinCheckBudget; empty when the estimate is within it. Pure.
std::string PinCostWarning(std::uint32_t iterations, std::chrono::nanoseconds estimate);

// `posdiag console hash-pin`: reads one line (the PIN) from stdin and prints its hash. Warns on
// stderr first when one check with `iterations` would take more than kPinCheckBudget here.
int RunHashPin(std::uint32_t iterations);

}  // namespace posdiag::agent
