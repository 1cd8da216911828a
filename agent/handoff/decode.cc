#include "agent/handoff/decode.h"

#include <cstdio>
#include <nlohmann/json.hpp>

#include "agent/sinks/text_util.h"
#include "drivers/base/time_format.h"
#include "rules/loader/catalog.h"

namespace posdiag::agent {
namespace {

using handoff::SignatureState;

// What stdin may hold: a payload is a few hundred characters.
constexpr std::size_t kMaxInput = 64 * 1024;

const rules::Rule* FindRule(const std::vector<rules::Rule>& catalog, const std::string& id) {
  for (const auto& r : catalog) {
    if (r.id == id) return &r;
  }
  return nullptr;
}

int ExitFor(SignatureState state) {
  switch (state) {
    case SignatureState::kValid:
      return 0;
    case SignatureState::kAbsent:
    case SignatureState::kUnknownKey:
      return 1;
    case SignatureState::kInvalid:
      return 2;
  }
  return 2;
}

nlohmann::json HandoffJson(const handoff::Payload& p, SignatureState state,
                           const std::vector<rules::Rule>& catalog, rules::Lang lang) {
  const handoff::Summary& s = p.summary;
  nlohmann::json findings = nlohmann::json::array();
  for (const auto& f : s.findings) {
    nlohmann::json item{
        {"code", f.code}, {"rule", f.rule}, {"severity", rules::SeverityName(f.severity)}};
    if (const rules::Rule* rule = FindRule(catalog, f.rule)) {
      item["title"] = rule->title.In(lang);
      item["remedy"] = rule->remedy.In(lang);
    }
    findings.push_back(std::move(item));
  }
  nlohmann::json facts = nlohmann::json::object();
  for (const auto& fact : s.facts) {
    if (fact.name == "network.failed_step") {
      facts[fact.name] = handoff::FactText(fact);
    } else {
      facts[fact.name] = fact.value;
    }
  }
  return {{"format", handoff::kFormatVersion},  {"terminal_id", s.terminal_id},
          {"report_id", s.report_id},           {"started_at", FormatRfc3339UtcSeconds(s.time_s)},
          {"level", LevelName(s.level)},        {"status", RunStatusName(s.status)},
          {"findings_total", s.findings_total}, {"findings", std::move(findings)},
          {"facts", std::move(facts)},          {"signature", handoff::SignatureStateName(state)}};
}

}  // namespace

std::string RenderHandoffText(const handoff::Payload& p, SignatureState state,
                              const std::vector<rules::Rule>& catalog, rules::Lang lang) {
  const handoff::Summary& s = p.summary;
  std::string out;
  out += "posdiag hand-off summary (format " + std::to_string(handoff::kFormatVersion) + ")\n";
  out += "terminal:  " + DisplayText(s.terminal_id) + "\n";
  out += "report:    " + s.report_id + "\n";
  out += "time:      " + FormatRfc3339UtcSeconds(s.time_s) + "\n";
  out += "level:     " + std::string(LevelName(s.level)) + "\n";
  out += "status:    " + std::string(RunStatusName(s.status)) + "\n";
  out += "findings:  " + std::to_string(s.findings_total);
  if (s.findings.size() < s.findings_total) {
    out += " (" + std::to_string(s.findings_total - s.findings.size()) +
           " more than the code could carry)";
  }
  out += "\n";
  for (const auto& f : s.findings) {
    out +=
        "  " + f.code + "  " + f.rule + "  " + std::string(rules::SeverityName(f.severity)) + "\n";
    if (const rules::Rule* rule = FindRule(catalog, f.rule)) {
      out += "      " + rule->title.In(lang) + "\n";
      int n = 0;
      for (const auto& step : rule->remedy.In(lang)) {
        out += "      " + std::to_string(++n) + ". " + step + "\n";
      }
    } else {
      out += "      (not in this catalogue)\n";
    }
  }
  if (!s.facts.empty()) {
    out += "facts:\n";
    for (const auto& fact : s.facts)
      out += "  " + fact.name + " = " + handoff::FactText(fact) + "\n";
  }
  out += "signature: " + std::string(handoff::SignatureStateName(state));
  if (state == SignatureState::kInvalid) out += " (do not trust this summary)";
  if (state == SignatureState::kAbsent) out += " (the terminal has no signing key)";
  out += "\n";
  return out;
}

Result<std::string> ReadDecodeInput(const std::string& argument, std::FILE* in) {
  if (argument != "-") return argument;
  std::string text;
  char buf[4096];
  while (text.size() <= kMaxInput) {
    const std::size_t n = std::fread(buf, 1, sizeof buf, in);
    if (n == 0) break;
    text.append(buf, n);
  }
  if (std::ferror(in) != 0) return Error{ErrorKind::kIo, "stdin: a read failed"};
  if (text.size() > kMaxInput) {
    return Error{ErrorKind::kParse, "more than " + std::to_string(kMaxInput) + " bytes on stdin"};
  }
  return text;
}

std::string RenderHandoffJson(const handoff::Payload& p, SignatureState state,
                              const std::vector<rules::Rule>& catalog, rules::Lang lang) {
  return HandoffJson(p, state, catalog, lang)
             .dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

int RunDecode(const DecodeArgs& args) {
  std::optional<handoff::PublicKey> key;
  if (args.pubkey) {
    auto loaded = handoff::PublicKey::Load(*args.pubkey);
    if (!loaded) {
      std::fprintf(stderr, "posdiag: decode: %s\n", loaded.error().detail.c_str());
      return 3;
    }
    key.emplace(std::move(*loaded));
  }
  auto text = ReadDecodeInput(args.payload, stdin);
  if (!text) {
    std::fprintf(stderr, "posdiag: decode: unreadable: %s\n", text.error().detail.c_str());
    return 3;
  }
  auto payload = handoff::ParsePayload(*text);
  if (!payload) {
    std::printf("signature: unreadable\n");
    std::fprintf(stderr, "posdiag: decode: unreadable: %s\n", payload.error().detail.c_str());
    return 3;
  }
  const SignatureState state = handoff::Verify(*payload, key ? &*key : nullptr);
  const auto& catalog = rules::BuiltinCatalog().rules;
  if (args.json) {
    std::fputs(RenderHandoffJson(*payload, state, catalog, args.lang).c_str(), stdout);
  } else {
    std::fputs(RenderHandoffText(*payload, state, catalog, args.lang).c_str(), stdout);
  }
  return ExitFor(state);
}

}  // namespace posdiag::agent
