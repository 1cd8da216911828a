#include "drivers/journal/journal_line.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <utility>

#include "drivers/base/text.h"

namespace posdiag::drivers::journal {
namespace {

// Deeper nesting than this is not a journal line; it is refused before the JSON parser sees it.
constexpr int kMaxJsonDepth = 16;
// A CSV journal record has a handful of columns; more than this is not one.
constexpr std::size_t kMaxCsvFields = 256;
// Above this an "amount" is not a sum of money (a card number in the wrong column, say).
constexpr double kMaxPlausibleAmount = 1e10;
// Year 9999 in epoch seconds has 12 digits; more is not a time.
constexpr std::size_t kMaxEpochDigits = 12;
constexpr std::size_t kMaxTypeBytes = 64;

Error ParseError(std::string detail) { return Error{ErrorKind::kParse, std::move(detail)}; }

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit);
}

// n digits at s[pos..]; false when they are not all there.
bool FixedDigits(std::string_view s, std::size_t pos, std::size_t n, int& out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (!IsDigit(s[i])) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

Result<std::int64_t> ParseEpoch(std::string_view s) {
  const std::size_t dot = s.find('.');
  const std::string_view whole = s.substr(0, dot);
  if (!AllDigits(whole) || whole.size() > kMaxEpochDigits) {
    return ParseError("not epoch seconds");
  }
  if (dot != std::string_view::npos && !AllDigits(s.substr(dot + 1))) {
    return ParseError("not epoch seconds");
  }
  std::int64_t v = 0;
  std::from_chars(whole.data(), whole.data() + whole.size(), v);
  return v;
}

// The zone suffix of an ISO 8601 time: "Z", "+08:00", "+0800", "+08", or nothing.
Result<std::int64_t> ParseZone(std::string_view z, std::int64_t zoneless_offset_s) {
  if (z.empty()) return zoneless_offset_s;
  if (z == "Z" || z == "z") return std::int64_t{0};
  if (z[0] != '+' && z[0] != '-') return ParseError("bad time zone");
  const int sign = z[0] == '-' ? -1 : 1;
  z.remove_prefix(1);
  int hh = 0;
  int mm = 0;
  if (z.size() == 2) {
    if (!FixedDigits(z, 0, 2, hh)) return ParseError("bad time zone");
  } else if (z.size() == 4) {
    if (!FixedDigits(z, 0, 2, hh) || !FixedDigits(z, 2, 2, mm)) return ParseError("bad time zone");
  } else if (z.size() == 5 && z[2] == ':') {
    if (!FixedDigits(z, 0, 2, hh) || !FixedDigits(z, 3, 2, mm)) return ParseError("bad time zone");
  } else {
    return ParseError("bad time zone");
  }
  if (hh > 23 || mm > 59) return ParseError("bad time zone");
  return std::int64_t{sign * (hh * 3600 + mm * 60)};
}

Result<std::int64_t> ParseIsoTime(std::string_view s, std::int64_t zoneless_offset_s) {
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!FixedDigits(s, 0, 4, year) || s.size() < 10 || s[4] != '-' || !FixedDigits(s, 5, 2, month) ||
      s[7] != '-' || !FixedDigits(s, 8, 2, day)) {
    return ParseError("not a time");
  }
  if (s.size() < 16 || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !FixedDigits(s, 11, 2, hour) || s[13] != ':' || !FixedDigits(s, 14, 2, minute)) {
    return ParseError("not a time (date without a time of day)");
  }
  std::size_t pos = 16;
  if (pos < s.size() && s[pos] == ':') {
    if (!FixedDigits(s, pos + 1, 2, second)) return ParseError("bad seconds");
    pos += 3;
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
      std::size_t end = pos + 1;
      while (end < s.size() && IsDigit(s[end])) ++end;
      if (end == pos + 1) return ParseError("bad fraction of a second");
      pos = end;  // fractions are dropped: the journal is read to the second
    }
  }
  auto offset = ParseZone(s.substr(pos), zoneless_offset_s);
  if (!offset) return offset.error();
  // Second 60 is a leap second; it is kept as the next second.
  if (hour > 23 || minute > 59 || second > 60) return ParseError("time of day out of range");
  const std::chrono::year_month_day ymd{std::chrono::year(year),
                                        std::chrono::month(static_cast<unsigned>(month)),
                                        std::chrono::day(static_cast<unsigned>(day))};
  if (!ymd.ok()) return ParseError("no such date");
  const std::int64_t days = std::chrono::sys_days(ymd).time_since_epoch().count();
  return days * 86400 + hour * 3600 + minute * 60 + second - *offset;
}

// Counts nesting outside strings; false when it goes deeper than kMaxJsonDepth.
bool NestingWithinLimit(std::string_view line) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : line) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxJsonDepth) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

Result<std::string> CodeFromText(std::string_view text, std::string_view field) {
  const std::string_view code = Trim(text);
  if (!IsResponseCode(code)) {
    return ParseError("'" + std::string(field) + "' is not a two-character response code");
  }
  return std::string(code);
}

