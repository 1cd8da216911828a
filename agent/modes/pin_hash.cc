#include "agent/modes/pin_hash.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <iostream>

namespace posdiag::agent {
namespace {

constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kKeyBytes = 32;
constexpr std::size_t kMaxPinLength = 64;

std::string Base64(const std::vector<std::uint8_t>& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// Strict base64 with padding; EVP_DecodeBlock counts the padding as zero bytes, so they are
// taken off again.
Result<std::vector<std::uint8_t>> FromBase64(std::string_view text, std::string_view what) {
  const auto bad = [&] { return Error{ErrorKind::kParse, std::string(what) + ": not base64"}; };
  if (text.empty() || text.size() % 4 != 0 || text.size() > 128) return bad();
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    const bool pad_ok =
        c == '=' && i + 2 >= text.size() && (i + 1 == text.size() || text[i + 1] == '=');
    if (!alnum && c != '+' && c != '/' && !pad_ok) return bad();
  }
  std::vector<std::uint8_t> out(text.size() / 4 * 3);
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                static_cast<int>(text.size()));
  if (n < 0) return bad();
  std::size_t size = static_cast<std::size_t>(n);
  if (text.ends_with("==")) {
    size -= 2;
  } else if (text.ends_with('=')) {
    size -= 1;
  }
  out.resize(size);
  return out;
}

bool ValidPin(std::string_view pin) {
  if (pin.empty() || pin.size() > kMaxPinLength) return false;
  for (const char c : pin) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

std::vector<std::uint8_t> Derive(std::string_view pin, const std::vector<std::uint8_t>& salt,
                                 std::uint32_t iterations, std::size_t key_bytes) {
  std::vector<std::uint8_t> key(key_bytes);
  if (PKCS5_PBKDF2_HMAC(pin.data(), static_cast<int>(pin.size()), salt.data(),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                        static_cast<int>(key.size()), key.data()) != 1) {
    key.clear();
  }
  return key;
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
  PinHash hash;
  hash.iterations = iterations;
  hash.salt.resize(kSaltBytes);
  if (RAND_bytes(hash.salt.data(), static_cast<int>(hash.salt.size())) != 1) {
    return Error{ErrorKind::kIo, "no random bytes for the salt"};
  }
  hash.key = Derive(pin, hash.salt, iterations, kKeyBytes);
  if (hash.key.empty()) return Error{ErrorKind::kIo, "PBKDF2 failed"};
  return FormatPinHash(hash);
}

bool VerifyPin(const PinHash& hash, std::string_view pin) {
  // A PIN that could never have been hashed still costs the full derivation, so its rejection
  // takes as long as a wrong PIN's.
  const std::string_view used = ValidPin(pin) ? pin : std::string_view("\x01");
  std::vector<std::uint8_t> key = Derive(used, hash.salt, hash.iterations, hash.key.size());
  const bool same = key.size() == hash.key.size() && !key.empty() &&
                    CRYPTO_memcmp(key.data(), hash.key.data(), key.size()) == 0;
  OPENSSL_cleanse(key.data(), key.size());
  return same && ValidPin(pin);
}

std::chrono::nanoseconds EstimatePinCheck(std::uint32_t iterations) {
  using Clock = std::chrono::steady_clock;
  // Doubling from 1000 iterations until a run takes 20 ms keeps the clock's resolution and the
  // start-up cost out of the figure, on a fast desktop and a slow terminal alike.
  constexpr auto kLongEnough = std::chrono::milliseconds(20);
  const std::vector<std::uint8_t> salt(kSaltBytes, 0x5A);
  std::uint32_t timed = 1000;
  Clock::duration took{};
  for (;;) {
    const auto start = Clock::now();
    const std::vector<std::uint8_t> key = Derive("000000", salt, timed, kKeyBytes);
    took = Clock::now() - start;
    if (key.empty()) break;  // PBKDF2 failed: the hash itself will say so
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
  // Before the PIN is asked for, so the engineer can stop and choose another count.
  if (const std::string warning = PinCostWarning(iterations, EstimatePinCheck(iterations));
      !warning.empty()) {
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
  OPENSSL_cleanse(pin.data(), pin.size());
  if (!hash) {
    std::fprintf(stderr, "posdiag: %s\n", hash.error().detail.c_str());
    return 3;
  }
  std::printf("%s\n", hash->c_str());
  return 0;
}

}  // namespace posdiag::agent
