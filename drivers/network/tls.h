// A TLS handshake with the payment host over a connected socket (OpenSSL, non-blocking BIO and
// poll against a deadline). It reports what a merchant's remedy depends on, each separately: does
// the chain lead to a trusted CA (time aside), does the certificate name the host, and the
// validity window of the chain, so an expired certificate and a wrong clock can be told apart by
// the rules.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "drivers/base/clock.h"
#include "drivers/base/result.h"
#include "drivers/network/endpoint.h"

namespace posdiag::drivers::network {

struct TlsOptions {
  std::string host;         // what the certificate must name: a DNS name or an address literal
  std::string server_name;  // SNI; empty for none (address literals send none)
  std::filesystem::path ca_file;  // PEM trust anchors; empty: no trust anchors (nothing verifies)
};

struct TlsReading {
  bool handshake_ok = false;
  std::string error;     // why the handshake failed ("timeout", OpenSSL's reason); empty when ok
  std::string protocol;  // "TLSv1.3"
  long verify_code = 0;  // X509_V_OK (0) or OpenSSL's X509_V_ERR_*
  std::string verify_result;   // "ok" or OpenSSL's text for verify_code
  bool chain_trusted = false;  // the chain verifies to a trust anchor, the clock not considered
  bool hostname_match = false;
  // The window in which every certificate of the chain is valid: the latest notBefore and the
  // earliest notAfter.
  std::optional<std::int64_t> not_before_epoch_s;
  std::optional<std::int64_t> not_after_epoch_s;
  std::chrono::microseconds elapsed{0};
};

// Runs the handshake on `socket` (connected, non-blocking). A CA file that cannot be loaded is an
// error (nothing was measured); a handshake that fails or times out is a reading saying so.
Result<TlsReading> TlsHandshake(UniqueFd socket, const TlsOptions& options, io::Deadline deadline);

}  // namespace posdiag::drivers::network
