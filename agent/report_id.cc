#include "agent/report_id.h"

#include <array>
#include <chrono>
#include <cstdint>
#include <exception>
#include <random>
#include <thread>

namespace posdiag::agent {
namespace {

constexpr int kRadix = static_cast<int>(kReportIdAlphabet.size());

// The symbol's value, or -1. Crockford decoding: case-insensitive, O reads as 0, I and L as 1.
int SymbolValue(char c) {
  if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  if (c == 'O') c = '0';
  if (c == 'I' || c == 'L') c = '1';
  const auto pos = kReportIdAlphabet.find(c);
  return pos == std::string_view::npos ? -1 : static_cast<int>(pos);
}

// Symbol values of `text` with dashes dropped; false on any other character.
template <std::size_t N>
bool Decode(std::string_view text, std::array<int, N>& out, std::size_t& count) {
  count = 0;
  for (char c : text) {
    if (c == '-') continue;
    const int v = SymbolValue(c);
    if (v < 0 || count == N) return false;
    out[count++] = v;
  }
  return true;
}

// Luhn mod N: from the right, every second value (starting with the rightmost of the payload)
// is doubled and its base-N digits summed.
int LuhnSum(const int* values, std::size_t count, bool double_rightmost) {
  int sum = 0;
  bool twice = double_rightmost;
  for (std::size_t i = count; i-- > 0;) {
    int addend = twice ? values[i] * 2 : values[i];
    addend = addend / kRadix + addend % kRadix;
    sum += addend;
    twice = !twice;
  }
  return sum;
}

char CheckFor(const int* values, std::size_t count) {
  const int remainder = LuhnSum(values, count, true) % kRadix;
  return kReportIdAlphabet[static_cast<std::size_t>((kRadix - remainder) % kRadix)];
}

// Luhn mod N cannot see the swap of the symbols worth 0 and N-1 ("0Z" read as "Z0"); IDs are
// drawn without that neighbour pair so every adjacent transposition of a printed ID is caught.
bool HasBlindPair(const std::array<int, kReportIdPayloadLength + 1>& v) {
  for (std::size_t i = 0; i + 1 < v.size(); ++i) {
    const int a = v[i];
    const int b = v[i + 1];
    if ((a == 0 && b == kRadix - 1) || (a == kRadix - 1 && b == 0)) return true;
  }
  return false;
}

// "XXXX-XXXX", or as much of it as `count` symbols make.
std::string Canonical(const int* values, std::size_t count) {
  std::string id;
  for (std::size_t i = 0; i < count; ++i) {
    if (i == 4) id += '-';
    id += kReportIdAlphabet[static_cast<std::size_t>(values[i])];
  }
  return id;
}

std::mt19937_64 SeededGenerator() {
  std::array<std::uint32_t, 8> seed{};
  try {
    std::random_device device;
    for (auto& s : seed) s = device();
  } catch (const std::exception&) {
    // No entropy source: time and thread still make IDs unique enough to tell reports apart.
    const auto now = std::chrono::high_resolution_clock::now().time_since_epoch().count();
    seed[0] = static_cast<std::uint32_t>(now);
    seed[1] = static_cast<std::uint32_t>(static_cast<std::uint64_t>(now) >> 32);
    seed[2] = static_cast<std::uint32_t>(std::hash<std::thread::id>{}(std::this_thread::get_id()));
  }
  std::seed_seq seq(seed.begin(), seed.end());
  return std::mt19937_64(seq);
}

}  // namespace

std::string NewReportId() {
  thread_local std::mt19937_64 generator = SeededGenerator();
  std::uniform_int_distribution<int> symbol(0, kRadix - 1);
  std::array<int, kReportIdPayloadLength + 1> v{};
  do {
    for (std::size_t i = 0; i < kReportIdPayloadLength; ++i) v[i] = symbol(generator);
    v[kReportIdPayloadLength] = SymbolValue(CheckFor(v.data(), kReportIdPayloadLength));
  } while (HasBlindPair(v));
  return Canonical(v.data(), v.size());
}

char ReportIdCheckSymbol(std::string_view payload) {
  std::array<int, 64> v{};
  std::size_t count = 0;
  if (!Decode(payload, v, count) || count == 0) return '\0';
  return CheckFor(v.data(), count);
}

bool IsValidReportId(std::string_view text) { return NormalizeReportId(text).has_value(); }

std::optional<std::string> NormalizeReportId(std::string_view text) {
  std::array<int, kReportIdPayloadLength + 1> v{};
  std::size_t count = 0;
  if (!Decode(text, v, count) || count != v.size()) return std::nullopt;
  if (LuhnSum(v.data(), count, false) % kRadix != 0) return std::nullopt;
  return Canonical(v.data(), count);
}

std::optional<std::string> NormalizeReportIdPrefix(std::string_view text) {
  std::array<int, kReportIdPayloadLength + 1> v{};
  std::size_t count = 0;
  if (!Decode(text, v, count) || count == 0) return std::nullopt;
  return Canonical(v.data(), count);
}

}  // namespace posdiag::agent
