// The hand-off summary: what support needs of a report, small enough for a QR code a phone reads
// off the terminal's screen, and signed so that it cannot be forged into a warranty claim or a
// false "the terminal was fine". docs/hand-off.md is the format's description and size budget.
//
// A summary is bytes (format version, flags, time, report ID, terminal ID, findings as code and
// rule, a few explaining facts, then an optional Ed25519 signature), written as "PD1:" and their
// Base45 text, which a QR code holds in its alphanumeric mode. Encoding and parsing are pure; the
// signature is made and checked through handoff/signing.h.
// Example:
//   Summary s = Summarize(report, "POS-0042", /*signed=*/key != nullptr);
//   Result<std::string> text = EncodePayload(s, key.get());   // "PD1:..."
//   Result<Payload> back = ParsePayload(*text);                // back->summary == s
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "agent/report.h"
#include "drivers/base/result.h"
#include "rules/engine/rule.h"

namespace posdiag::agent::handoff {

inline constexpr std::uint8_t kFormatVersion = 1;
inline constexpr std::string_view kPayloadPrefix = "PD1:";
// The budget: a payload is at most this many characters, what a version 11 QR code (61 modules)
// holds in alphanumeric mode at error correction M. Findings that would not fit are counted, not
// carried.
inline constexpr std::size_t kMaxPayloadChars = 366;
inline constexpr std::size_t kMaxTerminalId = 32;
inline constexpr std::size_t kMaxRuleId = 63;
inline constexpr std::size_t kSignatureBytes = 64;
inline constexpr std::size_t kKeyIdBytes = 4;
// What the signature covers: this, then every byte of the summary before the signature.
inline constexpr std::string_view kSignatureDomain = "posdiag.handoff/1";

struct SummaryFinding {
  std::string code;  // "P1"
  std::string rule;  // "printer.paper_end"
  rules::Severity severity = rules::Severity::kError;
  bool operator==(const SummaryFinding&) const = default;
};

// One of the facts that explain findings (KeyFactNames()), as an integer.
struct SummaryFact {
  std::string name;
  std::int64_t value = 0;
  bool operator==(const SummaryFact&) const = default;
};

struct Summary {
  std::string terminal_id;  // printable ASCII, at most kMaxTerminalId
  std::string report_id;    // "7KQ2-M9X4"
  std::int64_t time_s = 0;  // when the run started, seconds since the Unix epoch (UTC)
  Level level = Level::kBoot;
  RunStatus status = RunStatus::kUnknown;
  std::vector<SummaryFinding> findings;  // most severe first
  std::size_t findings_total = 0;        // fired in the report; more than findings.size() when
                                         // the rest did not fit the budget
  std::vector<SummaryFact> facts;
  bool operator==(const Summary&) const = default;
};

// The facts a summary may carry, in their wire order. "network.failed_step" is derived: the first
// step of the way to the payment host that failed (FailedStepName).
const std::vector<std::string_view>& KeyFactNames();
// "link", "address", "route", "dns", "tcp", "tls"; "" for a value out of range.
std::string_view FailedStepName(std::int64_t step);
// A fact's value as people read it: the step's name for network.failed_step, else the number.
std::string FactText(const SummaryFact& fact);

// The summary of a report: its findings most severe first, as many as fit the budget (with a
// signature when `signed_` is true), and the key facts it measured.
Summary Summarize(const Report& report, std::string_view terminal_id, bool signed_);

// What signs: an Ed25519 key (signing.h), or a test's stand-in.
class Signer {
 public:
  virtual ~Signer() = default;
  virtual std::array<std::uint8_t, kKeyIdBytes> KeyId() const = 0;
  virtual Result<std::array<std::uint8_t, kSignatureBytes>> Sign(
      std::span<const std::uint8_t> message) const = 0;
};

// The summary as bytes, without signature (the flags say whether one follows).
Result<std::vector<std::uint8_t>> EncodeBody(const Summary& summary, bool signed_);
// "PD1:" + Base45 of the body, with the key ID and signature when `signer` is not null.
Result<std::string> EncodePayload(const Summary& summary, const Signer* signer);

struct Signature {
  std::array<std::uint8_t, kKeyIdBytes> key_id{};
  std::array<std::uint8_t, kSignatureBytes> bytes{};
};

struct Payload {
  Summary summary;
  std::optional<Signature> signature;
  std::vector<std::uint8_t> signed_message;  // domain + body + key ID: what the signature covers
};

// Reads a payload as a QR reader gives it: surrounding white space and a "QR-Code:" label (as
// zbarimg prints) are dropped. kParse, with where, for anything that is not a whole, well-formed
// summary of a known version: a changed character that breaks the structure, a truncated one.
Result<Payload> ParsePayload(std::string_view text);

// The message a signature covers for these body bytes and key ID.
std::vector<std::uint8_t> SignedMessage(std::span<const std::uint8_t> body,
                                        const std::array<std::uint8_t, kKeyIdBytes>& key_id);

}  // namespace posdiag::agent::handoff
