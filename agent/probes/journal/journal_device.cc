#include "agent/probes/journal/journal_device.h"

#include <optional>
#include <string>
#include <utility>

#include "agent/probes/journal/journal_probe.h"

namespace posdiag::agent::probes {
namespace {

namespace jr = drivers::journal;

// What the field names may not be, whatever the file holds: the card number field doubling as a
// field that is read, one field read as both time and code, or (CSV without a header row) a name
// where only a column number can be resolved.
std::optional<KeyProblem> FieldNameProblem(const ConfigSection& s) {
  const jr::FieldNames f = JournalFieldNames(s);
  if (f.time == f.code) {
    return KeyProblem{s.Has("code_field") ? "code_field" : "time_field",
                      "time_field and code_field name the same field"};
  }
  if (!f.pan.empty()) {
    const std::pair<const char*, const std::string*> read[] = {{"time_field", &f.time},
                                                               {"type_field", &f.type},
                                                               {"amount_field", &f.amount},
                                                               {"code_field", &f.code}};
    for (const auto& [key, name] : read) {
      if (f.pan == *name) {
        return KeyProblem{"pan_field", "names the same field as " + std::string(key) +
                                           ", which is read; the card number field is never read"};
      }
    }
  }
  if (s.GetString("format") == "csv" && !s.GetBool("csv_header")) {
    if (auto columns = jr::ResolveCsvColumns(f, nullptr); !columns) {
      return KeyProblem{"csv_header", columns.error().detail};
    }
  }
  return std::nullopt;
}

}  // namespace

std::vector<SectionSpec> JournalDevice::ConfigSections() const {
  const jr::FieldNames usual;  // the driver's usual names are the defaults
  return {{"journal",
           "the payment application's transaction journal",
           {TerminalPath("path").Required().Means("the journal file, read from its end"),
            String("format")
                .OneOf({"jsonl", "csv"})
                .Default("jsonl")
                .Means("jsonl: one JSON object a line; csv: one record a line"),
            String("time_field")
                .NonEmpty()
                .Default(usual.time)
                .Means("the transaction's time: a JSON member; for CSV a header name or a "
                       "0-based column number, as for every field"),
            String("type_field")
                .Default(usual.type)
                .Means("the transaction's type (sale, void, ...); \"\": the journal has none"),
            String("amount_field")
                .Default(usual.amount)
                .Means("the transaction's amount; \"\": the journal has none"),
            String("code_field")
                .NonEmpty()
                .Default(usual.code)
                .Means("the host's response code (ISO 8583 field 39)"),
            String("pan_field")
                .NonEmpty()
                .Means("the card number field: never read, never stored; refused if it names "
                       "another field"),
            Bool("csv_header").Default(true).Means("csv: the file starts with a header row"),
            Int("window_min", 1, 7 * 24 * 60)
                .Default(30)
                .Means("the recent window the counts cover, in minutes"),
            Int("utc_offset_min", -12 * 60, 14 * 60)
                .Default(0)
                .Means("the zone of times written without one, in minutes east of UTC")},
           FieldNameProblem}};
}

std::shared_ptr<Probe> JournalDevice::MakeProbe() const { return std::make_shared<JournalProbe>(); }

jr::FieldNames JournalFieldNames(const ConfigSection& section) {
  jr::FieldNames f;
  f.time = section.GetString("time_field");
  f.type = section.GetString("type_field");
  f.amount = section.GetString("amount_field");
  f.code = section.GetString("code_field");
  f.pan = section.GetString("pan_field");
  return f;
}

}  // namespace posdiag::agent::probes
