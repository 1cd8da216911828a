// The TLS check in its own process: `posdiag-tls`, a companion program (io/companion.h) that is
// the only part of posdiag linked with OpenSSL. posdiag starts it for the handshake with the
// payment host (the connected socket as its descriptor 3) and to read PEM certificates (the text
// on its standard input); it answers with one JSON object on stdout. So a run that checks no TLS
// never maps libcrypto, the daemon does not keep it after a diagnosis, and whatever a hostile
// peer makes OpenSSL do ends with that process.
//
// It takes one request on its standard input: a line of JSON (EncodeCheckRequest), then the PEM
// texts it names, one after the other; with a handshake, the socket is its descriptor 3. It does
// the whole TLS check of a run (tls.h, CheckTlsWith) in that one start, so OpenSSL is loaded once
// per run, and answers with one JSON object (EncodeCheckAnswer). The request is no command line:
// only posdiag writes it, and a PEM text has no size limit a command line would take.
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

// The request on the wire (pure): its line, then the texts; deadline_ms is an instant of
// CLOCK_MONOTONIC (std::chrono::steady_clock), which the two processes share, so the companion's
// start-up counts against the check's deadline as it would in-process.
std::string EncodeCheckRequest(const TlsCheckRequest& request, io::Deadline deadline);
struct DecodedRequest {
  TlsCheckRequest request;
  std::int64_t deadline_ms = 0;
};
Result<DecodedRequest> DecodeCheckRequest(std::string_view text);

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
