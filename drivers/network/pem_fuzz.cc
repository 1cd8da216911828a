// ParsePemCertificates and PemCertificateNames must take any text (a CA bundle or a terminal
// certificate as found on the terminal), never crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "drivers/network/tls.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace net = posdiag::drivers::network;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)net::ParsePemCertificates(text);
  (void)net::PemCertificateNames(text, "pay.bank.test");
  return 0;
}
