// Every AT reply decoder must turn any bytes into a value or an error, never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "drivers/modem/at_response.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace md = posdiag::drivers::modem;
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)md::LooksLikeNoise(bytes);
  // The first line is the command the bytes answer; the rest is the modem's reply.
  const std::size_t nl = bytes.find('\n');
  const std::string_view command = nl == std::string_view::npos ? "AT" : bytes.substr(0, nl);
  const std::string_view reply = nl == std::string_view::npos ? bytes : bytes.substr(nl + 1);
  const auto scanned = md::ScanReply(command, reply);
  if (!scanned) return 0;
  (void)md::ParseCpin(*scanned);
  (void)md::ParseCsq(*scanned);
  (void)md::ParseRegistration(*scanned, "+CREG");
  (void)md::ParseRegistration(*scanned, "+CEREG");
  (void)md::ParseCops(*scanned);
  (void)md::ParseIdentity(*scanned);
  (void)md::ExpectOk(*scanned);
  if (auto r = md::ParseRegistration(*scanned, "+CREG")) {
    (void)md::RegistrationState(r->stat);
  }
  if (auto op = md::ParseCops(*scanned); op && op->access_tech) {
    (void)md::AccessTechName(*op->access_tech);
  }
  return 0;
}
