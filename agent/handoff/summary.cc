#include "agent/handoff/summary.h"

#include <algorithm>
#include <limits>

#include "agent/handoff/base45.h"
#include "agent/report_id.h"
#include "rules/engine/evaluator.h"

namespace posdiag::agent::handoff {
namespace {

// Rule ids are dotted lower-case words: 39 characters, three of them in two bytes (40^3 < 2^16).
constexpr std::string_view kRuleAlphabet = "0123456789abcdefghijklmnopqrstuvwxyz._-";
constexpr unsigned kRuleBase = 40;

constexpr std::uint8_t kFlagSigned = 0x01;

constexpr std::string_view kSteps[] = {"", "link", "address", "route", "dns", "tcp", "tls"};

Error Bad(std::size_t at, const std::string& why) {
  return Error{ErrorKind::kParse, "summary byte " + std::to_string(at) + ": " + why};
}

bool PrintableAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7F; });
}

void PutVarint(std::vector<std::uint8_t>& out, std::int64_t value) {
  // Zigzag, then 7 bits a byte, low first.
  auto v = (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
  while (v >= 0x80) {
    out.push_back(static_cast<std::uint8_t>(v | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<std::uint8_t>(v));
}

class Reader {
 public:
  explicit Reader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  std::size_t at() const { return at_; }
  bool done() const { return at_ == bytes_.size(); }
  std::size_t left() const { return bytes_.size() - at_; }
  Result<std::uint8_t> Byte(const char* what) {
    if (at_ >= bytes_.size()) return Bad(at_, std::string("ends before ") + what);
    return bytes_[at_++];
  }
  Result<std::span<const std::uint8_t>> Take(std::size_t n, const char* what) {
    if (left() < n) return Bad(at_, std::string("ends inside ") + what);
    auto out = bytes_.subspan(at_, n);
    at_ += n;
    return out;
  }
  Result<std::int64_t> Varint(const char* what) {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      auto b = Byte(what);
      if (!b) return b.error();
      v |= static_cast<std::uint64_t>(*b & 0x7F) << shift;
      if ((*b & 0x80) == 0) {
        return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
      }
    }
    return Bad(at_, std::string(what) + " is too long");
  }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t at_ = 0;
};

// The report ID's 7 symbols, 5 bits each, in the top 35 bits of 5 bytes.
std::optional<std::array<std::uint8_t, 5>> PackReportId(std::string_view id) {
  const auto canonical = NormalizeReportId(id);
  if (!canonical) return std::nullopt;
  std::uint64_t bits = 0;
  std::size_t n = 0;
  for (const char c : *canonical) {
    if (c == '-') continue;
    if (n == kReportIdPayloadLength) break;
    bits = (bits << 5) | kReportIdAlphabet.find(c);
    ++n;
  }
  bits <<= 5;  // 35 bits in 40
  std::array<std::uint8_t, 5> out{};
  for (int i = 4; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(bits & 0xFF);
    bits >>= 8;
  }
  return out;
}

std::optional<std::string> UnpackReportId(std::span<const std::uint8_t> b) {
  std::uint64_t bits = 0;
  for (const auto byte : b) bits = (bits << 8) | byte;
  if ((bits & 0x1F) != 0) return std::nullopt;
  bits >>= 5;
  std::string symbols(kReportIdPayloadLength, '0');
  for (std::size_t i = kReportIdPayloadLength; i-- > 0;) {
    symbols[i] = kReportIdAlphabet[bits & 0x1F];
    bits >>= 5;
  }
  const char check = ReportIdCheckSymbol(symbols);
  if (check == '\0') return std::nullopt;
  return symbols.substr(0, 4) + "-" + symbols.substr(4) + check;
}

bool PackRule(std::string_view rule, std::vector<std::uint8_t>& out) {
  for (std::size_t i = 0; i < rule.size(); i += 3) {
    unsigned v = 0;
    for (std::size_t k = 0; k < 3; ++k) {
      unsigned digit = 0;
      if (i + k < rule.size()) {
        const auto at = kRuleAlphabet.find(rule[i + k]);
        if (at == std::string_view::npos) return false;
        digit = static_cast<unsigned>(at);
      }
      v = v * kRuleBase + digit;
    }
    out.push_back(static_cast<std::uint8_t>(v >> 8));
    out.push_back(static_cast<std::uint8_t>(v & 0xFF));
  }
  return true;
}

std::optional<std::string> UnpackRule(std::span<const std::uint8_t> b, std::size_t length) {
  std::string out;
  for (std::size_t i = 0; i + 1 < b.size(); i += 2) {
    unsigned v = b[i] * 256u + b[i + 1];
    if (v >= kRuleBase * kRuleBase * kRuleBase) return std::nullopt;
    const unsigned digits[3] = {v / (kRuleBase * kRuleBase), v / kRuleBase % kRuleBase,
                                v % kRuleBase};
    for (const unsigned d : digits) {
      if (out.size() == length) {
        if (d != 0) return std::nullopt;  // padding is zero
        continue;
      }
      if (d >= kRuleAlphabet.size()) return std::nullopt;
      out.push_back(kRuleAlphabet[d]);
    }
  }
  if (out.size() != length) return std::nullopt;
  return out;
}

std::size_t PackedRuleBytes(std::size_t length) { return (length + 2) / 3 * 2; }

std::optional<std::int64_t> IntFact(const rules::FactSet& facts, std::string_view name) {
  const rules::Fact* f = facts.Find(name);
  if (f == nullptr) return std::nullopt;
  if (const auto* i = std::get_if<std::int64_t>(&f->value)) return *i;
  return std::nullopt;
}

std::optional<bool> BoolFact(const rules::FactSet& facts, std::string_view name) {
  const rules::Fact* f = facts.Find(name);
  if (f == nullptr) return std::nullopt;
  if (const auto* b = std::get_if<bool>(&f->value)) return *b;
  return std::nullopt;
}

// The first step on the way to the payment host that failed: 1 link .. 6 tls; nullopt when none
// did or the network was not measured.
std::optional<std::int64_t> FailedStep(const rules::FactSet& facts) {
  if (BoolFact(facts, "network.link.carrier") == false) return 1;
  if (BoolFact(facts, "network.address.present") == false) return 2;
  if (BoolFact(facts, "network.route.to_host") == false) return 3;
  if (BoolFact(facts, "network.dns.ok") == false) return 4;
  if (BoolFact(facts, "network.tcp.ok") == false) return 5;
  if (BoolFact(facts, "network.tls.enabled") == true &&
      BoolFact(facts, "network.tls.ok") == false) {
    return 6;
  }
  return std::nullopt;
}

std::size_t SignatureLength(bool signed_) { return signed_ ? kKeyIdBytes + kSignatureBytes : 0; }

}  // namespace

const std::vector<std::string_view>& KeyFactNames() {
  static const std::vector<std::string_view> kNames = {
      "power.battery.capacity_pct", "modem.signal.dbm",
      "network.wifi.signal_dbm",    "network.failed_step",
      "network.tls.days_to_expiry", "network.tls.client_cert.days_to_expiry"};
  return kNames;
}

std::string_view FailedStepName(std::int64_t step) {
  if (step < 1 || step >= static_cast<std::int64_t>(std::size(kSteps))) return "";
  return kSteps[step];
}

std::string FactText(const SummaryFact& fact) {
  if (fact.name == "network.failed_step") {
    const auto name = FailedStepName(fact.value);
    if (!name.empty()) return std::string(name);
  }
  return std::to_string(fact.value);
}

Summary Summarize(const Report& report, std::string_view terminal_id, bool signed_) {
  Summary s;
  for (const char c : terminal_id) {
    if (s.terminal_id.size() == kMaxTerminalId) break;
    s.terminal_id.push_back(c >= 0x20 && c < 0x7F ? c : '?');
  }
  s.report_id = NormalizeReportId(report.report_id).value_or("");
  s.time_s = std::chrono::duration_cast<std::chrono::seconds>(report.started_at.time_since_epoch())
                 .count();
  s.level = report.level;
  s.status = report.status;
  for (const auto& name : KeyFactNames()) {
    const auto value =
        name == "network.failed_step" ? FailedStep(report.facts) : IntFact(report.facts, name);
    if (value) s.facts.push_back({std::string(name), *value});
  }
  std::vector<SummaryFinding> all;
  for (const rules::Finding& f : report.evaluation.findings) {
    if (!rules::IsValidCode(f.code) || f.code.size() != 2 || f.rule.size() > kMaxRuleId ||
        f.rule.find_first_not_of(kRuleAlphabet) != std::string::npos || f.rule.empty()) {
      continue;  // a site rule the format cannot carry; counted below
    }
    all.push_back({f.code, f.rule, f.severity});
  }
  std::stable_sort(all.begin(), all.end(), [](const SummaryFinding& a, const SummaryFinding& b) {
    return static_cast<int>(a.severity) > static_cast<int>(b.severity);
  });
  s.findings_total = std::min<std::size_t>(report.evaluation.findings.size(), 255);
  // As many as fit, most severe first.
  for (auto& f : all) {
    s.findings.push_back(f);
    auto body = EncodeBody(s, signed_);
    if (!body || kPayloadPrefix.size() + Base45Length(body->size() + SignatureLength(signed_)) >
                     kMaxPayloadChars) {
      s.findings.pop_back();
      break;
    }
  }
  return s;
}

Result<std::vector<std::uint8_t>> EncodeBody(const Summary& s, bool signed_) {
  std::vector<std::uint8_t> out;
  out.push_back(kFormatVersion);
  const auto level = static_cast<unsigned>(s.level);
  const auto status = static_cast<unsigned>(s.status);
  out.push_back(static_cast<std::uint8_t>((signed_ ? kFlagSigned : 0) | level << 1 | status << 3));
  const std::int64_t t = std::clamp<std::int64_t>(s.time_s, 0, 0xFFFFFFFFLL);
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>((t >> shift) & 0xFF));
  }
  const auto id = PackReportId(s.report_id);
  if (!id) return Error{ErrorKind::kInvalid, "summary: not a report ID: " + s.report_id};
  out.insert(out.end(), id->begin(), id->end());
  if (s.terminal_id.size() > kMaxTerminalId || !PrintableAscii(s.terminal_id)) {
    return Error{ErrorKind::kInvalid,
                 "summary: the terminal ID is not printable ASCII of at most " +
                     std::to_string(kMaxTerminalId) + " characters"};
  }
  out.push_back(static_cast<std::uint8_t>(s.terminal_id.size()));
  out.insert(out.end(), s.terminal_id.begin(), s.terminal_id.end());
  if (s.findings.size() > s.findings_total || s.findings_total > 255) {
    return Error{ErrorKind::kInvalid, "summary: more findings carried than counted"};
  }
  out.push_back(static_cast<std::uint8_t>(s.findings_total));
  out.push_back(static_cast<std::uint8_t>(s.findings.size()));
  for (const SummaryFinding& f : s.findings) {
    if (f.code.size() != 2 || !rules::IsValidCode(f.code)) {
      return Error{ErrorKind::kInvalid, "summary: code " + f.code + " is not two characters"};
    }
    if (f.rule.empty() || f.rule.size() > kMaxRuleId) {
      return Error{ErrorKind::kInvalid, "summary: rule id length out of range: " + f.rule};
    }
    out.insert(out.end(), f.code.begin(), f.code.end());
    out.push_back(static_cast<std::uint8_t>(static_cast<unsigned>(f.severity) << 6 |
                                            static_cast<unsigned>(f.rule.size())));
    if (!PackRule(f.rule, out)) {
      return Error{ErrorKind::kInvalid, "summary: rule id outside [a-z0-9._-]: " + f.rule};
    }
  }
  out.push_back(static_cast<std::uint8_t>(s.facts.size()));
  const auto& names = KeyFactNames();
  for (const SummaryFact& fact : s.facts) {
    const auto at = std::find(names.begin(), names.end(), fact.name);
    if (at == names.end())
      return Error{ErrorKind::kInvalid, "summary: not a key fact: " + fact.name};
    out.push_back(static_cast<std::uint8_t>(at - names.begin() + 1));
    PutVarint(out, fact.value);
  }
  return out;
}

