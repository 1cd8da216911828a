#include "agent/handoff/base45.h"

namespace posdiag::agent::handoff {
namespace {

int ValueOf(char c) {
  const auto at = kBase45Alphabet.find(c);
  return at == std::string_view::npos ? -1 : static_cast<int>(at);
}

}  // namespace

std::string Base45Encode(std::span<const std::uint8_t> bytes) {
  std::string out;
  out.reserve(Base45Length(bytes.size()));
  std::size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) {
    unsigned n = bytes[i] * 256u + bytes[i + 1];
    for (int k = 0; k < 3; ++k) {
      out.push_back(kBase45Alphabet[n % 45]);
      n /= 45;
    }
  }
  if (i < bytes.size()) {
    const unsigned n = bytes[i];
    out.push_back(kBase45Alphabet[n % 45]);
    out.push_back(kBase45Alphabet[n / 45]);
  }
  return out;
}

Result<std::vector<std::uint8_t>> Base45Decode(std::string_view text) {
  if (text.size() % 3 == 1) {
    return Error{ErrorKind::kParse, "Base45: " + std::to_string(text.size()) +
                                        " characters cannot be a whole number of bytes"};
  }
  std::vector<std::uint8_t> out;
  out.reserve(text.size() / 3 * 2 + 1);
  for (std::size_t i = 0; i < text.size(); i += 3) {
    const std::size_t group = std::min<std::size_t>(3, text.size() - i);
    unsigned n = 0;
    unsigned weight = 1;
    for (std::size_t k = 0; k < group; ++k) {
      const int v = ValueOf(text[i + k]);
      if (v < 0) {
        return Error{ErrorKind::kParse,
                     "Base45: character " + std::to_string(i + k + 1) + " is not in the alphabet"};
      }
      n += static_cast<unsigned>(v) * weight;
      weight *= 45;
    }
    if (group == 3) {
      if (n > 0xFFFF) {
        return Error{ErrorKind::kParse,
                     "Base45: group at character " + std::to_string(i + 1) + " is too large"};
      }
      out.push_back(static_cast<std::uint8_t>(n >> 8));
      out.push_back(static_cast<std::uint8_t>(n & 0xFF));
    } else {
      if (n > 0xFF) {
        return Error{ErrorKind::kParse, "Base45: the last group is too large"};
      }
      out.push_back(static_cast<std::uint8_t>(n));
    }
  }
  return out;
}

}  // namespace posdiag::agent::handoff
