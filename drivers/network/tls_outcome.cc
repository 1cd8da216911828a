// The pure half of the TLS driver (tls.h): names, the target, and how a failed handshake is
// classified. No OpenSSL here: posdiag itself links this half, the TLS companion the other.
#include <array>
#include <optional>
#include <string>

#include "drivers/network/tls.h"

namespace posdiag::drivers::network {
namespace {

// RFC 8446 6.2 alert descriptions.
constexpr int kAlertHandshakeFailure = 40;
constexpr int kAlertBadCertificate = 42;
constexpr int kAlertUnsupportedCertificate = 43;
constexpr int kAlertCertificateRevoked = 44;
constexpr int kAlertCertificateExpired = 45;
constexpr int kAlertCertificateUnknown = 46;
constexpr int kAlertUnknownCa = 48;
constexpr int kAlertAccessDenied = 49;
constexpr int kAlertCertificateRequired = 116;

}  // namespace

TlsTarget ChooseTlsTarget(std::string_view host, const std::optional<std::string>& server_name) {
  const bool literal = ParseIpLiteral(host).has_value();
  if (server_name && !server_name->empty()) return {*server_name, *server_name};
  if (server_name) return {std::string(host), ""};
  return {std::string(host), literal ? "" : std::string(host)};
}

std::string_view TlsOutcomeName(TlsOutcome outcome) {
  switch (outcome) {
    case TlsOutcome::kOk:
      return "ok";
    case TlsOutcome::kTimeout:
      return "timeout";
    case TlsOutcome::kClosed:
      return "closed";
    case TlsOutcome::kReset:
      return "reset";
    case TlsOutcome::kNotTls:
      return "not_tls";
    case TlsOutcome::kFailed:
      return "failed";
    case TlsOutcome::kClientCertRequired:
      return "client_cert_required";
    case TlsOutcome::kClientCertRejected:
      return "client_cert_rejected";
  }
  return "failed";
}

std::string TlsAlertName(int description) {
  switch (description) {
    case 0:
      return "close_notify";
    case 10:
      return "unexpected_message";
    case 20:
      return "bad_record_mac";
    case 22:
      return "record_overflow";
    case kAlertHandshakeFailure:
      return "handshake_failure";
    case kAlertBadCertificate:
      return "bad_certificate";
    case kAlertUnsupportedCertificate:
      return "unsupported_certificate";
    case kAlertCertificateRevoked:
      return "certificate_revoked";
    case kAlertCertificateExpired:
      return "certificate_expired";
    case kAlertCertificateUnknown:
      return "certificate_unknown";
    case 47:
      return "illegal_parameter";
    case kAlertUnknownCa:
      return "unknown_ca";
    case kAlertAccessDenied:
      return "access_denied";
    case 50:
      return "decode_error";
    case 51:
      return "decrypt_error";
    case 70:
      return "protocol_version";
    case 71:
      return "insufficient_security";
    case 80:
      return "internal_error";
    case 86:
      return "inappropriate_fallback";
    case 90:
      return "user_canceled";
    case 109:
      return "missing_extension";
    case 110:
      return "unsupported_extension";
    case 112:
      return "unrecognized_name";
    case kAlertCertificateRequired:
      return "certificate_required";
    case 120:
      return "no_application_protocol";
    default:
      return "alert_" + std::to_string(description);
  }
}

TlsAnswerShape ClassifyServerAnswer(std::span<const std::uint8_t> b) {
  constexpr std::uint8_t kAlertRecord = 21;
  constexpr std::uint8_t kHandshakeRecord = 22;
  // RFC 5246 6.2.3: a record carries at most 2^14 + 2048 bytes (TLS 1.3 allows less).
  constexpr unsigned kMaxRecord = (1u << 14) + 2048;
  if (b.empty()) return TlsAnswerShape::kNothing;
  if (b[0] != kAlertRecord && b[0] != kHandshakeRecord) return TlsAnswerShape::kNotTls;
  if (b.size() > 1 && b[1] != 3) return TlsAnswerShape::kNotTls;  // SSL 3.0 to TLS 1.3: 3.x
  if (b.size() > 2 && b[2] > 4) return TlsAnswerShape::kNotTls;
  if (b.size() > 4) {
    const unsigned length = (static_cast<unsigned>(b[3]) << 8) | b[4];
    if (length == 0 || length > kMaxRecord) return TlsAnswerShape::kNotTls;
  }
  return TlsAnswerShape::kTls;
}

std::string DescribeBytes(std::span<const std::uint8_t> bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  std::string text;
  for (const std::uint8_t b : bytes) {
    if (!hex.empty()) hex += ' ';
    hex += kHex[b >> 4];
    hex += kHex[b & 0xf];
    text += b >= 0x20 && b < 0x7f ? static_cast<char>(b) : '.';
  }
  return hex + " \"" + text + "\"";
}

TlsOutcome ClassifyTlsFailure(const TlsFailureSeen& seen) {
  if (seen.answer == TlsAnswerShape::kNotTls) return TlsOutcome::kNotTls;
  std::optional<int> alert = seen.alert;
  TlsConnectionEnd end = seen.end;
  if (alert == 0) {  // close_notify: a polite hang-up
    alert.reset();
    if (end == TlsConnectionEnd::kOpen) end = TlsConnectionEnd::kClosed;
  }
  const bool hung_up = end != TlsConnectionEnd::kOpen;
  if (alert == kAlertCertificateRequired) return TlsOutcome::kClientCertRequired;
  if (seen.cert_requested && !seen.cert_sent &&
      (hung_up || alert == kAlertHandshakeFailure || alert == kAlertBadCertificate ||
       alert == kAlertAccessDenied)) {
    // A TLS 1.2 host that wanted a certificate and got an empty one: most say
    // handshake_failure, some bad_certificate, some just hang up or reset.
    return TlsOutcome::kClientCertRequired;
  }
  if (seen.cert_sent && alert) {
    switch (*alert) {
      case kAlertHandshakeFailure:
      case kAlertBadCertificate:
      case kAlertUnsupportedCertificate:
      case kAlertCertificateRevoked:
      case kAlertCertificateExpired:
      case kAlertCertificateUnknown:
      case kAlertUnknownCa:
      case kAlertAccessDenied:
        return TlsOutcome::kClientCertRejected;
      default:
        break;
    }
  }
  if (!alert && end == TlsConnectionEnd::kReset) return TlsOutcome::kReset;
  if (!alert && end == TlsConnectionEnd::kClosed) return TlsOutcome::kClosed;
  return TlsOutcome::kFailed;
}

std::optional<TlsOutcome> ParseTlsOutcome(std::string_view name) {
  for (const TlsOutcome o : {TlsOutcome::kOk, TlsOutcome::kTimeout, TlsOutcome::kClosed,
                             TlsOutcome::kReset, TlsOutcome::kNotTls, TlsOutcome::kFailed,
                             TlsOutcome::kClientCertRequired, TlsOutcome::kClientCertRejected}) {
    if (TlsOutcomeName(o) == name) return o;
  }
  return std::nullopt;
}

}  // namespace posdiag::drivers::network
