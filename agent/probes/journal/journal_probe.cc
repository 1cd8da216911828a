#include "agent/probes/journal/journal_probe.h"

#include <chrono>
#include <string>
#include <utility>

#include "agent/fact_util.h"
#include "agent/probes/journal/journal_device.h"
#include "drivers/base/time_format.h"
#include "drivers/journal/journal_file.h"
#include "drivers/journal/journal_line.h"

namespace posdiag::agent::probes {
namespace {

namespace jr = drivers::journal;

constexpr const char* kLastFacts[] = {"journal.last.code", "journal.last.age_s",
                                      "journal.last.in_window", "journal.last.time"};

struct Parsed {
  std::vector<jr::Entry> entries;
  std::int64_t read = 0;
  std::int64_t bad = 0;
};

template <typename ParseLine>
Parsed ParseLines(const std::vector<std::string>& lines, std::size_t first, ParseLine parse) {
  Parsed p;
  for (std::size_t i = first; i < lines.size(); ++i) {
    ++p.read;
    auto entry = parse(lines[i]);
    if (entry) {
      p.entries.push_back(std::move(*entry));
    } else {
      ++p.bad;  // the reason is not kept: it could only describe card-holder data
    }
  }
  return p;
}

void WriteSummary(const Parsed& parsed, std::int64_t now_s, std::int64_t window_min,
                  FactWriter& out) {
  out.Set("journal.lines.read", parsed.read);
  out.Set("journal.lines.bad", parsed.bad);
  out.Set("journal.window.minutes", window_min, "min");
  const jr::Summary s = jr::Summarize(parsed.entries, now_s, window_min * 60);
  out.Set("journal.window.total", s.window_total);
  out.Set("journal.window.approved", s.window_approved);
  out.Set("journal.window.failed", s.window_failed);
  out.Set("journal.window.bank_side", s.window_bank_side);
  out.Set("journal.window.timeouts", s.window_timeouts);
  for (const auto& [code, count] : s.window_codes) {
    out.Set("journal.window.code." + FactSegment(code), count);
  }
  out.Set("journal.consecutive_failures", s.consecutive_failures);
  if (!s.last) {
    const std::string why = parsed.read == 0 ? "the journal has no transactions"
                                             : "no line of the journal's tail could be read";
    for (const char* name : kLastFacts) out.Missing(name, why);
    return;
  }
  out.Set("journal.last.code", s.last->code);
  out.Set("journal.last.time", FormatRfc3339UtcSeconds(s.last->epoch_s));
  out.Set("journal.last.age_s", now_s - s.last->epoch_s, "s");
  out.Set("journal.last.in_window", s.last_in_window);
  if (!s.last->type.empty()) out.Set("journal.last.type", s.last->type);
  if (s.last->amount) out.Set("journal.last.amount", *s.last->amount);
}

}  // namespace

std::vector<rules::FactSpec> JournalProbe::Facts() const {
  using rules::FactType;
  return rules::MakeFacts({
      {"journal.path", FactType::kText, "", "[journal] path"},
      {"journal.format", FactType::kText, "", "[journal] format: jsonl or csv"},
      {"journal.lines.read", FactType::kInt, "", "transaction lines read from the journal's tail"},
      {"journal.lines.bad", FactType::kInt, "", "of those, lines that could not be read"},
      {"journal.window.minutes", FactType::kInt, "min", "[journal] window_min"},
      {"journal.window.total", FactType::kInt, "", "transactions in the window"},
      {"journal.window.approved", FactType::kInt, "", "of those, approved (code 00)"},
      {"journal.window.failed", FactType::kInt, "", "of those, with any other code"},
      {"journal.window.bank_side", FactType::kInt, "",
       "of those, the bank's own faults (68, 90, 91, 92, 96, 98)"},
      {"journal.window.timeouts", FactType::kInt, "", "of those, host timeouts (68, 98)"},
      {"journal.window.code.*", FactType::kInt, "",
       "transactions in the window with this code (lower case: code.a0); absent when none"},
      {"journal.consecutive_failures", FactType::kInt, "",
       "failed transactions since the latest approval"},
      {"journal.last.code", FactType::kText, "", "the newest transaction's response code"},
      {"journal.last.time", FactType::kText, "", "its time, RFC 3339 UTC"},
      {"journal.last.age_s", FactType::kInt, "s", "how long ago it was"},
      {"journal.last.in_window", FactType::kBool, "", "it falls in the window"},
      {"journal.last.type", FactType::kText, "",
       "its type (sale, void, ...), when the line has one"},
      {"journal.last.amount", FactType::kReal, "", "its amount, when the line has one"},
  });
}

// [journal] path is required, so a configured journal is always one to read.
Support JournalProbe::CheckSupport(const ProbeContext&) { return Support::Yes(); }

Result<void> JournalProbe::Measure(const ProbeContext& ctx, FactWriter& out) {
  const ConfigSection& s = ctx.section;
  // The schema (JournalDevice) has checked the format and the field names against each other.
  const std::string path = s.GetString("path");
  const std::string format = s.GetString("format");
  const jr::FieldNames fields = JournalFieldNames(s);
  const std::int64_t window_min = s.GetInt("window_min");
  const std::int64_t offset_s = s.GetInt("utc_offset_min") * 60;
  out.Set("journal.path", path);
  out.Set("journal.format", format);

  const auto file = ctx.fs.Path(path);
  auto tail = jr::ReadTail(file, ctx.deadline);
  if (!tail) return tail.error().Context("journal");
  const std::int64_t now_s =
      std::chrono::floor<std::chrono::seconds>(ctx.clock.Now().time_since_epoch()).count();

  if (tail->lines.empty()) {
    // An empty journal (a new terminal, or just rotated) has no header to read either.
    WriteSummary(Parsed{}, now_s, window_min, out);
    return Ok();
  }
  if (format == "jsonl") {
    WriteSummary(ParseLines(tail->lines, 0,
                            [&](const std::string& line) {
                              return jr::ParseJsonLine(line, fields, offset_s);
                            }),
                 now_s, window_min, out);
    return Ok();
  }

  const bool has_header = s.GetBool("csv_header");
  std::vector<std::string> header;
  if (has_header) {
    auto first = tail->from_start && !tail->lines.empty() ? Result<std::string>(tail->lines.front())
                                                          : jr::ReadFirstLine(file, ctx.deadline);
    if (!first) return first.error().Context("journal header");
    auto cells = jr::SplitCsvRecord(*first);
    if (!cells) return cells.error().Context("journal header");
    header = std::move(*cells);
  }
  auto columns = jr::ResolveCsvColumns(fields, has_header ? &header : nullptr);
  if (!columns) return columns.error().Context("[journal]");
  const std::size_t first_record = has_header && tail->from_start ? 1 : 0;
  WriteSummary(ParseLines(tail->lines, first_record,
                          [&](const std::string& line) {
                            return jr::ParseCsvLine(line, *columns, offset_s);
                          }),
               now_s, window_min, out);
  return Ok();
}

}  // namespace posdiag::agent::probes
