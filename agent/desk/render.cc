#include "agent/desk/render.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "agent/report.h"
#include "agent/sinks/text_report.h"
#include "agent/sinks/text_util.h"
#include "drivers/base/time_format.h"

namespace posdiag::desk {
namespace {

using json = nlohmann::json;

std::string MsTime(std::int64_t ms) {
  return FormatRfc3339Utc(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
}

std::string Joined(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += agent::DisplayText(item);
  }
  return out;
}

// Display width of UTF-8 text, counting every code point as one column (IDs and codes are ASCII).
std::size_t Width(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], Width(row[i]));
  }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - Width(row[i]) + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string StateWord(const TerminalRow& t) { return t.state.empty() ? "no-status" : t.state; }

agent::RunStatus RunStatusFrom(std::string_view name) {
  for (auto s : {agent::RunStatus::kOk, agent::RunStatus::kWarning, agent::RunStatus::kError,
                 agent::RunStatus::kCritical}) {
    if (agent::RunStatusName(s) == name) return s;
  }
  return agent::RunStatus::kUnknown;
}

std::string LocalizedText(const json& j, rules::Lang lang) {
  if (j.is_string()) return j.get<std::string>();
  if (!j.is_object()) return {};
  const auto it = j.find(std::string(rules::LangTag(lang)));
  if (it != j.end() && it->is_string()) return it->get<std::string>();
  const auto en = j.find("en");
  return en != j.end() && en->is_string() ? en->get<std::string>() : std::string();
}

std::string StringAt(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? agent::DisplayText(it->get<std::string>())
                                          : std::string();
}

struct Words {
  const char* report;
  const char* terminal;
  const char* kind;
  const char* level;
  const char* status;
  const char* started;
  const char* duration;
  const char* received;
  const char* findings;
  const char* remedy;
  const char* none;
  const char* not_clear;
  const char* incomplete;
  const char* colon;
};

constexpr Words kEn{"Report",
                    "terminal",
                    "kind",
                    "level",
                    "status",
                    "started",
                    "duration",
                    "received",
                    "Findings",
                    "what to do",
                    "No problems found.",
                    "Not every check could complete: the terminal is NOT known to be clear.",
                    "Checks that could not complete",
                    ": "};
constexpr Words kZh{
    "报告",           "终端",     "来源",         "级别",
    "状态",           "开始",     "耗时",         "收到",
    "发现的问题",     "处理办法", "未发现问题。", "有检查未能完成：不能认为终端正常。",
    "未能完成的检查", "："};

}  // namespace

std::string RenderTerminalsText(const std::vector<TerminalRow>& rows) {
  if (rows.empty()) return "no terminals yet\n";
  std::vector<std::vector<std::string>> table{
      {"TERMINAL", "STATE", "LAST SEEN", "STATUS", "CODES", "REPORT", "REPORT TIME", "OUTBOX"}};
  bool any_unknown = false;
  for (const auto& t : rows) {
    std::vector<std::string> row{agent::DisplayText(t.terminal_id), StateWord(t)};
    row.push_back(t.last_seen_ms ? MsTime(*t.last_seen_ms)
                                 : (t.state_time.empty() ? "-" : t.state_time));
    if (t.last) {
      // Only the contract's words pass; anything else is shown as what it means: unknown.
      const std::string status =
          ValidRunStatus(t.last->status) ? t.last->status : std::string("unknown");
      any_unknown = any_unknown || status == "unknown";
      row.push_back(status);
      row.push_back(t.last->codes.empty() ? "-" : Joined(t.last->codes, ","));
      row.push_back(agent::DisplayText(t.last->report_id));
      row.push_back(t.last->time.empty() ? "-" : agent::DisplayText(t.last->time));
    } else {
      row.insert(row.end(), {"no-report", "-", "-", "-"});
    }
    std::string outbox = "-";
    if (t.outbox_pending || t.outbox_dropped) {
      outbox = std::to_string(t.outbox_pending.value_or(0)) + " pending";
      if (t.outbox_dropped.value_or(0) > 0) {
        outbox += ", " + std::to_string(*t.outbox_dropped) + " dropped";
      }
    }
    row.push_back(outbox);
    table.push_back(std::move(row));
  }
  std::string out = Table(table);
  if (any_unknown) {
    out += "unknown: a check could not complete; the terminal is not known to be clear\n";
  }
  return out;
}

