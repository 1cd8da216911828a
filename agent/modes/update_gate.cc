#include "agent/modes/update_gate.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "agent/modes/diagnose.h"
#include "agent/modes/setup.h"
#include "agent/sinks/log_sink.h"
#include "drivers/base/file.h"

namespace posdiag::agent {
namespace {

bool In(const std::vector<std::string>& list, const std::string& name) {
  return std::find(list.begin(), list.end(), name) != list.end();
}

}  // namespace

GateVerdict JudgeUpdate(const Report& report, const std::vector<std::string>& components) {
  GateVerdict verdict;
  for (const rules::Finding& f : report.evaluation.findings) {
    if (!In(components, f.component)) continue;
    if (f.severity == rules::Severity::kError || f.severity == rules::Severity::kCritical) {
      verdict.reasons.push_back(f.code + " " + f.rule + ": " + f.title.en);
    }
  }
  if (!verdict.reasons.empty()) {
    verdict.kind = GateVerdict::Kind::kRollBack;
    return verdict;
  }
  bool measured = false;
  for (const ProbeOutcome& p : report.probes) {
    if (!In(components, p.name)) continue;
    // The road to the payment host is the payment path itself: without it nothing was checked.
    if (p.name == "network" && p.status != ProbeStatus::kOk && !CouldNotComplete(p.status)) {
      verdict.reasons.push_back("network " + std::string(ProbeStatusName(p.status)) +
                                ": the payment host was not checked");
    }
    if (CouldNotComplete(p)) {
      verdict.reasons.push_back(p.name + " could not complete: " + IncompleteReason(p));
    } else if (p.status == ProbeStatus::kOk) {
      measured = true;
    }
  }
  if (!verdict.reasons.empty() || !measured) {
    if (!measured && verdict.reasons.empty()) {
      verdict.reasons.push_back("no payment-path check is configured on this terminal");
    }
    verdict.kind = GateVerdict::Kind::kCannotTell;
    return verdict;
  }
  verdict.kind = GateVerdict::Kind::kKeep;
  return verdict;
}

int RunUpdateGate(const std::optional<std::string>& config,
                  const std::vector<std::string>& components) {
  auto created = Diagnoser::Create(config);
  if (!created) {
    PrintError(created.error());
    return 3;
  }
  Diagnoser& d = **created;
  const Report report = d.Run(Level::kBoot, {}, {}, "update-gate");
  const GateVerdict verdict = JudgeUpdate(report, components);
  const char* word = verdict.kind == GateVerdict::Kind::kKeep       ? "keep"
                     : verdict.kind == GateVerdict::Kind::kRollBack ? "roll back"
                                                                    : "cannot tell";
  std::printf("update gate: %s (report %s, status %s)\n", word, report.report_id.c_str(),
              std::string(RunStatusName(report.status)).c_str());
  for (const auto& reason : verdict.reasons) std::printf("  %s\n", reason.c_str());
  if (d.log()) {
    d.log()->warn("update gate: {} report={} {}", word, report.report_id,
                  LogValue(verdict.reasons.empty() ? std::string("") : verdict.reasons.front()));
    d.log()->flush();
  }
  switch (verdict.kind) {
    case GateVerdict::Kind::kKeep:
      return 0;
    case GateVerdict::Kind::kRollBack:
      return 2;
    case GateVerdict::Kind::kCannotTell:
      return 3;
  }
  return 3;
}

Result<RaucBootedSlot> ParseRaucStatus(std::string_view text) {
  using nlohmann::json;
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object() || !doc.contains("slots") || !doc["slots"].is_array()) {
    return Error{ErrorKind::kParse, "not the JSON of `rauc status --output-format=json`"};
  }
  const auto text_of = [](const json& obj, const char* key) {
    const auto it = obj.find(key);
    return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  const std::string booted = text_of(doc, "booted");
  for (const json& entry : doc["slots"]) {
    if (!entry.is_object()) continue;
    for (const auto& [name, slot] : entry.items()) {
      if (!slot.is_object()) continue;
      const std::string bootname = text_of(slot, "bootname");
      const bool is_booted =
          text_of(slot, "state") == "booted" && (booted.empty() || bootname == booted);
      if (!is_booted || bootname.empty()) continue;
      RaucBootedSlot out{bootname, text_of(slot, "boot_status"), ""};
      const auto status = slot.find("slot_status");
      if (status != slot.end() && status->is_object()) {
        const auto activated = status->find("activated");
        if (activated != status->end() && activated->is_object()) {
          const auto count = activated->find("count");
          const std::string stamp = text_of(*activated, "timestamp");
          if (count != activated->end() && count->is_number_unsigned() && !stamp.empty()) {
            out.activation = std::to_string(count->get<std::uint64_t>()) + " " + stamp;
          }
        }
      }
      return out;
    }
  }
  return Error{ErrorKind::kNotFound, "rauc names no booted slot with a bootname"};
}

int RunRaucBootedSlot(const std::string& path) {
  auto text = io::ReadFileBounded(path);
  if (!text) {
    PrintError(text.error());
    return 3;
  }
  auto slot = ParseRaucStatus(*text);
  if (!slot) {
    PrintError(slot.error().Context(path));
    return 3;
  }
  std::printf("%s %s %s\n", slot->bootname.c_str(),
              slot->boot_status.empty() ? "unknown" : slot->boot_status.c_str(),
              slot->activation.empty() ? "never" : slot->activation.c_str());
  return 0;
}

}  // namespace posdiag::agent
