#include "agent/sinks/export.h"

#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string_view>
#include <variant>

#include "agent/sinks/text_report.h"
#include "agent/sinks/text_util.h"
#include "drivers/base/file.h"

namespace posdiag::agent {
namespace {

// A label value: backslash, double quote and newline escaped, card data never.
std::string Label(std::string_view text) {
  std::string out;
  for (char c : ValidUtf8(RedactCardData(text))) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

std::optional<double> Numeric(const rules::FactValue& value) {
  if (const auto* i = std::get_if<std::int64_t>(&value)) return static_cast<double>(*i);
  if (const auto* d = std::get_if<double>(&value)) return *d;
  return std::nullopt;
}

void Family(std::string& out, std::string_view name, std::string_view help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += " gauge\n";
}

constexpr std::array<RunStatus, 5> kStatuses{RunStatus::kOk, RunStatus::kWarning, RunStatus::kError,
                                             RunStatus::kCritical, RunStatus::kUnknown};

// The facts a person watching a terminal looks at first, as Nagios perfdata.
struct Perf {
  const char* fact;
  const char* label;
  const char* uom;  // Nagios units: s, %, B, c, or none
};
constexpr std::array<Perf, 7> kPerf{{
    {"power.battery.capacity_pct", "battery", "%"},
    {"modem.signal.dbm", "signal_dbm", ""},
    {"network.tls.days_to_expiry", "cert_days", ""},
    {"network.latency.median_ms", "latency_ms", ""},
    {"network.tcp.ms", "connect_ms", ""},
    {"system.storage.data.free_pct", "data_free", "%"},
    {"system.storage.log.free_pct", "log_free", "%"},
}};

}  // namespace

std::string RenderPrometheus(const Report& report) {
  std::string out;
  const std::string level(LevelName(report.level));
  Family(out, "posdiag_run_status",
         "1 for the status of the last run (unknown: a check could not complete)");
  for (RunStatus s : kStatuses) {
    out += "posdiag_run_status{level=\"" + level + "\",status=\"" + std::string(RunStatusName(s)) +
           "\"} " + (s == report.status ? "1" : "0") + "\n";
  }
  Family(out, "posdiag_run_exit_code", "posdiag's exit status for the last run (0-3)");
  out += "posdiag_run_exit_code " + std::to_string(ExitCodeFor(report)) + "\n";
  Family(out, "posdiag_run_timestamp_seconds", "when the last run started, Unix time");
  out += "posdiag_run_timestamp_seconds " +
         Number(std::chrono::duration<double>(report.started_at.time_since_epoch()).count()) + "\n";
  Family(out, "posdiag_run_duration_seconds", "how long the last run took");
  out += "posdiag_run_duration_seconds " +
         Number(std::chrono::duration<double>(report.duration).count()) + "\n";
  Family(out, "posdiag_run_info", "the last run's report ID and kind");
  out += "posdiag_run_info{report_id=\"" + Label(report.report_id) + "\",kind=\"" +
         Label(report.kind) + "\"} 1\n";

  Family(out, "posdiag_finding", "1 for each finding of the last run");
  for (const rules::Finding* f : BySeverity(report.evaluation.findings)) {
    out += "posdiag_finding{rule=\"" + Label(f->rule) + "\",code=\"" + Label(f->code) +
           "\",severity=\"" + std::string(rules::SeverityName(f->severity)) + "\",component=\"" +
           Label(f->component) + "\"} 1\n";
  }
  Family(out, "posdiag_findings", "how many findings the last run had");
  out += "posdiag_findings " + std::to_string(report.evaluation.findings.size()) + "\n";

  Family(out, "posdiag_probe_status", "1 for each probe's status in the last run");
  for (const ProbeOutcome& p : report.probes) {
    out += "posdiag_probe_status{probe=\"" + Label(p.name) + "\",status=\"" +
           std::string(ProbeStatusName(p.status)) + "\"} 1\n";
  }
  Family(out, "posdiag_probe_duration_seconds", "how long each probe took in the last run");
  for (const ProbeOutcome& p : report.probes) {
    out += "posdiag_probe_duration_seconds{probe=\"" + Label(p.name) + "\"} " +
           Number(std::chrono::duration<double>(p.duration).count()) + "\n";
  }
  Family(out, "posdiag_fact", "every numeric fact of the last run, by name and unit");
  for (const auto& [name, fact] : report.facts.facts()) {
    if (auto v = Numeric(fact.value)) {
      out += "posdiag_fact{name=\"" + Label(name) + "\",unit=\"" + Label(fact.unit) + "\"} " +
             Number(*v) + "\n";
    }
  }
  return out;
}

std::string RenderNagios(const Report& report) {
  static constexpr std::array<const char*, 4> kWords{"OK", "WARNING", "CRITICAL", "UNKNOWN"};
  const int code = ExitCodeFor(report);
  std::string line = std::string("POSDIAG ") + kWords[static_cast<std::size_t>(code)] + " - ";
  const auto findings = BySeverity(report.evaluation.findings);
  if (!findings.empty()) {
    for (std::size_t i = 0; i < findings.size(); ++i) {
      if (i > 0) line += "; ";
      line += findings[i]->code + " " + findings[i]->rule + ": " + findings[i]->title.en;
    }
  } else if (report.status == RunStatus::kUnknown) {
    line += "could not complete:";
    for (const ProbeOutcome* p : IncompleteChecks(report)) line += " " + p->name;
    if (IncompleteChecks(report).empty()) line += " nothing could be measured";
  } else {
    line += "all clear";
  }
  line += " (report " + report.report_id + ")";
  // A plugin's text ends at the first '|' or newline: neither may come from a title.
  for (char& c : line) {
    if (c == '|' || c == '\n' || c == '\r') c = ' ';
  }
  line = ValidUtf8(RedactCardData(line));
  line += " | duration=" + Number(std::chrono::duration<double>(report.duration).count()) + "s";
  line += " findings=" + std::to_string(report.evaluation.findings.size());
  for (const Perf& p : kPerf) {
    const rules::Fact* fact = report.facts.Find(p.fact);
    if (fact == nullptr) continue;
    if (auto v = Numeric(fact->value)) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%g", *v);
      line += std::string(" ") + p.label + "=" + buf + p.uom;
    }
  }
  return line + "\n";
}

Result<void> PrometheusSink::Write(const Report& report) {
  const std::filesystem::path path(path_);
  auto written = io::WriteFileAtomically(path.parent_path(), path.filename().string(),
                                         RenderPrometheus(report));
  if (!written) return written.error().Context("prometheus textfile");
  return Ok();
}

}  // namespace posdiag::agent