// A type is free text from the application; it is shortened, and refused when it holds a long
// run of digits (a card number in the wrong field must not become a fact).
std::string SafeType(std::string_view text) {
  text = Trim(text);
  std::size_t run = 0;
  for (char c : text) {
    run = IsDigit(c) ? run + 1 : 0;
    if (run >= 8) return {};
  }
  return std::string(text.substr(0, kMaxTypeBytes));
}

std::optional<double> PlausibleAmount(double v) {
  if (!std::isfinite(v) || std::fabs(v) > kMaxPlausibleAmount) return std::nullopt;
  return v;
}

std::optional<double> AmountFromText(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return std::nullopt;
  double v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return PlausibleAmount(v);
}

// A field name as a 0-based column number, when it is one.
std::optional<std::size_t> ColumnNumber(std::string_view name) {
  if (!AllDigits(name) || name.size() > 3) return std::nullopt;
  std::size_t v = 0;
  std::from_chars(name.data(), name.data() + name.size(), v);
  return v;
}

Result<std::optional<std::size_t>> ResolveColumn(const std::string& name, std::string_view key,
                                                 const std::vector<std::string>* header,
                                                 bool required) {
  if (name.empty()) {
    if (required) return Error{ErrorKind::kInvalid, std::string(key) + " is empty"};
    return std::optional<std::size_t>();
  }
  if (auto n = ColumnNumber(name)) return std::optional<std::size_t>(*n);
  if (header == nullptr) {
    return Error{ErrorKind::kInvalid, std::string(key) + " \"" + name +
                                          "\" is a name, but the journal has no header row: "
                                          "give a 0-based column number"};
  }
  for (std::size_t i = 0; i < header->size(); ++i) {
    if (Trim((*header)[i]) == name) return std::optional<std::size_t>(i);
  }
  if (required) {
    return Error{ErrorKind::kInvalid,
                 "the journal's header has no column \"" + name + "\" (" + std::string(key) + ")"};
  }
  return std::optional<std::size_t>();
}

}  // namespace

bool IsResponseCode(std::string_view code) {
  return code.size() == 2 && std::all_of(code.begin(), code.end(), [](char c) {
           return IsDigit(c) || (c >= 'A' && c <= 'Z');
         });
}

Result<std::int64_t> ParseTime(std::string_view text, std::int64_t zoneless_offset_s) {
  const std::string_view s = Trim(text);
  if (s.empty()) return ParseError("empty time");
  // "2024-..." has a '-' at 4; epoch seconds never do.
  if (s.size() > 4 && s[4] == '-') return ParseIsoTime(s, zoneless_offset_s);
  return ParseEpoch(s);
}

Result<Entry> ParseJsonLine(std::string_view line, const FieldNames& fields,
                            std::int64_t zoneless_offset_s) {
  if (line.size() > kMaxLineBytes) return ParseError("line longer than 8 KiB");
  if (!NestingWithinLimit(line)) return ParseError("JSON nested too deep");
  const nlohmann::json j = nlohmann::json::parse(line.begin(), line.end(), nullptr,
                                                 /*allow_exceptions=*/false);
  if (j.is_discarded()) return ParseError("not JSON");
  if (!j.is_object()) return ParseError("not a JSON object");

  Entry e;
  const auto code = j.find(fields.code);
  if (code == j.end()) return ParseError("no '" + fields.code + "' field");
  if (code->is_string()) {
    auto c = CodeFromText(code->get_ref<const std::string&>(), fields.code);
    if (!c) return c.error();
    e.code = std::move(*c);
  } else if (code->is_number_unsigned() && code->get<std::uint64_t>() <= 99) {
    // A numeric code has lost its leading zero: 5 is "05".
    const auto n = code->get<std::uint64_t>();
    e.code = {static_cast<char>('0' + n / 10), static_cast<char>('0' + n % 10)};
  } else {
    return ParseError("'" + fields.code + "' is not a two-character response code");
  }

  const auto time = j.find(fields.time);
  if (time == j.end()) return ParseError("no '" + fields.time + "' field");
  if (time->is_string()) {
    auto t = ParseTime(time->get_ref<const std::string&>(), zoneless_offset_s);
    if (!t) return t.error().Context(fields.time);
    e.epoch_s = *t;
  } else if (time->is_number_unsigned()) {
    const auto v = time->get<std::uint64_t>();
    if (v > 253402300799ULL) return ParseError("'" + fields.time + "' is out of range");
    e.epoch_s = static_cast<std::int64_t>(v);
  } else if (time->is_number_float()) {
    const double v = time->get<double>();
    if (!(v >= 0 && v <= 253402300799.0)) {
      return ParseError("'" + fields.time + "' is out of range");
    }
    e.epoch_s = static_cast<std::int64_t>(v);
  } else {
    return ParseError("'" + fields.time + "' is not a time");
  }

  if (!fields.type.empty()) {
    const auto type = j.find(fields.type);
    if (type != j.end() && type->is_string()) {
      e.type = SafeType(type->get_ref<const std::string&>());
    }
  }
  if (!fields.amount.empty()) {
    const auto amount = j.find(fields.amount);
    if (amount != j.end()) {
      if (amount->is_number()) {
        e.amount = PlausibleAmount(amount->get<double>());
      } else if (amount->is_string()) {
        e.amount = AmountFromText(amount->get_ref<const std::string&>());
      }
    }
  }
  // fields.pan is deliberately never looked up.
  return e;
}

