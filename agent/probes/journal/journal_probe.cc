#include "agent/probes/journal/journal_probe.h"
#include "drivers/base/time_format.h"

#include <chrono>
#include <ctime>
#include <string>
#include <utility>

#include "agent/fact_util.h"
#include "drivers/journal/journal_file.h"
#include "drivers/journal/journal_line.h"

namespace posdiag::agent::probes {
namespace {

namespace jr = drivers::journal;

constexpr std::int64_t kDefaultWindowMin = 30;
constexpr const char* kLastFacts[] = {"journal.last.code", "journal.last.age_s",
                                      "journal.last.in_window", "journal.last.time"};

jr::FieldNames FieldNamesFrom(const ConfigSection& s) {
  jr::FieldNames f;
  f.time = s.GetString("time_field", f.time);
  f.type = s.GetString("type_field", f.type);
  f.amount = s.GetString("amount_field", f.amount);
  f.code = s.GetString("code_field", f.code);
  f.pan = s.GetString("pan_field", "");
  return f;
}

// JSON member names: the card number field may not double as any field that is read.
Result<void> CheckJsonFieldNames(const jr::FieldNames& f) {
  if (f.time.empty() || f.code.empty()) {
    return Error{ErrorKind::kInvalid, "[journal] time_field and code_field may not be empty"};
  }
  if (!f.pan.empty() &&
      (f.pan == f.time || f.pan == f.code || f.pan == f.type || f.pan == f.amount)) {
    return Error{ErrorKind::kInvalid,
                 "[journal] pan_field names a field that is read; the card number field is "
                 "never read"};
  }
  return Ok();
}

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

std::vector<SectionSpec> JournalProbe::ConfigSections() const {
  return {{"journal",
           {{"path", ValueType::kString},
            {"format", ValueType::kString},
            {"time_field", ValueType::kString},
            {"type_field", ValueType::kString},
            {"amount_field", ValueType::kString},
            {"code_field", ValueType::kString},
            {"pan_field", ValueType::kString},
            {"csv_header", ValueType::kBool},
            {"window_min", ValueType::kInt, 1, 7 * 24 * 60},
            {"utc_offset_min", ValueType::kInt, -12 * 60, 14 * 60}}}};
}

Support JournalProbe::CheckSupport(const ProbeContext& ctx) {
  if (ctx.section.GetString("path", "").empty()) {
    return Support::NotConfigured("[journal] names no path");
  }
  return Support::Yes();
}

Result<void> JournalProbe::Measure(const ProbeContext& ctx, FactWriter& out) {
  const ConfigSection& s = ctx.section;
  const std::string path = s.GetString("path", "");
  const std::string format = s.GetString("format", "jsonl");
  if (format != "jsonl" && format != "csv") {
    return Error{ErrorKind::kInvalid,
                 "[journal] format \"" + format + "\" is neither \"jsonl\" nor \"csv\""};
  }
  const jr::FieldNames fields = FieldNamesFrom(s);
  if (format == "jsonl") {
    if (auto ok = CheckJsonFieldNames(fields); !ok) return ok.error();
  }
  const std::int64_t window_min = s.GetInt("window_min", kDefaultWindowMin);
  const std::int64_t offset_s = s.GetInt("utc_offset_min", 0) * 60;
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

  const bool has_header = s.GetBool("csv_header", true);
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