std::string RenderTerminalsJson(const std::vector<TerminalRow>& rows) {
  json terminals = json::array();
  for (const auto& t : rows) {
    json j{{"terminal_id", t.terminal_id},
           {"state", t.state.empty() ? json(nullptr) : json(t.state)},
           {"state_time", t.state_time.empty() ? json(nullptr) : json(t.state_time)},
           {"last_seen", t.last_seen_ms ? json(MsTime(*t.last_seen_ms)) : json(nullptr)},
           {"reports", t.reports}};
    if (t.last) {
      j["last"] = {{"report_id", t.last->report_id},
                   {"level", t.last->level},
                   {"status", ValidRunStatus(t.last->status) ? t.last->status : "unknown"},
                   {"codes", t.last->codes},
                   {"time", t.last->time}};
    } else {
      j["last"] = nullptr;
    }
    if (t.outbox_pending || t.outbox_dropped) {
      j["outbox"] = {{"pending", t.outbox_pending.value_or(0)},
                     {"dropped", t.outbox_dropped.value_or(0)}};
    } else {
      j["outbox"] = nullptr;
    }
    terminals.push_back(std::move(j));
  }
  return json{{"schema", "posdiag.fleet-list/1"}, {"terminals", std::move(terminals)}}.dump(
             2, ' ', false, json::error_handler_t::replace) +
         "\n";
}

std::string RenderReportText(const StoredReport& stored, rules::Lang lang) {
  const Words& w = lang == rules::Lang::kEn ? kEn : kZh;
  const ReportRecord& r = stored.record;
  const json j = json::parse(r.json, nullptr, false);
  const agent::RunStatus status = RunStatusFrom(r.status);
  agent::Level level = agent::Level::kBoot;
  const bool level_known = agent::ParseLevel(r.level, level);

  std::string out;
  out += std::string(w.report) + " " + r.report_id + "\n";
  out += std::string(w.terminal) + w.colon + agent::DisplayText(r.terminal_id);
  if (!r.kind.empty()) out += "  " + std::string(w.kind) + w.colon + r.kind;
  out += "  " + std::string(w.level) + w.colon +
         (level_known ? std::string(agent::LevelWord(level, lang)) : r.level);
  out += "  " + std::string(w.status) + w.colon + std::string(agent::StatusWord(status, lang));
  out += "\n";
  out += std::string(w.started) + w.colon + (r.started_at.empty() ? "-" : r.started_at);
  if (j.is_object() && j.contains("duration_ms") && j["duration_ms"].is_number_integer()) {
    out += "  " + std::string(w.duration) + w.colon +
           std::to_string(j["duration_ms"].get<std::int64_t>()) + " ms";
  }
  if (stored.received_ms > 0) {
    out += "  " + std::string(w.received) + w.colon + MsTime(stored.received_ms);
  }
  out += "\n";

  const json findings = j.is_object() && j.contains("findings") && j["findings"].is_array()
                            ? j["findings"]
                            : json::array();
  if (!findings.empty()) {
    out += "\n" + std::string(w.findings) + w.colon + "\n";
    for (const auto& f : findings) {
      if (!f.is_object()) continue;
      std::string line = "  " + StringAt(f, "code");
      line += "  " + agent::DisplayText(LocalizedText(f.value("title", json()), lang));
      rules::Severity severity;
      const std::string sev = StringAt(f, "severity");
      line +=
          "  (" +
          (rules::ParseSeverity(sev, severity) ? std::string(agent::SeverityWord(severity, lang))
                                               : sev) +
          ", " + StringAt(f, "rule") + ")";
      out += line + "\n";
      const json remedy = f.value("remedy", json());
      json steps =
          remedy.is_object() ? remedy.value(std::string(rules::LangTag(lang)), json()) : json();
      if (steps.is_array() && !steps.empty()) {
        out += "    " + std::string(w.remedy) + w.colon + "\n";
        int n = 0;
        for (const auto& step : steps) {
          if (step.is_string()) {
            out += "      " + std::to_string(++n) + ". " +
                   agent::DisplayText(step.get<std::string>()) + "\n";
          }
        }
      }
    }
  }
  const json incomplete = j.is_object() && j.contains("incomplete") && j["incomplete"].is_array()
                              ? j["incomplete"]
                              : json::array();
  if (!incomplete.empty()) {
    out += "\n" + std::string(w.incomplete) + w.colon + "\n";
    for (const auto& p : incomplete) {
      if (!p.is_object()) continue;
      std::string line = "  " + StringAt(p, "probe");
      const std::string title = agent::DisplayText(LocalizedText(p.value("title", json()), lang));
      if (!title.empty()) line += " (" + title + ")";
      line += "  " + StringAt(p, "status");
      const std::string reason = StringAt(p, "reason");
      if (!reason.empty()) line += "  " + reason;
      out += line + "\n";
    }
  }
  if (status == agent::RunStatus::kUnknown) {
    out += "\n" + std::string(w.not_clear) + "\n";
  } else if (findings.empty()) {
    out += "\n" + std::string(w.none) + "\n";
  }
  return out;
}

std::string RenderReportJson(const StoredReport& stored) {
  json j = json::parse(stored.record.json, nullptr, false);
  if (!j.is_object()) j = json::object();
  j["received_at"] = MsTime(stored.received_ms);
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace posdiag::desk
