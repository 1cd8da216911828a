#include "agent/modes/handoff.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "agent/fleet/fleet_settings.h"
#include "agent/handoff/slip_content.h"
#include "agent/modes/diagnose.h"
#include "agent/probes/display/display_device.h"
#include "agent/probes/printer/slip_print.h"
#include "agent/sinks/log_sink.h"
#include "agent/sinks/text_util.h"
#include "drivers/base/time_format.h"
#include "drivers/base/unique_fd.h"

namespace posdiag::agent {
namespace {

using handoff::SignatureState;

// What stdin may hold: a payload is a few hundred characters.
constexpr std::size_t kMaxInput = 64 * 1024;

std::string IdProblem(const ConfigValue& value) {
  const auto& id = std::get<std::string>(value);
  if (id.empty() || id.size() > handoff::kMaxTerminalId) {
    return "must be 1 to " + std::to_string(handoff::kMaxTerminalId) + " characters";
  }
  for (const char c : id) {
    if (c < 0x20 || c >= 0x7F) return "must be printable ASCII";
  }
  return "";
}

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

SectionSpec ReportSection() {
  return {"report",
          "the report's hand-off to support: the signed summary in the QR code and on the slip",
          {TerminalPath("signing_key")
               .Means("the Ed25519 private key (PEM, from `posdiag keygen`) that signs the "
                      "summary; without it the summary is unsigned and says so"),
           String("terminal_id")
               .Check(IdProblem)
               .DefaultText("the host name")
               .Means("the terminal's ID in the summary (printable ASCII, at most 32)")}};
}

std::string TerminalId(const Config& config, const io::RootFs& fs) {
  const ConfigSection& section = config.Section("report");
  if (section.Has("terminal_id")) return section.GetString("terminal_id");
  // The name the desk knows the terminal by: [fleet] terminal_id, else its serial number or
  // machine-id, as the fleet finds it.
  if (const ConfigSection& fleet = config.Section("fleet");
      fleet.present() && fleet.Has("terminal_id")) {
    return fleet.GetString("terminal_id");
  }
  if (auto found = fleet::DiscoverTerminalId(fs)) {
    if (found->first.size() <= handoff::kMaxTerminalId) return found->first;
  }
  if (auto name = fs.ReadAttr("/proc/sys/kernel/hostname")) {
    std::string id;
    for (const char c : *name) {
      if (c > 0x20 && c < 0x7F && id.size() < handoff::kMaxTerminalId) id.push_back(c);
    }
    if (!id.empty()) return id;
  }
  return "unknown";
}

Result<std::shared_ptr<const handoff::SigningKey>> LoadSigningKey(const Config& config,
                                                                  const io::RootFs& fs) {
  const ConfigSection& section = config.Section("report");
  if (!section.Has("signing_key")) return std::shared_ptr<const handoff::SigningKey>();
  auto key = handoff::SigningKey::Load(fs.Path(section.GetString("signing_key")));
  if (!key) return key.error();
  return std::shared_ptr<const handoff::SigningKey>(std::move(*key));
}

Result<std::string> MakeHandoff(const Report& report, const std::string& terminal_id,
                                const handoff::SigningKey* key) {
  const handoff::Summary summary = handoff::Summarize(report, terminal_id, key != nullptr);
  return handoff::EncodePayload(summary, key);
}

Result<std::size_t> PrintReportSlip(const Diagnoser& d, const Report& report,
                                    std::chrono::milliseconds timeout) {
  if (auto busy = d.TransactionInProgress())
    return Error{ErrorKind::kBusy, "not printed: " + *busy};
  const auto display = probes::ReadDisplaySettings(d.config().Section("display"));
  const rules::Lang lang = display ? display->lang : rules::Lang::kZhCn;
  auto bytes = drivers::printer::BuildSlip(handoff::SlipFor(report, lang, d.terminal_id()),
                                           probes::PaperOf(d.config().Section("printer")));
  if (!bytes) return bytes.error().Context("not printed");
  auto sent = probes::PrintSlip(d.config(), d.fs(), d.openers(), *bytes, io::Deadline::In(timeout));
  if (d.log()) {
    if (sent) {
      d.log()->info("slip report={} bytes={}", report.report_id, *sent);
    } else {
      d.log()->warn("slip report={} error={}", report.report_id, LogValue(sent.error().detail));
    }
  }
  return sent;
}

int RunKeygen(const std::string& path) {
  auto key = handoff::SigningKey::Generate();
  if (!key) {
    std::fprintf(stderr, "posdiag: keygen: %s\n", key.error().detail.c_str());
    return 3;
  }
  std::string pem = (*key)->PrivatePem();
  // Never over an existing file (an overwritten key cannot be got back), never readable by others.
  io::UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) {
    const int err = errno;
    std::fprintf(stderr, "posdiag: keygen: %s\n", ErrnoError(path, err).detail.c_str());
    return 3;
  }
  std::size_t done = 0;
  bool failed = ::fchmod(fd.get(), 0600) != 0;
  while (!failed && done < pem.size()) {
    const ssize_t n = ::write(fd.get(), pem.data() + done, pem.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failed = true;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  failed = failed || ::fsync(fd.get()) != 0;
  std::fill(pem.begin(), pem.end(), '\0');
  if (failed) {
    const int err = errno;
    ::unlink(path.c_str());
    std::fprintf(stderr, "posdiag: keygen: %s\n", ErrnoError(path, err).detail.c_str());
    return 3;
  }
  std::fputs((*key)->PublicPem().c_str(), stdout);
  std::fprintf(stderr,
               "posdiag: keygen: private key written to %s; set [report] signing_key to it and "
               "give the public key above to the support desk\n",
               path.c_str());
  return 0;
}

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
  std::string text = args.payload;
  if (text == "-") {
    text.clear();
    char buf[4096];
    while (text.size() <= kMaxInput) {
      const std::size_t n = std::fread(buf, 1, sizeof buf, stdin);
      if (n == 0) break;
      text.append(buf, n);
    }
    if (text.size() > kMaxInput) {
      std::fprintf(stderr, "posdiag: decode: unreadable: more than %zu bytes on stdin\n",
                   kMaxInput);
      return 3;
    }
  }
  auto payload = handoff::ParsePayload(text);
  if (!payload) {
    std::printf("signature: unreadable\n");
    std::fprintf(stderr, "posdiag: decode: unreadable: %s\n", payload.error().detail.c_str());
    return 3;
  }
  const SignatureState state = handoff::Verify(*payload, key ? &*key : nullptr);
  const auto& catalog = rules::BuiltinCatalog().rules;
  if (args.json) {
    std::fputs((HandoffJson(*payload, state, catalog, args.lang)
                    .dump(2, ' ', false, nlohmann::json::error_handler_t::replace) +
                "\n")
                   .c_str(),
               stdout);
  } else {
    std::fputs(RenderHandoffText(*payload, state, catalog, args.lang).c_str(), stdout);
  }
  return ExitFor(state);
}

}  // namespace posdiag::agent
