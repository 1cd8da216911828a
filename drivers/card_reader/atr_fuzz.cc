// Any bytes given as an answer-to-reset yield a verdict, never a crash or a read past the end.
#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/card_reader/ccid.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto check = posdiag::drivers::card_reader::CheckAtr(std::span(data, size));
  if (check.valid && (check.length != size || check.length > 33)) __builtin_trap();
  return 0;
}
