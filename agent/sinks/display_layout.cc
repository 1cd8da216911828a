#include "agent/sinks/display_layout.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

#include "agent/sinks/incidents.h"
#include "agent/sinks/text_report.h"
#include "agent/sinks/text_util.h"
#include "drivers/display/text.h"

namespace posdiag::agent {
namespace {

using drivers::display::CellWidth;
using drivers::display::DecodeUtf8;
using drivers::display::Truncate;
using drivers::display::Wrap;
using rules::Lang;

// The screens' own words, once per language.
struct ScreenWords {
  std::string_view checking;
  std::string_view done_before;  // "<before>3/8<after>"
  std::string_view done_after;
  std::string_view running;
  std::string_view finished;
  std::string_view wait;
  std::string_view report_id;
  std::string_view all_clear;
  std::string_view no_faults;
  std::string_view checks_before;  // "<before>N<after>": checks that measured
  std::string_view checks_after;
  std::string_view incomplete;  // "<incomplete>: check, check": configured checks not completed
  std::string_view incomplete_step;
  std::string_view separator;
  std::string_view colon;
  std::string_view could_not_complete;
  std::string_view nothing_measured;
  std::string_view findings_before;  // "<status> · <before>N<after>"
  std::string_view findings_after;
  std::string_view notice;
  std::string_view warning;  // the header's status word when there are findings
  std::string_view error;
  std::string_view critical;
};

constexpr ScreenWords kZh{
    .checking = "正在检测",
    .done_before = "已完成 ",
    .done_after = " 项",
    .running = "正在检测：",
    .finished = "检测完成",
    .wait = "请稍候…",
    .report_id = "报告编号 ",
    .all_clear = "未发现故障",
    .no_faults = "终端检测正常，未发现故障。",
    .checks_before = "已完成 ",
    .checks_after = " 项检测",
    .incomplete = "部分检测未完成",
    .incomplete_step = "请重启终端后再检测一次；如仍未完成，请将报告编号告知客服。",
    .separator = "、",
    .colon = "：",
    .could_not_complete = "无法完成检测",
    .nothing_measured = "没有任何检测项得到测量结果，请联系维修人员。",
    .findings_before = "",
    .findings_after = " 项",
    .notice = "提示",
    .warning = "提醒",
    .error = "故障",
    .critical = "严重故障",
};

constexpr ScreenWords kEn{
    .checking = "Checking",
    .done_before = "",
    .done_after = " done",
    .running = "Now: ",
    .finished = "Checks finished",
    .wait = "Please wait…",
    .report_id = "Report ID ",
    .all_clear = "All clear",
    .no_faults = "No faults found.",
    .checks_before = "",
    .checks_after = " checks done",
    .incomplete = "Some checks incomplete",
    .incomplete_step =
        "Restart the terminal and check again; if this persists, call support "
        "with the report ID.",
    .separator = ", ",
    .colon = ": ",
    .could_not_complete = "Could not complete",
    .nothing_measured = "No check measured anything; call for service.",
    .findings_before = "",
    .findings_after = " found",
    .notice = "Notice",
    .warning = "Warning",
    .error = "Fault",
    .critical = "Critical fault",
};

const ScreenWords& WordsFor(Lang lang) { return lang == Lang::kEn ? kEn : kZh; }

std::u32string U(std::string_view utf8) { return DecodeUtf8(utf8); }

// Report data may come from devices and site rule files: one safe line, card data redacted.
std::u32string Safe(std::string_view text) { return DecodeUtf8(DisplayText(text)); }

std::string Num(std::size_t n) { return std::to_string(n); }

int BodyRows(Cells size) { return std::max(size.rows - 2, 1); }

LayoutLine Text(std::u32string text, Tone tone = Tone::kPlain, int indent = 0) {
  LayoutLine line;
  line.text = std::move(text);
  line.tone = tone;
  line.indent = indent;
  return line;
}

// One finding: its code as a coloured tag, the title on up to two rows, the first remedy on
// up to two rows in the secondary colour.
std::vector<LayoutLine> FindingBlock(const rules::Finding& f, Lang lang, Cells size) {
  const int width = std::max(size.columns - kTagColumnCells, 1);
  std::vector<LayoutLine> block;
  const auto title = Wrap(Safe(f.title.In(lang)), width, 2);
  for (std::size_t i = 0; i < title.size(); ++i) {
    LayoutLine line = Text(title[i]);
    if (i == 0) {
      line.tag = Truncate(Safe(f.code), kTagColumnCells - 3);
      line.tag_tone = ToneFor(f.severity);
    }
    line.indent = kTagColumnCells;
    block.push_back(std::move(line));
  }
  const auto& steps = f.remedy.In(lang);
  if (!steps.empty()) {
    for (auto& row : Wrap(Safe(steps.front()), width, 2)) {
      block.push_back(Text(std::move(row), Tone::kDim, kTagColumnCells));
    }
  }
  if (block.empty()) {
    LayoutLine line;
    line.tag = Safe(f.code);
    line.tag_tone = ToneFor(f.severity);
    line.indent = kTagColumnCells;
    block.push_back(std::move(line));
  }
  return block;
}

// Unknown because a configured check could not complete, not because nothing could be measured.
bool Incomplete(const Report& report) {
  return report.status == RunStatus::kUnknown && AnythingMeasured(report.probes);
}

std::u32string StatusHeader(const Report& report, std::size_t findings, Lang lang) {
  const ScreenWords& w = WordsFor(lang);
  if (report.status == RunStatus::kUnknown && !Incomplete(report)) {
    return U(w.could_not_complete);
  }
  if (findings == 0) return U(Incomplete(report) ? w.incomplete : w.all_clear);
  std::string text(report.status == RunStatus::kCritical  ? w.critical
                   : report.status == RunStatus::kWarning ? w.warning
                   : Incomplete(report)                   ? w.incomplete
                                                          : w.error);
  text += " · ";
  text += w.findings_before;
  text += Num(findings);
  text += w.findings_after;
  return U(text);
}

std::u32string Footer(const Report& report, Lang lang, Cells size) {
  return Truncate(U(WordsFor(lang).report_id) + Safe(report.report_id), size.columns);
}

// The checks that could not complete, by name, and the merchant's step: amber, never "all clear".
std::vector<LayoutLine> IncompleteBlock(const Report& report, Lang lang, Cells size) {
  const ScreenWords& w = WordsFor(lang);
  std::vector<LayoutLine> block;
  std::string names;
  for (const ProbeOutcome* p : IncompleteChecks(report)) {
    if (!names.empty()) names += w.separator;
    names += p->title.In(lang).empty() ? p->name : p->title.In(lang);
  }
  if (names.empty()) return block;
  for (auto& row : Wrap(U(std::string(w.incomplete)) + U(std::string(w.colon)) + Safe(names),
                        size.columns, 2)) {
    block.push_back(Text(std::move(row), Tone::kWarning));
  }
  for (auto& row : Wrap(U(w.incomplete_step), size.columns, 3)) {
    block.push_back(Text(std::move(row), Tone::kPlain));
  }
  return block;
}

// The body of a report without findings: all clear, could not complete, or some checks
// incomplete.
std::vector<LayoutLine> NoFindingsBody(const Report& report, Lang lang, Cells size) {
  const ScreenWords& w = WordsFor(lang);
  std::vector<LayoutLine> body;
  body.push_back(Text({}));
  if (!AnythingMeasured(report.probes)) {
    for (auto& row : Wrap(U(w.nothing_measured), size.columns, 3)) {
      body.push_back(Text(std::move(row), Tone::kPlain));
    }
    return body;
  }
  if (report.status != RunStatus::kUnknown) {
    for (auto& row : Wrap(U(w.no_faults), size.columns, 3)) {
      body.push_back(Text(std::move(row), Tone::kOk));
    }
    const auto measured =
        std::count_if(report.probes.begin(), report.probes.end(),
                      [](const ProbeOutcome& p) { return p.status == ProbeStatus::kOk; });
    body.push_back(Text({}));
    body.push_back(
        Text(Truncate(U(std::string(w.checks_before) + Num(static_cast<std::size_t>(measured)) +
                        std::string(w.checks_after)),
                      size.columns),
             Tone::kDim));
  }
  for (auto& line : IncompleteBlock(report, lang, size)) body.push_back(std::move(line));
  return body;
}

}  // namespace

Tone ToneFor(RunStatus status) {
  switch (status) {
    case RunStatus::kOk:
      return Tone::kOk;
    case RunStatus::kWarning:
      return Tone::kWarning;
    case RunStatus::kError:
    case RunStatus::kCritical:
      return Tone::kError;
    case RunStatus::kUnknown:
      return Tone::kUnknown;
  }
  return Tone::kUnknown;
}

Tone ToneFor(rules::Severity severity) {
  switch (severity) {
    case rules::Severity::kInfo:
      return Tone::kInfo;
    case rules::Severity::kWarning:
      return Tone::kWarning;
    case rules::Severity::kError:
    case rules::Severity::kCritical:
      return Tone::kError;
  }
  return Tone::kError;
}

Page ProgressPage(const RunProgress& progress, Level level, Lang lang, Cells size) {
  const ScreenWords& w = WordsFor(lang);
  Page page;
  page.header_tone = Tone::kInfo;
  page.header = Truncate(U(std::string(w.checking) + " · " + std::string(LevelWord(level, lang))),
                         size.columns);
  page.body.push_back(Text({}));
  page.body.push_back(Text(Truncate(U(std::string(w.done_before) + Num(progress.done) + "/" +
                                      Num(progress.total) + std::string(w.done_after)),
                                    size.columns)));
  LayoutLine bar;
  bar.bar =
      progress.total == 0
          ? 0.0
          : std::min(1.0, static_cast<double>(progress.done) / static_cast<double>(progress.total));
  page.body.push_back(std::move(bar));
  const bool finished = progress.running.empty() && progress.done >= progress.total;
  const std::u32string now = finished ? U(w.finished) : U(w.running) + Safe(progress.running);
  page.body.push_back(Text(Truncate(now, size.columns), Tone::kDim));
  page.footer = Truncate(U(w.wait), size.columns);
  return page;
}

std::vector<Page> ReportPages(const Report& report, Lang lang, Cells size) {
  return ReportPages(report, lang, size, {size.columns, BodyRows(size)});
}

std::vector<Page> ReportPages(const Report& report, Lang lang, Cells size, Cells body) {
  const auto findings = BySeverity(report.evaluation.findings);
  const std::u32string header = StatusHeader(report, findings.size(), lang);
  const std::u32string footer = Footer(report, lang, size);
  const auto rows = static_cast<std::size_t>(std::clamp(body.rows, 1, BodyRows(size)));
  const Cells text{std::clamp(body.columns, 1, size.columns), size.rows};

  std::vector<std::vector<LayoutLine>> bodies;
  // After incidents today, the merchant reads first what happened then (up to three rows).
  std::vector<LayoutLine> incident_rows;
  if (report.level != Level::kBoot && !report.incidents.empty()) {
    const auto now_s =
        std::chrono::floor<std::chrono::seconds>(report.started_at.time_since_epoch()).count();
    const std::string line =
        MerchantIncidentLine(IncidentsToday(report.incidents, now_s, report.local_offset_s),
                             report.local_offset_s, lang);
    if (!line.empty()) {
      for (auto& row : Wrap(Safe(line), text.columns, std::min<std::size_t>(3, rows))) {
        incident_rows.push_back(Text(std::move(row), Tone::kWarning));
      }
    }
  }
  if (findings.empty()) {
    bodies.push_back(NoFindingsBody(report, lang, text));
    if (!incident_rows.empty()) {
      // In place of the blank row that opens the all-clear body.
      auto& first = bodies.back();
      if (!first.empty() && first.front().text.empty()) first.erase(first.begin());
      first.insert(first.begin(), incident_rows.begin(), incident_rows.end());
    }
  } else {
    bodies.emplace_back(incident_rows);
    for (const rules::Finding* f : findings) {
      auto block = FindingBlock(*f, lang, text);
      if (block.size() > rows) block.resize(rows);  // a screen too short even for one finding
      if (bodies.back().size() + block.size() > rows && !bodies.back().empty()) {
        bodies.emplace_back();
      }
      for (auto& line : block) bodies.back().push_back(std::move(line));
    }
    auto incomplete = IncompleteBlock(report, lang, text);
    if (!incomplete.empty()) {
      if (incomplete.size() > rows) incomplete.resize(rows);
      if (bodies.back().size() + incomplete.size() > rows) bodies.emplace_back();
      for (auto& line : incomplete) bodies.back().push_back(std::move(line));
    }
  }

  std::vector<Page> pages;
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    Page page;
    // Incomplete is amber like a warning: something needs attention, nothing is known broken.
    page.header_tone = Incomplete(report) ? Tone::kWarning : ToneFor(report.status);
    if (bodies.size() > 1) page.header_right = U(Num(i + 1) + "/" + Num(bodies.size()));
    const int room =
        size.columns - CellWidth(page.header_right) - (page.header_right.empty() ? 0 : 1);
    page.header = Truncate(header, room);
    if (bodies[i].size() > rows) bodies[i].resize(rows);
    page.body = std::move(bodies[i]);
    page.footer = footer;
    pages.push_back(std::move(page));
  }
  return pages;
}

Page MessagePage(std::string_view text, Lang lang, Cells size) {
  Page page;
  page.header_tone = Tone::kInfo;
  page.header = Truncate(U(WordsFor(lang).notice), size.columns);
  page.body.push_back(Text({}));
  const auto rows = static_cast<std::size_t>(std::max(BodyRows(size) - 1, 1));
  for (auto& row : Wrap(Safe(text), size.columns, rows)) page.body.push_back(Text(std::move(row)));
  return page;
}

}  // namespace posdiag::agent
