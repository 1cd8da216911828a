#include "drivers/io/sysfs_value.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <system_error>
#include <vector>

#include "drivers/base/text.h"

namespace posdiag::io {
namespace {

bool IsPrintable(char c) { return c >= 0x20 && c <= 0x7e; }

// Shows a value in a message without letting control bytes or a huge text through.
std::string Quote(std::string_view s) {
  constexpr std::size_t kShown = 32;
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size() && i < kShown; ++i) {
    const char c = s[i];
    if (IsPrintable(c) && c != '"' && c != '\\') {
      out += c;
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", static_cast<unsigned char>(c));
      out += buf;
    }
  }
  if (s.size() > kShown) out += "...";
  out += '"';
  return out;
}

Error ParseError(std::string message) { return Error{ErrorKind::kParse, std::move(message)}; }

// Splits on runs of whitespace.
std::vector<std::string_view> Fields(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && IsAsciiSpace(s[i])) ++i;
    const std::size_t start = i;
    while (i < s.size() && !IsAsciiSpace(s[i])) ++i;
    if (i > start) out.push_back(s.substr(start, i - start));
  }
  return out;
}

// Calls f(line) for each line, without the '\n'.
template <typename F>
void ForEachLine(std::string_view text, F&& f) {
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    const std::string_view line = text.substr(0, nl);
    if (!f(line)) return;
    if (nl == std::string_view::npos) return;
    text.remove_prefix(nl + 1);
  }
}

Result<std::int64_t> ParseInteger(std::string_view t, std::string_view what) {
  t = Trim(t);
  if (t.empty()) return ParseError(std::string(what) + ": empty value");
  std::string_view digits = t;
  if (digits.front() == '+') {
    digits.remove_prefix(1);
    if (digits.empty() || digits.front() == '-') {
      return ParseError(std::string(what) + ": not an integer: " + Quote(t));
    }
  }
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec == std::errc::result_out_of_range) {
    return ParseError(std::string(what) + ": integer out of range: " + Quote(t));
  }
  if (ec != std::errc() || end != digits.data() + digits.size()) {
    return ParseError(std::string(what) + ": not an integer: " + Quote(t));
  }
  return v;
}

// A finite, non-negative decimal real as the kernel prints load averages and uptimes.
Result<double> ParseNonNegativeReal(std::string_view t, std::string_view what) {
  double v = 0;
  const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || end != t.data() + t.size() || !std::isfinite(v)) {
    return ParseError(std::string(what) + ": not a number: " + Quote(t));
  }
  if (v < 0) return ParseError(std::string(what) + ": negative: " + Quote(t));
  return v;
}

}  // namespace

Result<std::int64_t> ParseIntAttr(std::string_view text) { return ParseInteger(text, "integer"); }

Result<bool> ParseBoolAttr(std::string_view text) {
  const std::string_view t = Trim(text);
  if (t == "0") return false;
  if (t == "1") return true;
  return ParseError("expected 0 or 1, got " + Quote(t));
}

Result<std::string> ParseEnumAttr(std::string_view text, std::size_t max_length) {
  const std::string_view t = Trim(text);
  if (t.empty()) return ParseError("empty value");
  if (t.size() > max_length) {
    return ParseError("value longer than " + std::to_string(max_length) +
                      " characters: " + Quote(t));
  }
  for (char c : t) {
    if (!IsPrintable(c)) return ParseError("value has a non-printable byte: " + Quote(t));
  }
  return std::string(t);
}

Result<std::string> ParseFirstLine(std::string_view text, std::size_t max_length) {
  return ParseEnumAttr(text.substr(0, text.find('\n')), max_length);
}

Result<MemInfo> ParseMemInfo(std::string_view text) {
  struct Wanted {
    std::string_view key;
    std::optional<std::int64_t>* slot;
  };
  std::optional<std::int64_t> total;
  MemInfo info;
  const Wanted wanted[] = {
      {"MemTotal", &total},
      {"MemFree", &info.free_kib},
      {"MemAvailable", &info.available_kib},
      {"Buffers", &info.buffers_kib},
      {"Cached", &info.cached_kib},
      {"SwapTotal", &info.swap_total_kib},
      {"SwapFree", &info.swap_free_kib},
  };
  std::optional<Error> error;
  // Lines we do not use are skipped whatever they hold: kernels add new ones, and a vendor
  // kernel's odd line must not cost us the memory facts.
  ForEachLine(text, [&](std::string_view line) {
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return true;
    const std::string_view key = line.substr(0, colon);
    for (const Wanted& w : wanted) {
      if (key != w.key) continue;
      if (w.slot->has_value()) {
        error = ParseError("meminfo: " + std::string(key) + " appears twice");
        return false;
      }
      std::string_view value = Trim(line.substr(colon + 1));
      if (value.size() >= 2 && value.substr(value.size() - 2) == "kB") {
        value = Trim(value.substr(0, value.size() - 2));
      } else {
        error = ParseError("meminfo: " + std::string(key) + ": expected a value in kB, got " +
                           Quote(value));
        return false;
      }
      auto v = ParseInteger(value, "meminfo: " + std::string(key));
      if (!v) {
        error = v.error();
        return false;
      }
      if (*v < 0) {
        error = ParseError("meminfo: " + std::string(key) + ": negative: " + Quote(value));
        return false;
      }
      *w.slot = *v;
    }
    return true;
  });
  if (error) return *error;
  if (!total) return ParseError("meminfo: no MemTotal line");
  if (*total == 0) return ParseError("meminfo: MemTotal is 0");
  info.total_kib = *total;
  return info;
}

