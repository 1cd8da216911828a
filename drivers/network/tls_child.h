// The TLS check in its own process: `posdiag-tls`, a companion program (io/companion.h) that is
// the only part of posdiag linked with OpenSSL. posdiag starts it for the handshake with the
// payment host (the connected socket as its descriptor 3) and to read PEM certificates (the text
// on its standard input); it answers with one JSON object on stdout. So a run that checks no TLS
// never maps libcrypto, the daemon does not keep it after a diagnosis, and whatever a hostile
// peer makes OpenSSL do ends with that process.
//
//   posdiag-tls handshake --deadline-ms T --identity NAME [--sni NAME] [--ca-file PATH]
//               [--client-cert PATH --client-key PATH] [--verdict-wait-ms N]   (socket on fd 3)
//   (T: an instant of CLOCK_MONOTONIC in ms, which the two processes share)
//   posdiag-tls pem                                                            (PEM on stdin)
//   posdiag-tls check --deadline-ms T [--ca-pem BYTES] [--client-pem BYTES]
//               [--handshake --identity NAME ...as handshake]  (the texts on stdin, one after
//               the other; with --handshake the socket on fd 3)
// `check` is what a run uses: the whole TLS check (tls.h, CheckTlsWith) in one start of the
// companion, so OpenSSL is loaded once per run.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/base/clock.h"
#include "drivers/base/result.h"
#include "drivers/base/unique_fd.h"
#include "drivers/network/tls.h"

namespace posdiag::drivers::network {

// The companion's name, as io::FindCompanion looks it up.
inline constexpr std::string_view kTlsCompanion = "posdiag-tls";

// TlsHandshake in the companion `program`. Its failures (not found, killed, a garbled answer)
// are errors saying so; the handshake's own outcomes are readings, as in-process.
Result<TlsReading> HandshakeInChild(const std::filesystem::path& program, UniqueFd socket,
                                    const TlsOptions& options, io::Deadline deadline);

// ParsePemCertificates in the companion `program`.
Result<std::vector<CertificateInfo>> ParsePemInChild(const std::filesystem::path& program,
                                                     std::string_view pem, io::Deadline deadline);

// The whole check (CheckTlsWith) in one run of the companion; `socket` is used when
// request.handshake. A failure of the run itself (not found, killed, a garbled answer) is the
// error of every part asked for, never a kParse (which would judge a file).
TlsCheckResult CheckTlsInChild(const std::filesystem::path& program, UniqueFd socket,
                               const TlsCheckRequest& request, io::Deadline deadline);

// The answers on the wire between the two (pure; the companion encodes, posdiag decodes).
std::string EncodeTlsAnswer(const Result<TlsReading>& reading);
Result<TlsReading> DecodeTlsAnswer(std::string_view text);
std::string EncodePemAnswer(const Result<std::vector<CertificateInfo>>& certificates);
Result<std::vector<CertificateInfo>> DecodePemAnswer(std::string_view text);
std::string EncodeCheckAnswer(const TlsCheckResult& result);
TlsCheckResult DecodeCheckAnswer(std::string_view text, const TlsCheckRequest& request);
// Every part `request` asks for, failed with `error`.
TlsCheckResult FailedCheck(const TlsCheckRequest& request, const Error& error);

}  // namespace posdiag::drivers::network
