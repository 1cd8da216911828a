#include "agent/modes/pin_hash.h"

#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <iostream>

#include "drivers/crypto/crypto.h"

namespace posdiag::agent {
namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kMaxPinLength = 64;
constexpr std::string_view kBase64Alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64(const std::vector<std::uint8_t>& bytes) {
  std::string out;
  out.reserve(4 * ((bytes.size() + 2) / 3));
  for (std::size_t i = 0; i < bytes.size(); i += 3) {
    const std::size_t n = std::min<std::size_t>(3, bytes.size() - i);
    std::uint32_t group = static_cast<std::uint32_t>(bytes[i]) << 16;
    if (n > 1) group |= static_cast<std::uint32_t>(bytes[i + 1]) << 8;
    if (n > 2) group |= bytes[i + 2];
    for (std::size_t j = 0; j < 4; ++j) {
      out.push_back(j <= n ? kBase64Alphabet[(group >> (18 - 6 * j)) & 0x3F] : '=');
    }
  }
  return out;
}

// Strict base64 with padding: the alphabet, whole groups of four, '=' only at the end.
Result<std::vector<std::uint8_t>> FromBase64(std::string_view text, std::string_view what) {
  const auto bad = [&] { return Error{ErrorKind::kParse, std::string(what) + ": not base64"}; };
  if (text.empty() || text.size() % 4 != 0 || text.size() > 128) return bad();
  const std::size_t padding = text.ends_with("==") ? 2 : text.ends_with('=') ? 1 : 0;
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 4 * 3);
  std::uint32_t group = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::uint32_t value = 0;  // '=' counts as zero bits; the bytes it stands for are dropped below
    if (i < text.size() - padding) {
      const std::size_t at = kBase64Alphabet.find(text[i]);
      if (at == std::string_view::npos) return bad();
      value = static_cast<std::uint32_t>(at);
    }
    group = group << 6 | value;
    if (i % 4 == 3) {
      out.push_back(static_cast<std::uint8_t>(group >> 16));
      out.push_back(static_cast<std::uint8_t>(group >> 8));
      out.push_back(static_cast<std::uint8_t>(group));
      group = 0;
    }
  }
  out.resize(out.size() - padding);
  return out;
}

// Compares in a time that depends on the length only, never on where the bytes differ.
bool SameBytes(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b) {
  if (a.size() != b.size()) return false;
  volatile std::uint8_t differ = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    differ = static_cast<std::uint8_t>(differ | (a[i] ^ b[i]));
  }
  return differ == 0;
}

void Wipe(void* data, std::size_t size) { ::explicit_bzero(data, size); }

bool ValidPin(std::string_view pin) {
  if (pin.empty() || pin.size() > kMaxPinLength) return false;
  for (const char c : pin) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

Result<std::vector<std::uint8_t>> Derive(std::string_view pin,
                                         const std::vector<std::uint8_t>& salt,
                                         std::uint32_t iterations, std::size_t key_bytes) {
  auto crypto = drivers::crypto::Load();
  if (!crypto) return crypto.error();
  return (*crypto)->Pbkdf2Sha256(pin, salt, iterations, key_bytes);
}

}  // namespace

