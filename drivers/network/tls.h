// A TLS handshake with the payment host over a connected socket (OpenSSL, non-blocking BIO and
// poll against a deadline). It reports what a merchant's remedy depends on, each separately: does
// the chain lead to a trusted CA (time aside), does the certificate name the host, the validity
// window of the chain (so an expired certificate and a wrong clock can be told apart by the
// rules), and how a failed handshake failed: no answer (or too slow an answer), a hang-up, a reset,
// an answer that is not TLS, a host that wants the terminal's own certificate, or one that
// refuses it. With TLS 1.3 a host judges the terminal's certificate only after the client has
// finished its side of the handshake, so when the host asked for one the driver reads once more,
// briefly, to catch the host's verdict.
//
// The PEM helpers take text: the probe reads the CA bundle and the terminal's certificate under
// [system] root and hands their text on. The private key is only ever opened by OpenSSL, by
// path; it is never read into posdiag's own memory, logged or reported.
//
// Two libraries: TlsHandshake and the PEM helpers use OpenSSL (tls.cc, posdiag::tls), which only
// the TLS companion and tests link; posdiag itself runs them through tls_child.h. The names, the
// target and the classification are pure (tls_outcome.cc, in posdiag::network).
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/base/clock.h"
#include "drivers/base/result.h"
#include "drivers/network/endpoint.h"

