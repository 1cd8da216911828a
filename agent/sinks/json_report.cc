#include "agent/sinks/json_report.h"

#include <chrono>
#include <cmath>
#include <string>
#include <variant>

#include "agent/sinks/incidents.h"
#include "agent/sinks/text_report.h"
#include "agent/sinks/text_util.h"

namespace posdiag::agent {
namespace {

using nlohmann::json;

json Localized(const rules::Localized& text) {
  return json{{"zh-CN", text.zh_cn}, {"en", text.en}};
}

json Steps(const rules::LocalizedSteps& steps) {
  return json{{"zh-CN", steps.zh_cn}, {"en", steps.en}};
}

json FindingToJson(const rules::Finding& f, bool with_suppressed_by) {
  json evidence = json::object();
  for (const auto& [name, value] : f.evidence) evidence[name] = FactValueToJson(value);
  json j{
      {"rule", f.rule},
      {"code", f.code},
      {"severity", rules::SeverityName(f.severity)},
      {"component", f.component},
      {"title", Localized(f.title)},
      {"remedy", Steps(f.remedy)},
      {"evidence", std::move(evidence)},
      {"suppressed", f.suppressed},
  };
  if (with_suppressed_by) j["suppressed_by"] = f.suppressed_by;
  return j;
}

json Findings(const std::vector<rules::Finding>& findings, bool suppressed) {
  json list = json::array();
  for (const rules::Finding* f : BySeverity(findings))
    list.push_back(FindingToJson(*f, suppressed));
  return list;
}

// Card data must not reach any output, whichever field a probe or a device put it in; and the
// tree is valid UTF-8 throughout, so a caller's plain dump() cannot throw on a device's bytes.
void CleanStrings(json& j) {
  if (j.is_string()) {
    const auto& text = j.get_ref<const std::string&>();
    if (MayNeedCleaning(text)) j = ValidUtf8(RedactCardData(text));
  } else if (j.is_array()) {
    for (auto& child : j) CleanStrings(child);
  } else if (j.is_object()) {
    bool keys_valid = true;
    for (const auto& [key, child] : j.items()) {
      if (MayNeedCleaning(key) && ValidUtf8(key) != key) keys_valid = false;
    }
    if (keys_valid) {
      for (auto& [key, child] : j.items()) CleanStrings(child);
      return;
    }
    json clean = json::object();
    for (auto& [key, child] : j.items()) {
      CleanStrings(child);
      clean[ValidUtf8(key)] = std::move(child);
    }
    j = std::move(clean);
  }
}

}  // namespace

json FactValueToJson(const rules::FactValue& value) {
  if (const bool* b = std::get_if<bool>(&value)) return *b;
  if (const auto* i = std::get_if<std::int64_t>(&value)) return *i;
  if (const double* d = std::get_if<double>(&value)) {
    if (!std::isfinite(*d)) return nullptr;
    return *d;
  }
  return std::get<std::string>(value);
}

json ReportToJson(const Report& report) {
  json probes = json::array();
  for (const auto& p : report.probes) {
    probes.push_back({
        {"name", p.name},
        {"status", ProbeStatusName(p.status)},
        {"duration_ms", p.duration.count()},
        {"error", p.status == ProbeStatus::kOk ? json(nullptr) : json(p.error)},
    });
  }

  json facts = json::object();
  json units = json::object();
  json fact_probes = json::object();
  for (const auto& [name, fact] : report.facts.facts()) {
    facts[name] = FactValueToJson(fact.value);
    if (!fact.unit.empty()) units[name] = fact.unit;
    fact_probes[name] = fact.probe;
  }
  json missing = json::object();
  for (const auto& [name, m] : report.facts.missing()) missing[name] = m.reason;

  json not_evaluated = json::array();
  for (const auto& n : report.evaluation.not_evaluated) {
    not_evaluated.push_back({{"rule", n.rule}, {"reason", n.reason}});
  }

  // The configured checks that could not complete: why the status is "unknown", not "ok".
  json incomplete = json::array();
  for (const ProbeOutcome* p : IncompleteChecks(report)) {
    // "incomplete": it ran to its end but could not measure what its rules need.
    incomplete.push_back({{"probe", p->name},
                          {"status", CouldNotComplete(p->status) ? ProbeStatusName(p->status)
                                                                 : std::string_view("incomplete")},
                          {"reason", IncompleteReason(*p)},
                          {"title", {{"zh-CN", p->title.zh_cn}, {"en", p->title.en}}}});
  }

  json j{
      {"schema", kReportSchema},
      {"report_id", report.report_id},
      {"level", LevelName(report.level)},
      {"kind", report.kind},
      {"status", RunStatusName(report.status)},
      {"started_at", FormatRfc3339Utc(report.started_at)},
      {"duration_ms", report.duration.count()},
      {"probes", std::move(probes)},
      {"facts", std::move(facts)},
      {"findings", Findings(report.evaluation.findings, false)},
      {"fact_units", std::move(units)},
      {"fact_probes", std::move(fact_probes)},
      {"facts_missing", std::move(missing)},
      {"suppressed_findings", Findings(report.evaluation.suppressed, true)},
      {"not_evaluated", std::move(not_evaluated)},
      {"incomplete", std::move(incomplete)},
      {"rules_evaluated", report.evaluation.rules_evaluated},
      {"rule_errors", report.rule_errors},
      {"sink_errors", report.sink_errors},
      {"config", report.config_source},
      {"exit_code", ExitCodeFor(report)},
  };
  if (!report.handoff.empty()) j["handoff"] = report.handoff;
  if (report.level == Level::kEngineer) {
    j["history"] = {{"reports", report.history.reports}, {"fired", report.history.fired}};
  }
  if (report.incident) j["incident"] = IncidentToJson(*report.incident);
  if (!report.incidents.empty()) {
    json recent = json::array();
    for (const auto& d : report.incidents) recent.push_back(DigestToJson(d));
    j["recent_incidents"] = std::move(recent);
    const auto today = IncidentsToday(
        report.incidents,
        std::chrono::floor<std::chrono::seconds>(report.started_at.time_since_epoch()).count(),
        report.local_offset_s);
    if (!today.empty()) {
      j["incident_line"] = {
          {"zh-CN", MerchantIncidentLine(today, report.local_offset_s, rules::Lang::kZhCn)},
          {"en", MerchantIncidentLine(today, report.local_offset_s, rules::Lang::kEn)}};
    }
  }
  CleanStrings(j);
  return j;
}

std::string RenderJson(const Report& report) {
  std::string text =
      ReportToJson(report).dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
  text += '\n';
  return text;
}

}  // namespace posdiag::agent
