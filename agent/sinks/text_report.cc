#include "agent/sinks/text_report.h"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "agent/sinks/incidents.h"
#include "agent/sinks/text_util.h"
#include "drivers/base/time_format.h"

namespace posdiag::agent {
namespace {

// "Remedy:" on a line of its own, without the space that follows a colon inside a line.
std::string Heading(std::string_view word, std::string_view colon) {
  std::string out(word);
  out += colon;
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

using rules::Lang;

// Every fixed word of the text report, once per language.
struct Words {
  std::string_view colon;
  std::string_view open_paren;
  std::string_view close_paren;
  std::string_view report_id;
  std::string_view level;
  std::string_view status;
  std::string_view time;
  std::string_view all_clear;
  std::string_view could_not_complete;
  std::string_view incomplete;       // "<incomplete><colon>check, check": could not complete
  std::string_view incomplete_step;  // what the merchant does about it
  std::string_view list_separator;
  std::string_view findings;
  std::string_view none;
  std::string_view remedy;
  std::string_view evidence;
  std::string_view hides;
  std::string_view suppressed_elsewhere;
  std::string_view suppressed_by;
  std::string_view probes;
  std::string_view facts;
  std::string_view missing;
  std::string_view not_evaluated;
  std::string_view rule_errors;
  std::string_view sink_errors;
  std::string_view history;
  std::string_view no_history;
  std::string_view fired_before;  // "<rule>: <before> N <middle> M <after>"
  std::string_view fired_middle;
  std::string_view fired_after;
  std::string_view nothing_fired;
  std::string_view config;
  std::string_view rules_evaluated;
};

constexpr Words kZh{
    .colon = "：",
    .open_paren = "（",
    .close_paren = "）",
    .report_id = "报告编号",
    .level = "级别",
    .status = "状态",
    .time = "时间",
    .all_clear = "未发现故障",
    .could_not_complete = "无法完成检测：没有任何检测项得到测量结果",
    .incomplete = "部分检测未完成",
    .incomplete_step = "请重启终端后再检测一次；如仍未完成，请将报告编号告知客服",
    .list_separator = "、",
    .findings = "故障",
    .none = "（无）",
    .remedy = "处理步骤",
    .evidence = "依据",
    .hides = "由此引起（已抑制）",
    .suppressed_elsewhere = "已抑制的症状",
    .suppressed_by = "根因",
    .probes = "检测项",
    .facts = "测量结果",
    .missing = "未能测量",
    .not_evaluated = "未评估的规则",
    .rule_errors = "规则文件错误",
    .sink_errors = "输出错误",
    .history = "近期历史",
    .no_history = "没有以往的报告",
    .fired_before = "最近 ",
    .fired_middle = " 份报告中出现 ",
    .fired_after = " 次",
    .nothing_fired = "以往的报告中没有任何规则触发",
    .config = "配置",
    .rules_evaluated = "已评估规则数",
};

constexpr Words kEn{
    .colon = ": ",
    .open_paren = " (",
    .close_paren = ")",
    .report_id = "Report ID",
    .level = "Level",
    .status = "Status",
    .time = "Time",
    .all_clear = "All clear: no faults found",
    .could_not_complete = "Could not complete: no check measured anything",
    .incomplete = "Some checks could not be completed",
    .incomplete_step =
        "Restart the terminal and run the check again; if this persists, call support with the "
        "report ID",
    .list_separator = ", ",
    .findings = "Findings",
    .none = "(none)",
    .remedy = "Remedy",
    .evidence = "Evidence",
    .hides = "Causes (suppressed)",
    .suppressed_elsewhere = "Suppressed symptoms",
    .suppressed_by = "root cause",
    .probes = "Probes",
    .facts = "Facts",
    .missing = "Facts not measured",
    .not_evaluated = "Rules not evaluated",
    .rule_errors = "Rule file errors",
    .sink_errors = "Sink errors",
    .history = "Recent history",
    .no_history = "no earlier reports",
    .fired_before = "",
    .fired_middle = " of the last ",
    .fired_after = " reports",
    .nothing_fired = "no rule fired in the earlier reports",
    .config = "Config",
    .rules_evaluated = "Rules evaluated",
};

const Words& WordsFor(Lang lang) { return lang == Lang::kEn ? kEn : kZh; }

class Writer {
 public:
  explicit Writer(Lang lang) : lang_(lang), w_(WordsFor(lang)) {}

  const Words& w() const { return w_; }
  Lang lang() const { return lang_; }

  // One line; every piece of report data goes through DisplayText so it cannot break the line.
  void Line(std::string_view indent, std::string_view text) {
    out_ += indent;
    out_ += text;
    out_ += '\n';
  }
  void Section(std::string_view title) {
    out_ += "== ";
    out_ += title;
    out_ += " ==\n";
  }
  void Section(std::string_view title, std::size_t count) {
    Section(std::string(title) + " (" + std::to_string(count) + ")");
  }
  std::string Take() { return std::move(out_); }

 private:
  Lang lang_;
  const Words& w_;
  std::string out_;
};

std::string ValueText(const rules::FactValue& value) {
  if (const auto* s = std::get_if<std::string>(&value)) return "\"" + DisplayText(*s) + "\"";
  return rules::FactValueToString(value);
}

std::string ValueWithUnit(const rules::FactValue& value, std::string_view unit) {
  std::string s = ValueText(value);
  if (!unit.empty()) {
    s += ' ';
    s += DisplayText(unit);
  }
  return s;
}

std::string Parenthesized(const Words& w, std::string_view inner) {
  std::string s(w.open_paren);
  s += inner;
  s += w.close_paren;
  return s;
}

// "[E1] Battery low — Plug in the power adapter (error)"
std::string SummaryLine(const rules::Finding& f, Lang lang) {
  std::string line = "[" + DisplayText(f.code) + "] " + DisplayText(f.title.In(lang));
  const auto& steps = f.remedy.In(lang);
  if (!steps.empty()) line += " — " + DisplayText(steps.front());
  line += Parenthesized(WordsFor(lang), SeverityWord(f.severity, lang));
  return line;
}

void Header(const Report& report, Writer& out) {
  const Words& w = out.w();
  out.Line("", std::string(w.report_id) + std::string(w.colon) + DisplayText(report.report_id));
  std::string line(w.level);
  line += w.colon;
  line += LevelWord(report.level, out.lang());
  line += "  ";
  line += w.status;
  line += w.colon;
  line += StatusWord(report.status, out.lang());
  line += "  ";
  line += w.time;
  line += w.colon;
  line += FormatLocalTime(report.started_at);
  out.Line("", line);
}

void Summary(const Report& report, Writer& out) {
  const Words& w = out.w();
  const auto findings = BySeverity(report.evaluation.findings);
  for (const rules::Finding* f : findings) out.Line("", SummaryLine(*f, out.lang()));
  if (!findings.empty()) return;
  if (!AnythingMeasured(report.probes)) {
    out.Line("", w.could_not_complete);
  } else if (report.status != RunStatus::kUnknown) {
    out.Line("", w.all_clear);
  }  // else: the incomplete checks say why it is not clear
}

// The checks that could not complete, by name, and what the merchant does: never an "all clear".
void IncompleteNote(const Report& report, Writer& out) {
  const auto incomplete = IncompleteChecks(report);
  if (incomplete.empty() || !AnythingMeasured(report.probes)) return;
  const Words& w = out.w();
  std::string names;
  for (const ProbeOutcome* p : incomplete) {
    if (!names.empty()) names += w.list_separator;
    names += DisplayText(p->title.In(out.lang()).empty() ? p->name : p->title.In(out.lang()));
  }
  out.Line("", std::string(w.incomplete) + std::string(w.colon) + names);
  out.Line("  ", w.incomplete_step);
}

void SuppressedLine(const rules::Finding& s, Writer& out, bool name_root) {
  std::string line = "[" + DisplayText(s.code) + "] " + DisplayText(s.rule) + " " +
                     DisplayText(s.title.In(out.lang()));
  line += Parenthesized(out.w(), SeverityWord(s.severity, out.lang()));
  if (name_root) {
    line += " — " + std::string(out.w().suppressed_by) + std::string(out.w().colon) +
            DisplayText(s.suppressed_by);
  }
  out.Line("    ", line);
}

void FindingDetails(const Report& report, Writer& out) {
  const Words& w = out.w();
  const Lang lang = out.lang();
  const auto findings = BySeverity(report.evaluation.findings);
  const auto suppressed = BySeverity(report.evaluation.suppressed);
  std::set<const rules::Finding*> shown;

  out.Section(w.findings, findings.size());
  if (findings.empty()) out.Line("  ", w.none);
  for (const rules::Finding* f : findings) {
    out.Line("", "[" + DisplayText(f->code) + "] " + DisplayText(f->rule) + "  " +
                     std::string(SeverityWord(f->severity, lang)) + "  " +
                     DisplayText(f->component));
    out.Line("  ", DisplayText(f->title.In(lang)));
    const auto& steps = f->remedy.In(lang);
    if (!steps.empty()) {
      out.Line("  ", Heading(w.remedy, w.colon));
      for (std::size_t i = 0; i < steps.size(); ++i) {
        out.Line("    ", std::to_string(i + 1) + ". " + DisplayText(steps[i]));
      }
    }
    if (!f->evidence.empty()) {
      out.Line("  ", Heading(w.evidence, w.colon));
      for (const auto& [name, value] : f->evidence) {
        const rules::Fact* fact = report.facts.Find(name);
        out.Line("    ", DisplayText(name) + " = " +
                             ValueWithUnit(value, fact != nullptr ? fact->unit : ""));
      }
    }
    // Symptoms this root cause hides: named by the root (transitively) or naming it.
    std::vector<const rules::Finding*> hidden;
    for (const rules::Finding* s : suppressed) {
      const bool listed =
          std::find(f->suppressed.begin(), f->suppressed.end(), s->rule) != f->suppressed.end();
      if ((listed || s->suppressed_by == f->rule) && !shown.contains(s)) hidden.push_back(s);
    }
    if (!hidden.empty()) {
      out.Line("  ", Heading(w.hides, w.colon));
      for (const rules::Finding* s : hidden) {
        SuppressedLine(*s, out, false);
        shown.insert(s);
      }
    }
  }
  // A symptom whose root cause is not among the findings still belongs in the report.
  std::vector<const rules::Finding*> orphans;
  for (const rules::Finding* s : suppressed) {
    if (!shown.contains(s)) orphans.push_back(s);
  }
  if (!orphans.empty()) {
    out.Section(w.suppressed_elsewhere, orphans.size());
    for (const rules::Finding* s : orphans) SuppressedLine(*s, out, true);
  }
}

void Probes(const Report& report, Writer& out) {
  out.Section(out.w().probes, report.probes.size());
  if (report.probes.empty()) out.Line("  ", out.w().none);
  std::size_t width = 0;
  for (const auto& p : report.probes) width = std::max(width, p.name.size());
  for (const auto& p : report.probes) {
    std::string line = DisplayText(p.name);
    line.resize(std::max(line.size(), width), ' ');
    line += "  ";
    line += ProbeStatusWord(p.status, out.lang());
    line += "  " + std::to_string(p.duration.count()) + " ms";
    if (!p.error.empty()) line += "  " + DisplayText(p.error);
    if (!p.unmeasured.empty()) line += "  " + DisplayText(p.unmeasured);
    out.Line("  ", line);
  }
}

void Facts(const Report& report, Writer& out) {
  const Words& w = out.w();
  out.Section(w.facts, report.facts.facts().size());
  if (report.facts.facts().empty()) out.Line("  ", w.none);
  for (const auto& [name, fact] : report.facts.facts()) {
    std::string line = DisplayText(name) + " = " + ValueWithUnit(fact.value, fact.unit);
    if (!fact.probe.empty()) line += "  [" + DisplayText(fact.probe) + "]";
    out.Line("  ", line);
  }
  if (!report.facts.missing().empty()) {
    out.Section(w.missing, report.facts.missing().size());
    for (const auto& [name, m] : report.facts.missing()) {
      std::string line = DisplayText(name) + std::string(w.colon) + DisplayText(m.reason);
      if (!m.probe.empty()) line += "  [" + DisplayText(m.probe) + "]";
      out.Line("  ", line);
    }
  }
}

void Problems(const Report& report, Writer& out) {
  const Words& w = out.w();
  const auto& not_evaluated = report.evaluation.not_evaluated;
  if (!not_evaluated.empty()) {
    out.Section(w.not_evaluated, not_evaluated.size());
    for (const auto& n : not_evaluated) {
      out.Line("  ", DisplayText(n.rule) + std::string(w.colon) + DisplayText(n.reason));
    }
  }
  if (!report.rule_errors.empty()) {
    out.Section(w.rule_errors, report.rule_errors.size());
    for (const auto& e : report.rule_errors) out.Line("  ", DisplayText(e));
  }
  if (!report.sink_errors.empty()) {
    out.Section(w.sink_errors, report.sink_errors.size());
    for (const auto& e : report.sink_errors) out.Line("  ", DisplayText(e));
  }
}

void History(const Report& report, Writer& out) {
  const Words& w = out.w();
  const RuleFrequency& h = report.history;
  out.Section(w.history);
  if (h.reports == 0) {
    out.Line("  ", w.no_history);
    return;
  }
  if (h.fired.empty()) {
    out.Line("  ", w.nothing_fired);
    return;
  }
  // Most frequent first: the recurring faults are what an engineer looks for.
  std::vector<std::pair<std::string, std::size_t>> rows(h.fired.begin(), h.fired.end());
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [rule, count] : rows) {
    std::string line = DisplayText(rule) + std::string(w.colon) + std::string(w.fired_before);
    if (out.lang() == Lang::kEn) {
      line += std::to_string(count) + std::string(w.fired_middle) + std::to_string(h.reports);
    } else {
      line += std::to_string(h.reports) + std::string(w.fired_middle) + std::to_string(count);
    }
    line += w.fired_after;
    out.Line("  ", line);
  }
}

// An incident report: the failed payment it is about (never a card number).
void IncidentBlock(const Report& report, Writer& out) {
  if (!report.incident) return;
  const IncidentInfo& i = *report.incident;
  const bool en = out.lang() == Lang::kEn;
  std::string line =
      std::string(en ? "Incident: payment failed with " : "故障记录：交易失败，应答码 ") +
      DisplayText(i.code) + (en ? " at " : "，时间 ") + FormatRfc3339UtcSeconds(i.time_s);
  if (!i.type.empty()) line += (en ? ", " : "，") + DisplayText(i.type);
  if (!i.amount_band.empty()) {
    line += std::string(en ? ", amount " : "，金额 ") + DisplayText(i.amount_band);
  }
  if (i.local) line += en ? " (a failure on the terminal)" : "（终端本地故障）";
  out.Line("", line);
  if (i.failures > 1) {
    out.Line("", std::string(en ? "  covers " : "  共 ") + std::to_string(i.failures) +
                     (en ? " failed payments, " : " 笔失败交易，") +
                     FormatRfc3339UtcSeconds(i.first_s) + " – " +
                     FormatRfc3339UtcSeconds(i.last_s));
  }
}

// After incidents today, the line the merchant reads (the key's result).
void IncidentLine(const Report& report, Writer& out) {
  if (report.incidents.empty() || report.level == Level::kBoot) return;
  const auto now_s =
      std::chrono::floor<std::chrono::seconds>(report.started_at.time_since_epoch()).count();
  const std::string line =
      MerchantIncidentLine(IncidentsToday(report.incidents, now_s, report.local_offset_s),
                           report.local_offset_s, out.lang());
  if (!line.empty()) out.Line("", DisplayText(line));
}

// The engineer's view of the recorder: the last incidents with their root causes, and failures
// per hour over the last day with what was broken at each.
void Incidents(const Report& report, Writer& out) {
  const bool en = out.lang() == Lang::kEn;
  out.Section(en ? "Recent incidents" : "近期故障记录", report.incidents.size());
  if (report.incidents.empty()) {
    out.Line("  ", en ? "no failed payments recorded" : "没有记录到失败的交易");
    return;
  }
  for (const auto& d : report.incidents) {
    std::string causes;
    for (const auto& c : d.causes) {
      if (!causes.empty()) causes += ", ";
      causes += DisplayText(c.code) + " " + DisplayText(c.rule);
    }
    out.Line("  ", FormatRfc3339UtcSeconds(d.last_s) + "  " + DisplayText(d.report_id) + "  " +
                       DisplayText(d.code) + " x" + std::to_string(d.failures) + "  " +
                       (causes.empty() ? (en ? "nothing found on the terminal" : "终端未发现故障")
                                       : causes));
  }
  const auto now_s =
      std::chrono::floor<std::chrono::seconds>(report.started_at.time_since_epoch()).count();
  out.Line("  ",
           en ? "Failures per hour, last 24 h (UTC):" : "最近 24 小时每小时失败笔数（UTC）：");
  for (const TrendHour& h : FailureTrend(report.incidents, now_s)) {
    std::string causes;
    for (const auto& c : h.causes) causes += (causes.empty() ? "" : ", ") + DisplayText(c);
    out.Line("    ", FormatRfc3339UtcSeconds(h.start_s).substr(0, 13) + "h  " +
                         std::to_string(h.failures) + "  " + (causes.empty() ? "-" : causes));
  }
}

}  // namespace

std::string_view LevelWord(Level level, Lang lang) {
  const bool en = lang == Lang::kEn;
  switch (level) {
    case Level::kBoot:
      return en ? "boot" : "开机";
    case Level::kMerchant:
      return en ? "merchant" : "商户";
    case Level::kEngineer:
      return en ? "engineer" : "工程师";
  }
  return en ? "boot" : "开机";
}

std::string_view StatusWord(RunStatus status, Lang lang) {
  const bool en = lang == Lang::kEn;
  switch (status) {
    case RunStatus::kOk:
      return en ? "ok" : "正常";
    case RunStatus::kWarning:
      return en ? "warning" : "警告";
    case RunStatus::kError:
      return en ? "error" : "错误";
    case RunStatus::kCritical:
      return en ? "critical" : "严重";
    case RunStatus::kUnknown:
      return en ? "unknown" : "未知";
  }
  return en ? "unknown" : "未知";
}

std::string_view SeverityWord(rules::Severity severity, Lang lang) {
  const bool en = lang == Lang::kEn;
  switch (severity) {
    case rules::Severity::kInfo:
      return en ? "info" : "提示";
    case rules::Severity::kWarning:
      return en ? "warning" : "警告";
    case rules::Severity::kError:
      return en ? "error" : "错误";
    case rules::Severity::kCritical:
      return en ? "critical" : "严重";
  }
  return en ? "error" : "错误";
}

std::string_view ProbeStatusWord(ProbeStatus status, Lang lang) {
  const bool en = lang == Lang::kEn;
  switch (status) {
    case ProbeStatus::kOk:
      return en ? "ok" : "正常";
    case ProbeStatus::kUnsupported:
      return en ? "unsupported" : "不支持";
    case ProbeStatus::kNotConfigured:
      return en ? "not configured" : "未配置";
    case ProbeStatus::kError:
      return en ? "error" : "出错";
    case ProbeStatus::kTimeout:
      return en ? "timeout" : "超时";
    case ProbeStatus::kSkipped:
      return en ? "skipped" : "跳过";
  }
  return en ? "error" : "出错";
}

std::vector<const rules::Finding*> BySeverity(const std::vector<rules::Finding>& findings) {
  std::vector<const rules::Finding*> sorted;
  sorted.reserve(findings.size());
  for (const auto& f : findings) sorted.push_back(&f);
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    return static_cast<int>(a->severity) > static_cast<int>(b->severity);
  });
  return sorted;
}

std::string RenderText(const Report& report, Lang lang) {
  Writer out(lang);
  Header(report, out);
  IncidentBlock(report, out);
  IncidentLine(report, out);
  Summary(report, out);
  IncompleteNote(report, out);
  if (report.level != Level::kEngineer) return out.Take();
  out.Line("", "");
  FindingDetails(report, out);
  Probes(report, out);
  Facts(report, out);
  Problems(report, out);
  History(report, out);
  Incidents(report, out);
  const Words& w = out.w();
  out.Section(w.config);
  out.Line("  ", std::string(w.config) + std::string(w.colon) + DisplayText(report.config_source));
  out.Line("  ", std::string(w.rules_evaluated) + std::string(w.colon) +
                     std::to_string(report.evaluation.rules_evaluated));
  return out.Take();
}

}  // namespace posdiag::agent