Result<PinHash> ParsePinHash(std::string_view text) {
  const auto bad = [](std::string why) {
    return Error{ErrorKind::kParse,
                 "pin_hash: " + why + " (expected " + std::string(kPinHashScheme) +
                     "$ITERATIONS$SALT$KEY, as `posdiag console hash-pin` makes)"};
  };
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (parts.size() < 5) {
    const std::size_t end = text.find('$', start);
    parts.push_back(text.substr(start, end == std::string_view::npos ? end : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  if (parts.size() != 4) return bad("wrong number of fields");
  if (parts[0] != kPinHashScheme) return bad("unknown scheme");
  PinHash hash;
  const auto [end, err] =
      std::from_chars(parts[1].data(), parts[1].data() + parts[1].size(), hash.iterations);
  if (err != std::errc() || end != parts[1].data() + parts[1].size() || parts[1].empty()) {
    return bad("iterations are not a number");
  }
  if (hash.iterations < kMinPinIterations || hash.iterations > kMaxPinIterations) {
    return bad("iterations out of range " + std::to_string(kMinPinIterations) + ".." +
               std::to_string(kMaxPinIterations));
  }
  auto salt = FromBase64(parts[2], "salt");
  if (!salt) return bad(salt.error().detail);
  auto key = FromBase64(parts[3], "key");
  if (!key) return bad(key.error().detail);
  if (salt->size() < 8 || salt->size() > 64) return bad("salt must be 8 to 64 bytes");
  if (key->size() < 16 || key->size() > 64) return bad("key must be 16 to 64 bytes");
  hash.salt = std::move(*salt);
  hash.key = std::move(*key);
  return hash;
}

std::string FormatPinHash(const PinHash& hash) {
  return std::string(kPinHashScheme) + "$" + std::to_string(hash.iterations) + "$" +
         Base64(hash.salt) + "$" + Base64(hash.key);
}

Result<std::string> MakePinHash(std::string_view pin, std::uint32_t iterations) {
  if (!ValidPin(pin)) {
    return Error{ErrorKind::kInvalid,
                 "the PIN must be 1 to 64 printable ASCII characters without spaces"};
  }
  if (iterations < kMinPinIterations || iterations > kMaxPinIterations) {
    return Error{ErrorKind::kInvalid, "iterations out of range"};
  }
  auto crypto = drivers::crypto::Load();
  if (!crypto) return crypto.error();
  PinHash hash;
  hash.iterations = iterations;
  hash.salt.resize(kSaltBytes);
  if (auto random = (*crypto)->Random(hash.salt); !random) {
    return random.error().Context("the salt");
  }
  auto key = Derive(pin, hash.salt, iterations, kKeyBytes);
  if (!key) return key.error();
  hash.key = std::move(*key);
  return FormatPinHash(hash);
}

Result<void> CanCheckPins() {
  auto crypto = drivers::crypto::Load();
  if (!crypto) return crypto.error();
  return Ok();
}

Result<bool> PinMatches(const PinHash& hash, std::string_view pin) {
  // A PIN that could never have been hashed still costs the full derivation, so its rejection
  // takes as long as a wrong PIN's.
  const std::string_view used = ValidPin(pin) ? pin : std::string_view("\x01");
  auto key = Derive(used, hash.salt, hash.iterations, hash.key.size());
  if (!key) return key.error();
  const bool same = SameBytes(*key, hash.key);
  Wipe(key->data(), key->size());
  return same && ValidPin(pin);
}

Result<std::chrono::nanoseconds> EstimatePinCheck(std::uint32_t iterations) {
  using Clock = std::chrono::steady_clock;
  // Doubling from 1000 iterations until a run takes 20 ms keeps the clock's resolution and the
  // start-up cost out of the figure, on a fast desktop and a slow terminal alike.
  constexpr auto kLongEnough = std::chrono::milliseconds(20);
  const std::vector<std::uint8_t> salt(kSaltBytes, 0x5A);
  std::uint32_t timed = 1000;
  Clock::duration took{};
  for (;;) {
    const auto start = Clock::now();
    auto key = Derive("000000", salt, timed, kKeyBytes);
    took = Clock::now() - start;
    if (!key) return key.error();
    if (took >= kLongEnough || timed >= iterations || timed >= 1'000'000) break;
    timed *= 2;
  }
  const double per_iteration = std::chrono::duration<double, std::nano>(took).count() / timed;
  return std::chrono::nanoseconds(static_cast<std::int64_t>(per_iteration * iterations));
}

std::string PinCostWarning(std::uint32_t iterations, std::chrono::nanoseconds estimate) {
  if (estimate <= kPinCheckBudget) return "";
  // The count that fits the budget, rounded down to two significant digits.
  const double fits = static_cast<double>(iterations) *
                      std::chrono::duration<double>(kPinCheckBudget).count() /
                      std::chrono::duration<double>(estimate).count();
  std::uint64_t suggested = static_cast<std::uint64_t>(fits);
  std::uint64_t scale = 1;
  while (suggested / scale >= 100) scale *= 10;
  suggested = std::max<std::uint64_t>(suggested / scale * scale, kMinPinIterations);
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.1f s", std::chrono::duration<double>(estimate).count());
  return "posdiag: warning: one PIN check with " + std::to_string(iterations) +
         " iterations would take about " + seconds + " on this machine, more than " +
         std::to_string(kPinCheckBudget.count()) + " ms; --iterations " +
         std::to_string(suggested) + " would stay within it";
}

int RunHashPin(std::uint32_t iterations) {
  // Before the PIN is asked for, so the engineer can stop and choose another count (or learn
  // that the hash cannot be made here at all).
  const auto estimate = EstimatePinCheck(iterations);
  if (!estimate) {
    std::fprintf(stderr, "posdiag: hash-pin: %s\n", estimate.error().detail.c_str());
    return 3;
  }
  if (const std::string warning = PinCostWarning(iterations, *estimate); !warning.empty()) {
    std::fprintf(stderr, "%s\n", warning.c_str());
  }
  const bool tty = ::isatty(STDIN_FILENO) == 1;
  termios saved{};
  if (tty && ::tcgetattr(STDIN_FILENO, &saved) == 0) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    std::fputs("PIN: ", stderr);
  }
  std::string pin;
  std::getline(std::cin, pin);
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::fputs("\n", stderr);
  }
  if (!pin.empty() && pin.back() == '\r') pin.pop_back();
  auto hash = MakePinHash(pin, iterations);
  Wipe(pin.data(), pin.size());
  if (!hash) {
    std::fprintf(stderr, "posdiag: %s\n", hash.error().detail.c_str());
    return 3;
  }
  std::printf("%s\n", hash->c_str());
  return 0;
}

}  // namespace posdiag::agent
