// ParseNsswitchHosts and LookupHostsFile must take any bytes, never crash or over-read.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "drivers/network/hosts.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace net = posdiag::drivers::network;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)net::HostsOrderText(net::ParseNsswitchHosts(text));
  (void)net::LookupHostsFile(text, "pay.bank.test");
  return 0;
}
