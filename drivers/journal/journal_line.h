// The payment application's transaction journal, one transaction per line: pure parsers for JSON
// lines and CSV records (RFC 4180 quoting), for the times they carry (RFC 3339 / ISO 8601 with or
// without a zone, or epoch seconds), and the summary of the recent window. Host response codes
// are ISO 8583 field 39 as UnionPay uses it: two characters of [0-9A-Z].
//
// A card number field (FieldNames::pan) is never copied out of a line: an Entry has no place for
// it, and error messages never quote line text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/base/result.h"

namespace posdiag::drivers::journal {

// Which field holds what. For JSON lines these are member names; for CSV a header name or a
// 0-based column number ("3").
struct FieldNames {
  std::string time = "time";
  std::string type = "type";
  std::string amount = "amount";
  std::string code = "rc";
  std::string pan;  // the card number field, if the journal has one: skipped, never read
};

struct Entry {
  std::int64_t epoch_s = 0;
  std::string code;              // "00", "51", "A0"
  std::string type;              // "sale", "void", ...; empty when the line has none
  std::optional<double> amount;  // absent when the line has none or it is not a number
};

// A line longer than this is not a journal line (and is not handed to the JSON parser).
inline constexpr std::size_t kMaxLineBytes = 8 * 1024;

bool IsResponseCode(std::string_view code);

// Seconds since the epoch. Accepts "1714566896", "1714566896.25", "2024-05-01T12:34:56Z",
// "2024-05-01 12:34:56.120+08:00", "2024-05-01T12:34:56+0800", "2024-05-01T12:34". A time without
// a zone is taken to be at zoneless_offset_s east of UTC.
Result<std::int64_t> ParseTime(std::string_view text, std::int64_t zoneless_offset_s = 0);

// One JSON object per line.
Result<Entry> ParseJsonLine(std::string_view line, const FieldNames& fields,
                            std::int64_t zoneless_offset_s = 0);

// Splits one CSV record: fields separated by ',', a field in double quotes may hold ',' and '""'
// for a quote. A trailing '\r' is dropped. An unterminated quote or text after a closing quote is
// a parse error (a record spanning lines is not a journal record).
Result<std::vector<std::string>> SplitCsvRecord(std::string_view line);

// Column indices, resolved from the field names against the header (or as numbers).
struct CsvColumns {
  std::size_t time = 0;
  std::size_t code = 0;
  std::optional<std::size_t> type;
  std::optional<std::size_t> amount;
  std::optional<std::size_t> pan;
};

// header is null when the file has no header row: every name must then be a column number.
// time and code must resolve; type and amount are optional (absent from the header: not used).
// The card number column may not be any of the others.
Result<CsvColumns> ResolveCsvColumns(const FieldNames& fields,
                                     const std::vector<std::string>* header);

Result<Entry> ParseCsvLine(std::string_view line, const CsvColumns& columns,
                           std::int64_t zoneless_offset_s = 0);

// What the recent lines say. Entries are in file order, oldest first.
struct Summary {
  std::int64_t window_total = 0;
  std::int64_t window_approved = 0;  // code 00
  std::int64_t window_failed = 0;    // any other code
  std::map<std::string, std::int64_t> window_codes;
  std::int64_t window_bank_side = 0;  // 90, 91, 92, 96, 98, 68
  std::int64_t window_timeouts = 0;   // 68, 98
  std::optional<Entry> last;
  bool last_in_window = false;
  std::int64_t consecutive_failures = 0;  // from the newest back to the latest approval
};

// The window is [now_s - window_s, ...): an entry stamped after now (the clock is behind the
// journal) still counts as recent.
Summary Summarize(const std::vector<Entry>& entries, std::int64_t now_s, std::int64_t window_s);

}  // namespace posdiag::drivers::journal
