// DecodeDnsReply must turn any bytes into a reply or an error, never a crash or an over-read.
#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/network/dns.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  (void)posdiag::drivers::network::DecodeDnsReply(std::span<const std::uint8_t>(data, size));
  return 0;
}