namespace posdiag::drivers::network {

// What the handshake is sent as (SNI) and what the host's certificate must name.
struct TlsTarget {
  std::string identity;  // a DNS name or an address literal (checked against the IP SANs)
  std::string sni;       // empty: no SNI
};

// `server_name` when set and not empty (SNI and identity both); set but "": no SNI, the host
// itself the identity; not set: the host's name for both, or for an address the address as the
// identity and no SNI (an address is no name a server could pick a certificate by).
TlsTarget ChooseTlsTarget(std::string_view host, const std::optional<std::string>& server_name);

struct TlsOptions {
  std::string identity;           // what the certificate must name
  std::string server_name;        // SNI; empty for none
  std::filesystem::path ca_file;  // PEM trust anchors; empty: no trust anchors (nothing verifies)
  // The terminal's own certificate (PEM, leaf first, its chain after) and private key; both or
  // neither. The key is opened by OpenSSL only; a key that asks for a passphrase is refused, never
  // prompted for.
  std::filesystem::path client_cert;
  std::filesystem::path client_key;
  // After a TLS 1.3 handshake in which the host asked for a certificate: how long to wait for its
  // verdict (an alert, or the session tickets it sends once it accepted the client).
  std::chrono::milliseconds verdict_wait{500};
};

enum class TlsOutcome {
  kOk,       // the session is up
  kTimeout,  // the host had not finished its side of the handshake by the deadline
  kClosed,   // the host hung up without an alert
  kReset,    // the connection was reset (a TCP RST: from the host or something on the way)
  kNotTls,   // the host answered with bytes that are not TLS records
  kFailed,   // an alert or a protocol error not about the terminal's certificate
  kClientCertRequired,  // the host wants the terminal's certificate and none was sent
  kClientCertRejected,  // the host refused the certificate the terminal sent
};

// "ok", "timeout", "closed", "reset", "not_tls", "failed", "client_cert_required",
// "client_cert_rejected".
std::string_view TlsOutcomeName(TlsOutcome outcome);
// The outcome TlsOutcomeName names; nullopt for any other text.
std::optional<TlsOutcome> ParseTlsOutcome(std::string_view name);

// How the connection under a failed handshake ended, as the socket told: still open (the failure
// was TLS's own), closed by the host, or reset.
enum class TlsConnectionEnd { kOpen, kClosed, kReset };

// Whether the first bytes a host sent can start a TLS server's answer: a handshake or alert record
// (a server's first record is one of those) of version 3.x with a length TLS allows. Judged on
// the bytes there are: a prefix that fits so far is kTls; no bytes, kNothing.
enum class TlsAnswerShape { kNothing, kTls, kNotTls };
TlsAnswerShape ClassifyServerAnswer(std::span<const std::uint8_t> first_bytes);

// Bytes for a message, as hex and as text (other than printable ASCII shown as '.'):
// `48 54 54 50 2f "HTTP/"`.
std::string DescribeBytes(std::span<const std::uint8_t> bytes);

// The TLS alert names of RFC 8446 6 ("handshake_failure", "certificate_required", ...);
// "alert_N" for others.
std::string TlsAlertName(int description);

// What was seen of a handshake that did not give a usable session.
struct TlsFailureSeen {
  bool cert_requested = false;  // the host asked for a certificate (CertificateRequest)
  bool cert_sent = false;       // and the terminal had one to send
  std::optional<int> alert;     // the alert the host sent
  TlsConnectionEnd end = TlsConnectionEnd::kOpen;
  TlsAnswerShape answer = TlsAnswerShape::kNothing;  // the shape of the host's first bytes
};

// How such a handshake failed. An answer that is not TLS decides first (nothing after it is
// TLS); a hang-up or reset after a CertificateRequest the terminal could not answer is the host
// wanting a certificate, as some TLS 1.2 hosts say it.
TlsOutcome ClassifyTlsFailure(const TlsFailureSeen& seen);

struct TlsReading {
  bool handshake_ok = false;  // a session was established and the host did not refuse it after
  TlsOutcome outcome = TlsOutcome::kFailed;
  std::string error;  // why the handshake failed ("timeout", OpenSSL's reason); empty when ok
  std::uint64_t bytes_received = 0;    // what the host sent during the handshake (0: no answer)
  std::string protocol;                // "TLSv1.3"; empty when the handshake did not get that far
  std::optional<int> alert;            // the alert the host sent
  bool client_cert_requested = false;  // the host sent a CertificateRequest
  bool client_cert_sent = false;       // and the terminal answered it with a certificate
  // Why the configured client certificate could not be used ("" when none was configured or it
  // loaded): "unreadable", "key_unreadable", "key_mismatch"; the handshake then went on without it.
  std::string client_cert_error;
  bool certificate_seen = false;  // the host's certificate was received (the facts below are read)
  long verify_code = 0;           // X509_V_OK (0) or OpenSSL's X509_V_ERR_*
  std::string verify_result;      // "ok" or OpenSSL's text for verify_code
  bool chain_trusted = false;     // the chain verifies to a trust anchor, the clock not considered
  bool hostname_match = false;    // the leaf names options.identity
  // The window in which every certificate of the chain is valid: the latest notBefore and the
  // earliest notAfter.
  std::optional<std::int64_t> not_before_epoch_s;
  std::optional<std::int64_t> not_after_epoch_s;
  std::chrono::microseconds elapsed{0};
};

// Runs the handshake on `socket` (connected, non-blocking). A CA file that cannot be loaded is an
// error (nothing was measured); a handshake that fails or times out is a reading saying so.
Result<TlsReading> TlsHandshake(UniqueFd socket, const TlsOptions& options, io::Deadline deadline);

struct CertificateInfo {
  std::string subject;  // the subject's common name, else its one-line form
  std::optional<std::int64_t> not_before_epoch_s;
  std::optional<std::int64_t> not_after_epoch_s;
};

// Every certificate of a PEM text, in order; other PEM blocks (a key in the same file) are
// skipped unread. No certificate at all is a kParse error.
Result<std::vector<CertificateInfo>> ParsePemCertificates(std::string_view pem);

// Whether the first certificate of a PEM text names `identity` (a DNS name, wildcards as RFC 6125
// allows, or an address against the IP SANs). A text without a certificate is a kParse error.
Result<bool> PemCertificateNames(std::string_view pem, std::string_view identity);

// The whole TLS check of one run, done in one process: the terminal's PEM files first (their
// texts, as the probe read them), then, when there is a connected socket, the handshake.
struct TlsCheckRequest {
  std::optional<std::string> ca_pem;      // the ca_file's text; nullopt: none to read
  std::optional<std::string> client_pem;  // the client_cert's text; nullopt: none to read
  // The handshake's options as if both texts hold certificates: ca_file and client_cert/key are
  // dropped from it when their text holds none (CheckTlsWith).
  TlsOptions options;
  bool handshake = false;  // a socket is given and the handshake is wanted
};

struct TlsCheckResult {
  std::optional<Result<std::vector<CertificateInfo>>> ca;      // when ca_pem was given
  std::optional<Result<std::vector<CertificateInfo>>> client;  // when client_pem was given
  std::optional<Result<TlsReading>> handshake;                 // when the handshake was wanted
};

// The check, with `read` (a PEM text to its certificates) and `shake` (options to a reading) doing
// the work: a text that holds no certificate (kParse) takes its file out of the handshake's
// options, as a terminal could not use it either; any other failure to read one (the reader not
// there) leaves the file in, for the handshake to load itself. Shared by the companion (OpenSSL
// in-process) and the transports that do each step on its own.
template <typename Read, typename Shake>
TlsCheckResult CheckTlsWith(const TlsCheckRequest& request, Read&& read, Shake&& shake) {
  TlsCheckResult result;
  TlsOptions options = request.options;
  const auto unusable = [](const Result<std::vector<CertificateInfo>>& r) {
    return !r && r.error().kind == ErrorKind::kParse;
  };
  if (request.ca_pem) {
    result.ca = read(*request.ca_pem);
    if (unusable(*result.ca)) options.ca_file.clear();
  }
  if (request.client_pem) {
    result.client = read(*request.client_pem);
    if (unusable(*result.client)) {
      options.client_cert.clear();
      options.client_key.clear();
    }
  }
  if (request.handshake) result.handshake = shake(options);
  return result;
}

}  // namespace posdiag::drivers::network