Result<std::vector<std::string>> SplitCsvRecord(std::string_view line) {
  if (line.size() > kMaxLineBytes) return ParseError("line longer than 8 KiB");
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::vector<std::string> out;
  std::size_t i = 0;
  const std::size_t n = line.size();
  for (;;) {
    if (out.size() == kMaxCsvFields) return ParseError("more than 256 fields");
    std::string field;
    if (i < n && line[i] == '"') {
      ++i;
      for (;;) {
        if (i >= n) return ParseError("unterminated quoted field");
        if (line[i] == '"') {
          if (i + 1 < n && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += line[i++];
      }
      if (i < n && line[i] != ',') return ParseError("text after a closing quote");
    } else {
      const std::size_t end = std::min(line.find(',', i), n);
      const std::string_view raw = line.substr(i, end - i);
      if (raw.find('"') != std::string_view::npos) {
        return ParseError("a quote inside an unquoted field");
      }
      field.assign(raw);
      i = end;
    }
    out.push_back(std::move(field));
    if (i >= n) break;
    ++i;  // the ','; a record ending in ',' has an empty last field
    if (i == n) {
      out.emplace_back();
      break;
    }
  }
  return out;
}

Result<CsvColumns> ResolveCsvColumns(const FieldNames& fields,
                                     const std::vector<std::string>* header) {
  CsvColumns c;
  auto time = ResolveColumn(fields.time, "time_field", header, true);
  if (!time) return time.error();
  auto code = ResolveColumn(fields.code, "code_field", header, true);
  if (!code) return code.error();
  auto type = ResolveColumn(fields.type, "type_field", header, false);
  if (!type) return type.error();
  auto amount = ResolveColumn(fields.amount, "amount_field", header, false);
  if (!amount) return amount.error();
  auto pan = ResolveColumn(fields.pan, "pan_field", header, false);
  if (!pan) return pan.error();
  c.time = **time;
  c.code = **code;
  c.type = *type;
  c.amount = *amount;
  c.pan = *pan;
  if (c.time == c.code) {
    return Error{ErrorKind::kInvalid, "time_field and code_field name the same column"};
  }
  if (c.pan) {
    for (const std::optional<std::size_t>& other :
         {std::optional<std::size_t>(c.time), std::optional<std::size_t>(c.code), c.type,
          c.amount}) {
      if (other == c.pan) {
        return Error{ErrorKind::kInvalid,
                     "pan_field names the same column as another field; the card number "
                     "column is never read"};
      }
    }
  }
  return c;
}

Result<Entry> ParseCsvLine(std::string_view line, const CsvColumns& columns,
                           std::int64_t zoneless_offset_s) {
  auto cells = SplitCsvRecord(line);
  if (!cells) return cells.error();
  const std::vector<std::string>& f = *cells;
  if (f.size() <= std::max(columns.time, columns.code)) {
    return ParseError("record has " + std::to_string(f.size()) + " fields");
  }
  Entry e;
  auto code = CodeFromText(f[columns.code], "column " + std::to_string(columns.code));
  if (!code) return code.error();
  e.code = std::move(*code);
  auto time = ParseTime(f[columns.time], zoneless_offset_s);
  if (!time) return time.error().Context("column " + std::to_string(columns.time));
  e.epoch_s = *time;
  if (columns.type && *columns.type < f.size()) e.type = SafeType(f[*columns.type]);
  if (columns.amount && *columns.amount < f.size()) e.amount = AmountFromText(f[*columns.amount]);
  // columns.pan is never read.
  return e;
}

Summary Summarize(const std::vector<Entry>& entries, std::int64_t now_s, std::int64_t window_s) {
  Summary s;
  const std::int64_t from = now_s - window_s;
  for (const Entry& e : entries) {
    if (e.epoch_s < from) continue;
    ++s.window_total;
    ++s.window_codes[e.code];
    if (e.code == "00") {
      ++s.window_approved;
    } else {
      ++s.window_failed;
    }
    if (e.code == "68" || e.code == "98") ++s.window_timeouts;
    if (e.code == "68" || e.code == "90" || e.code == "91" || e.code == "92" || e.code == "96" ||
        e.code == "98") {
      ++s.window_bank_side;
    }
  }
  if (!entries.empty()) {
    s.last = entries.back();
    s.last_in_window = entries.back().epoch_s >= from;
  }
  for (auto it = entries.rbegin(); it != entries.rend() && it->code != "00"; ++it) {
    ++s.consecutive_failures;
  }
  return s;
}

}  // namespace posdiag::drivers::journal
