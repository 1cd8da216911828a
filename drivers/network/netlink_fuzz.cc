// DecodeNetlinkDatagram must turn any bytes into links, addresses and routes or an error, never a
// crash or an over-read.
#include <cstddef>
#include <cstdint>
#include <span>

#include "drivers/network/netlink.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  posdiag::drivers::network::NetlinkSnapshot snap;
  (void)posdiag::drivers::network::DecodeNetlinkDatagram(std::span<const std::uint8_t>(data, size),
                                                         snap);
  return 0;
}