Result<LoadAvg> ParseLoadAvg(std::string_view text) {
  const auto fields = Fields(text);
  if (fields.size() < 3 || fields.size() > 5) {
    return ParseError("loadavg: expected 3 to 5 fields, got " + std::to_string(fields.size()));
  }
  LoadAvg out;
  double* const avgs[] = {&out.avg_1m, &out.avg_5m, &out.avg_15m};
  for (std::size_t i = 0; i < 3; ++i) {
    auto v = ParseNonNegativeReal(fields[i], "loadavg");
    if (!v) return v.error();
    *avgs[i] = *v;
  }
  if (fields.size() >= 4) {
    const std::string_view counts = fields[3];
    const std::size_t slash = counts.find('/');
    if (slash == std::string_view::npos) {
      return ParseError("loadavg: expected runnable/total, got " + Quote(counts));
    }
    auto runnable = ParseInteger(counts.substr(0, slash), "loadavg: runnable");
    if (!runnable) return runnable.error();
    auto entities = ParseInteger(counts.substr(slash + 1), "loadavg: total");
    if (!entities) return entities.error();
    if (*runnable < 0 || *entities < 0) {
      return ParseError("loadavg: negative count: " + Quote(counts));
    }
    out.runnable = *runnable;
    out.entities = *entities;
  }
  if (fields.size() == 5) {
    auto pid = ParseInteger(fields[4], "loadavg: last pid");
    if (!pid) return pid.error();
  }
  return out;
}

Result<Uptime> ParseUptime(std::string_view text) {
  const auto fields = Fields(text);
  if (fields.empty() || fields.size() > 2) {
    return ParseError("uptime: expected 1 or 2 fields, got " + std::to_string(fields.size()));
  }
  Uptime out;
  auto up = ParseNonNegativeReal(fields[0], "uptime");
  if (!up) return up.error();
  out.uptime_s = *up;
  if (fields.size() == 2) {
    auto idle = ParseNonNegativeReal(fields[1], "uptime: idle");
    if (!idle) return idle.error();
    out.idle_s = *idle;
  }
  return out;
}

Result<std::int64_t> ParseCpuListCount(std::string_view text) {
  const std::string_view t = Trim(text);
  if (t.empty()) return ParseError("cpu list: empty");
  std::vector<bool> seen(static_cast<std::size_t>(kMaxCpuId), false);
  std::int64_t count = 0;
  std::string_view rest = t;
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view part = rest.substr(0, comma);
    const std::size_t dash = part.find('-');
    auto first = ParseInteger(part.substr(0, dash), "cpu list");
    auto last =
        dash == std::string_view::npos ? first : ParseInteger(part.substr(dash + 1), "cpu list");
    // A sign inside an entry would make "-1" or "0--2" look like a range: digits only.
    const bool digits_only = part.find_first_not_of("0123456789-") == std::string_view::npos;
    if (!first || !last || !digits_only || *first < 0 || *last < *first || *last >= kMaxCpuId) {
      return ParseError("cpu list: bad entry " + Quote(part) + " in " + Quote(t));
    }
    for (std::int64_t id = *first; id <= *last; ++id) {
      if (!seen[static_cast<std::size_t>(id)]) {
        seen[static_cast<std::size_t>(id)] = true;
        ++count;
      }
    }
    if (comma == std::string_view::npos) break;
    rest.remove_prefix(comma + 1);
  }
  return count;
}

Result<std::string> FindInstalledPackageVersion(std::string_view status_text,
                                                std::string_view package) {
  struct Paragraph {
    std::string_view package, status, version;
  };
  std::optional<std::string> not_installed_status;
  std::optional<Result<std::string>> found;
  Paragraph p;
  auto finish = [&]() {
    if (!found && !p.package.empty() && p.package == package) {
      const auto words = Fields(p.status);
      // Status is "want flag state"; only the state matters ("hold ok installed" is installed).
      if (words.size() == 3 && words[2] == "installed") {
        auto v = ParseEnumAttr(p.version, 128);
        found = v ? std::move(v)
                  : Result<std::string>(
                        v.error().Context("package " + std::string(package) + ": Version"));
      } else {
        not_installed_status = std::string(p.status);
      }
    }
    p = Paragraph{};
  };
  ForEachLine(status_text, [&](std::string_view line) {
    if (Trim(line).empty()) {
      finish();
      return !found.has_value();
    }
    if (IsAsciiSpace(line.front())) return true;  // continuation of a multi-line field
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return true;
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = Trim(line.substr(colon + 1));
    if (name == "Package") p.package = value;
    if (name == "Status") p.status = value;
    if (name == "Version") p.version = value;
    return true;
  });
  finish();
  if (found) return *found;
  if (not_installed_status) {
    return Error{ErrorKind::kNotFound, "package " + std::string(package) +
                                           " is not installed (status " +
                                           Quote(*not_installed_status) + ")"};
  }
  return Error{ErrorKind::kNotFound, "package " + std::string(package) + " is not listed"};
}

}  // namespace posdiag::io