std::vector<std::uint8_t> SignedMessage(std::span<const std::uint8_t> body,
                                        const std::array<std::uint8_t, kKeyIdBytes>& key_id) {
  std::vector<std::uint8_t> message;
  message.reserve(kSignatureDomain.size() + body.size() + key_id.size());
  for (const char c : kSignatureDomain) message.push_back(static_cast<std::uint8_t>(c));
  for (const std::uint8_t b : body) message.push_back(b);
  for (const std::uint8_t b : key_id) message.push_back(b);
  return message;
}

Result<std::string> EncodePayload(const Summary& summary, const Signer* signer) {
  auto body = EncodeBody(summary, signer != nullptr);
  if (!body) return body.error();
  if (signer != nullptr) {
    const auto key_id = signer->KeyId();
    auto signature = signer->Sign(SignedMessage(*body, key_id));
    if (!signature) return signature.error().Context("summary: signing");
    body->insert(body->end(), key_id.begin(), key_id.end());
    body->insert(body->end(), signature->begin(), signature->end());
  }
  return std::string(kPayloadPrefix) + Base45Encode(*body);
}

Result<Payload> ParsePayload(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; };
  // Only line ends and leading blanks are trimmed: a space is a Base45 character.
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  constexpr std::string_view kZbarLabel = "QR-Code:";
  if (text.substr(0, kZbarLabel.size()) == kZbarLabel) text.remove_prefix(kZbarLabel.size());
  if (text.substr(0, kPayloadPrefix.size()) != kPayloadPrefix) {
    return Error{ErrorKind::kParse,
                 "not a posdiag summary: it does not start with " + std::string(kPayloadPrefix)};
  }
  text.remove_prefix(kPayloadPrefix.size());
  auto bytes = Base45Decode(text);
  if (!bytes) return bytes.error();
  Reader r(*bytes);
  Payload p;
  Summary& s = p.summary;

  auto version = r.Byte("the version");
  if (!version) return version.error();
  if (*version != kFormatVersion) {
    return Bad(0, "format version " + std::to_string(*version) + " is not known");
  }
  auto flags = r.Byte("the flags");
  if (!flags) return flags.error();
  const bool is_signed = (*flags & kFlagSigned) != 0;
  const unsigned level = (*flags >> 1) & 0x03;
  const unsigned status = (*flags >> 3) & 0x07;
  if (level > static_cast<unsigned>(Level::kEngineer) ||
      status > static_cast<unsigned>(RunStatus::kUnknown) || (*flags & 0xC0) != 0) {
    return Bad(1, "flags out of range");
  }
  s.level = static_cast<Level>(level);
  s.status = static_cast<RunStatus>(status);
  auto time = r.Take(4, "the time");
  if (!time) return time.error();
  for (const auto b : *time) s.time_s = s.time_s << 8 | b;
  auto id = r.Take(5, "the report ID");
  if (!id) return id.error();
  auto report_id = UnpackReportId(*id);
  if (!report_id) return Bad(6, "not a report ID");
  s.report_id = *report_id;
  auto tid_length = r.Byte("the terminal ID");
  if (!tid_length) return tid_length.error();
  if (*tid_length > kMaxTerminalId) return Bad(r.at() - 1, "terminal ID too long");
  auto tid = r.Take(*tid_length, "the terminal ID");
  if (!tid) return tid.error();
  s.terminal_id.assign(tid->begin(), tid->end());
  if (!PrintableAscii(s.terminal_id)) return Bad(r.at(), "terminal ID is not printable");

  auto total = r.Byte("the finding count");
  if (!total) return total.error();
  auto count = r.Byte("the finding count");
  if (!count) return count.error();
  if (*count > *total) return Bad(r.at() - 1, "more findings carried than counted");
  s.findings_total = *total;
  for (unsigned i = 0; i < *count; ++i) {
    SummaryFinding f;
    auto code = r.Take(2, "a finding's code");
    if (!code) return code.error();
    f.code.assign(code->begin(), code->end());
    if (!rules::IsValidCode(f.code)) return Bad(r.at() - 2, "not a merchant code");
    auto head = r.Byte("a finding's rule");
    if (!head) return head.error();
    const std::size_t length = *head & 0x3F;
    f.severity = static_cast<rules::Severity>(*head >> 6);
    if (length == 0) return Bad(r.at() - 1, "empty rule id");
    auto packed = r.Take(PackedRuleBytes(length), "a finding's rule");
    if (!packed) return packed.error();
    auto rule = UnpackRule(*packed, length);
    if (!rule || !rules::IsValidRuleId(*rule)) return Bad(r.at(), "not a rule id");
    f.rule = std::move(*rule);
    s.findings.push_back(std::move(f));
  }
  auto facts = r.Byte("the fact count");
  if (!facts) return facts.error();
  const auto& names = KeyFactNames();
  for (unsigned i = 0; i < *facts; ++i) {
    auto which = r.Byte("a fact");
    if (!which) return which.error();
    if (*which == 0 || *which > names.size()) return Bad(r.at() - 1, "unknown fact");
    auto value = r.Varint("a fact's value");
    if (!value) return value.error();
    s.facts.push_back({std::string(names[*which - 1]), *value});
  }
  const std::size_t body_end = r.at();
  if (is_signed) {
    auto key_id = r.Take(kKeyIdBytes, "the key ID");
    if (!key_id) return key_id.error();
    auto signature = r.Take(kSignatureBytes, "the signature");
    if (!signature) return signature.error();
    Signature sig;
    std::copy(key_id->begin(), key_id->end(), sig.key_id.begin());
    std::copy(signature->begin(), signature->end(), sig.bytes.begin());
    p.signed_message =
        SignedMessage(std::span<const std::uint8_t>(bytes->data(), body_end), sig.key_id);
    p.signature = sig;
  }
  if (!r.done()) return Bad(r.at(), std::to_string(r.left()) + " bytes after the end");
  return p;
}

}  // namespace posdiag::agent::handoff
