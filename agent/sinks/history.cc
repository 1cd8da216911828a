#include "agent/sinks/history.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>
#include <set>
#include <system_error>
#include <thread>

#include "agent/report_id.h"
#include "agent/sinks/incidents.h"
#include "agent/sinks/json_report.h"
#include "agent/sinks/text_report.h"
#include "agent/sinks/text_util.h"
#include "drivers/base/file.h"
#include "drivers/base/time_format.h"
#include "drivers/base/unique_fd.h"

namespace posdiag::agent {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr std::size_t kSeqDigits = 10;
constexpr std::string_view kEntrySuffix = ".json";
constexpr std::string_view kAsideSuffix = ".corrupt";
constexpr std::string_view kTempSuffix = ".tmp";
// Damaged entries are kept for an engineer to look at, but not without bound.
constexpr std::size_t kMaxCorrupt = 10;
// A directory holding more names than this is not a history we manage; stop listing.
constexpr std::size_t kMaxNames = 10000;
constexpr std::size_t kMaxFieldBytes = 256;

constexpr long long kMaxSeq = 9'999'999'999;
constexpr std::string_view kNoId = "NOID";
// A save or a load waits this long for another one to finish before it gives up.
constexpr auto kLockWait = std::chrono::seconds(5);

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool AllDigits(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "0000000042-...": the leading sequence number, or -1 when there is none.
long long LeadingSequence(std::string_view name) {
  if (name.size() < kSeqDigits + 1 || name[kSeqDigits] != '-') return -1;
  if (!AllDigits(name.substr(0, kSeqDigits))) return -1;
  long long seq = 0;
  for (std::size_t i = 0; i < kSeqDigits; ++i) seq = seq * 10 + (name[i] - '0');
  return seq;
}

// "20261121T054049.123Z", as FormatCompactUtc writes it.
bool IsCompactTime(std::string_view t) {
  return t.size() == 20 && AllDigits(t.substr(0, 8)) && t[8] == 'T' && AllDigits(t.substr(9, 6)) &&
         t[15] == '.' && AllDigits(t.substr(16, 3)) && t[19] == 'Z';
}

// The report ID in a name: its eight canonical symbols with a matching check symbol, or NOID.
bool IsNameId(std::string_view id) {
  if (id == kNoId) return true;
  if (id.size() != kReportIdPayloadLength + 1) return false;
  for (char c : id) {
    if (kReportIdAlphabet.find(c) == std::string_view::npos) return false;
  }
  return IsValidReportId(id);
}

bool IsTempName(std::string_view name) {
  return name.size() > 1 && name[0] == '.' && EndsWith(name, kTempSuffix) &&
         LeadingSequence(name.substr(1)) >= 0;
}

struct DirNames {
  std::vector<std::string> entries;  // sorted oldest first
  std::vector<std::string> corrupt;  // set aside entries, sorted oldest first
  std::vector<std::string> temps;
  std::vector<std::string> junk;  // names that are not ours: never numbered, set aside by Load
  long long max_seq = 0;
};

Result<DirNames> ListDir(const fs::path& dir) {
  DirNames names;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  std::size_t seen = 0;
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    if (++seen > kMaxNames) {
      return Error{ErrorKind::kInvalid,
                   dir.string() + ": more than " + std::to_string(kMaxNames) + " files"};
    }
    std::string name = it->path().filename().string();
    std::error_code type_ec;
    const fs::file_type type = it->symlink_status(type_ec).type();
    if (type == fs::file_type::directory || name.starts_with('.')) {
      // lost+found, hidden files and our own temp files are not entries.
      if (IsTempName(name)) names.temps.push_back(std::move(name));
    } else if (const long long seq = HistorySequence(name);
               seq >= 0 && type == fs::file_type::regular) {
      names.max_seq = std::max(names.max_seq, seq);
      names.entries.push_back(std::move(name));
    } else if (EndsWith(name, kAsideSuffix)) {
      const long long seq_aside =
          HistorySequence(std::string_view(name).substr(0, name.size() - kAsideSuffix.size()));
      // Junk set aside earlier (a foreign name, a link) is neither numbered nor removed.
      if (seq_aside < 0 || type != fs::file_type::regular) continue;
      names.max_seq = std::max(names.max_seq, seq_aside);
      names.corrupt.push_back(std::move(name));
    } else {
      // A name we would not write (a bad sequence, time or report ID, notes.txt), or an entry's
      // name on a link or a FIFO: never numbered, never read, set aside by Load.
      names.junk.push_back(std::move(name));
    }
  }
  if (ec) return ErrnoError("list " + dir.string(), ec.value());
  std::sort(names.entries.begin(), names.entries.end());
  std::sort(names.corrupt.begin(), names.corrupt.end());
  std::sort(names.junk.begin(), names.junk.end());
  return names;
}

std::string SeqText(long long seq) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%010lld", seq);
  return buf;
}

// The report ID as it goes into a file name: canonical symbols without the dash, or NOID when a
// caller made up its own (the report inside still carries it).
std::string IdForName(std::string_view report_id) {
  if (auto id = NormalizeReportId(report_id)) {
    id->erase(4, 1);
    return *id;
  }
  return std::string(kNoId);
}

// The start time as it goes into a file name; a time that does not format (beyond the year 9999)
// is written as zeros rather than making a name Load would not recognise.
std::string TimeForName(std::chrono::system_clock::time_point t) {
  std::string text = FormatCompactUtc(t);
  return IsCompactTime(text) ? text : "00000000T000000.000Z";
}

// Reads a regular file of at most kMaxHistoryFileBytes, never through a link.
Result<std::string> ReadBounded(const fs::path& path) {
  return io::ReadFileBounded(path, {.max_bytes = kMaxHistoryFileBytes, .follow_symlinks = false});
}

Result<std::string> StringField(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end()) return Error{ErrorKind::kParse, std::string("no \"") + key + "\""};
  if (!it->is_string()) {
    return Error{ErrorKind::kParse, std::string("\"") + key + "\" is not a string"};
  }
  const auto& s = it->get_ref<const std::string&>();
  if (s.size() > kMaxFieldBytes) {
    return Error{ErrorKind::kParse, std::string("\"") + key + "\" is too long"};
  }
  return s;
}

void AddUnique(std::vector<std::string>& list, std::set<std::string>& seen, const std::string& s) {
  if (seen.insert(s).second) list.push_back(s);
}

Result<HistoryEntry> EntryFromJson(const json& j) {
  if (!j.is_object()) return Error{ErrorKind::kParse, "not a JSON object"};
  auto schema = StringField(j, "schema");
  if (!schema.ok()) return schema.error();
  if (!schema->starts_with("posdiag.report/")) {
    return Error{ErrorKind::kParse,
                 "schema \"" + DisplayText(*schema) + "\" is not a posdiag report"};
  }
  HistoryEntry entry;
  for (auto [key, field] :
       {std::pair{"report_id", &entry.report_id}, std::pair{"started_at", &entry.started_at},
        std::pair{"level", &entry.level}, std::pair{"status", &entry.status}}) {
    auto value = StringField(j, key);
    if (!value.ok()) return value.error();
    *field = std::move(*value);
  }
  if (auto kind = StringField(j, "kind"); kind.ok()) entry.kind = std::move(*kind);
  entry.incident = DigestFromJson(j);
  std::set<std::string> rules_seen;
  std::set<std::string> codes_seen;
  const auto findings = j.find("findings");
  if (findings == j.end() || !findings->is_array()) {
    return Error{ErrorKind::kParse, "\"findings\" is missing or not a list"};
  }
  for (const auto& f : *findings) {
    if (!f.is_object()) return Error{ErrorKind::kParse, "a finding is not an object"};
    auto rule = StringField(f, "rule");
    if (!rule.ok()) return rule.error().Context("finding");
    auto code = StringField(f, "code");
    if (!code.ok()) return code.error().Context("finding");
    AddUnique(entry.rules, rules_seen, *rule);
    AddUnique(entry.codes, codes_seen, *code);
  }
  const auto suppressed = j.find("suppressed_findings");
  if (suppressed != j.end()) {
    if (!suppressed->is_array()) {
      return Error{ErrorKind::kParse, "\"suppressed_findings\" is not a list"};
    }
    for (const auto& f : *suppressed) {
      if (!f.is_object()) return Error{ErrorKind::kParse, "a suppressed finding is not an object"};
      auto rule = StringField(f, "rule");
      if (!rule.ok()) return rule.error().Context("suppressed finding");
      AddUnique(entry.rules, rules_seen, *rule);
    }
  } else {
    // A report with only the contract's keys still names its hidden symptoms.
    for (const auto& f : *findings) {
      const auto hidden = f.find("suppressed");
      if (hidden == f.end() || !hidden->is_array()) continue;
      for (const auto& id : *hidden) {
        if (id.is_string() && id.get_ref<const std::string&>().size() <= kMaxFieldBytes) {
          AddUnique(entry.rules, rules_seen, id.get<std::string>());
        }
      }
    }
  }
  return entry;
}

}  // namespace

Result<HistoryEntry> ParseHistoryEntry(std::string_view text) {
  if (text.size() > kMaxHistoryFileBytes) {
    return Error{ErrorKind::kParse,
                 "larger than " + std::to_string(kMaxHistoryFileBytes) + " bytes"};
  }
  if (text.empty()) return Error{ErrorKind::kParse, "empty"};
  try {
    const json j = json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return Error{ErrorKind::kParse, "not valid JSON (truncated?)"};
    return EntryFromJson(j);
  } catch (const std::exception& e) {
    return Error{ErrorKind::kParse, std::string("not valid JSON: ") + e.what()};
  }
}

long long HistorySequence(std::string_view name) {
  // SSSSSSSSSS-YYYYMMDDTHHMMSS.mmmZ-IDIDIDID.json
  if (!EndsWith(name, kEntrySuffix)) return -1;
  name.remove_suffix(kEntrySuffix.size());
  const long long seq = LeadingSequence(name);
  if (seq < 0) return -1;
  name.remove_prefix(kSeqDigits + 1);
  if (name.size() < 21 || !IsCompactTime(name.substr(0, 20)) || name[20] != '-') return -1;
  return IsNameId(name.substr(21)) ? seq : -1;
}

HistoryStore::HistoryStore(std::filesystem::path dir, std::size_t keep)
    : dir_(std::move(dir)), keep_(std::max<std::size_t>(keep, 1)) {}

Result<void> HistoryStore::Save(const Report& report) {
  try {
    const std::string text = RenderJson(report);
    if (text.size() > kMaxHistoryFileBytes) {
      return Error{ErrorKind::kInvalid, "history: report of " + std::to_string(text.size()) +
                                            " bytes is larger than an entry may be"};
    }
    std::error_code ec;
    fs::create_directories(dir_, ec);
    if (ec) return ErrnoError("history: create " + dir_.string(), ec.value());
    auto lock = io::LockDirectory(dir_, kLockWait);
    if (!lock.ok()) return lock.error().Context("history");
    auto names = ListDir(dir_);
    if (!names.ok()) return names.error().Context("history");

    // Under the lock no save is under way: every temp file is one a power cut or a kill left,
    // however recent its time (a restart loop leaves them by the minute; a clock set back dates
    // them in the future). Best effort: one that cannot be removed is ignored by Load anyway.
    for (const auto& temp : names->temps) fs::remove(dir_ / temp, ec);
    if (names->max_seq >= kMaxSeq) {
      return Error{ErrorKind::kInvalid, "history: " + dir_.string() + " holds sequence number " +
                                            SeqText(names->max_seq) +
                                            ", the last one; move its files aside"};
    }
    const std::string name = SeqText(names->max_seq + 1) + "-" + TimeForName(report.started_at) +
                             "-" + IdForName(report.report_id) + std::string(kEntrySuffix);
    auto saved = io::WriteFileAtomically(dir_, name, text);
    if (!saved.ok()) return saved.error().Context("history");
    names->entries.push_back(name);  // the highest sequence, so the list stays sorted

    std::vector<std::string> failed;
    auto prune = [&](const std::vector<std::string>& list, std::size_t keep) {
      for (std::size_t i = 0; i + keep < list.size(); ++i) {
        if (!fs::remove(dir_ / list[i], ec) && ec) failed.push_back(list[i] + ": " + ec.message());
      }
    };
    prune(names->entries, keep_);
    prune(names->corrupt, kMaxCorrupt);
    if (!failed.empty()) {
      return Error{ErrorKind::kIo,
                   "history: saved " + name + " but could not remove " + failed.front()};
    }
    return Ok();
  } catch (const std::exception& e) {
    return Error{ErrorKind::kIo, std::string("history: ") + e.what()};
  }
}

Listing HistoryStore::Load() const { return Load(keep_); }

Listing HistoryStore::Load(std::size_t max, const Want& want) const {
  Listing listing;
  const auto cannot_read = [&](const Error& error) {
    listing.error = error.Context("history");
    listing.problems.push_back(listing.error->Message());
  };
  try {
    struct stat st {};
    if (::stat(dir_.c_str(), &st) != 0) {
      // Nothing there (or a path through a file) is an empty history; anything else is not.
      if (errno != ENOENT && errno != ENOTDIR) cannot_read(ErrnoError(dir_.string(), errno));
      return listing;
    }
    auto lock = io::LockDirectory(dir_, kLockWait);
    if (!lock.ok()) {
      cannot_read(lock.error());
      return listing;
    }
    auto names = ListDir(dir_);
    if (!names.ok()) {
      cannot_read(names.error());
      return listing;
    }
    for (const auto& junk : names->junk) {
      listing.problems.push_back(
          io::SetAside(dir_, junk, junk + ": not a name posdiag gives a history entry"));
    }
    std::size_t listed = 0;  // whole entries read, wanted or not: the newest `keep_` count
    for (auto it = names->entries.rbegin();
         it != names->entries.rend() && listed < keep_ && listing.entries.size() < max; ++it) {
      const fs::path path = dir_ / *it;
      auto text = ReadBounded(path);
      if (!text.ok() && text.error().kind != ErrorKind::kParse) {
        // Could not read is not damaged: leave the entry for the next attempt.
        listing.problems.push_back(*it + ": " + text.error().Message());
        continue;
      }
      Result<HistoryEntry> entry =
          text.ok() ? ParseHistoryEntry(*text) : Result<HistoryEntry>(text.error());
      if (entry.ok()) {
        ++listed;
        if (want && !want(*entry)) continue;
        entry->file = path.string();
        listing.entries.push_back(std::move(*entry));
        continue;
      }
      listing.problems.push_back(io::SetAside(dir_, *it, *it + ": " + entry.error().Message()));
    }
  } catch (const std::exception& e) {
    listing.problems.push_back(std::string("history: ") + e.what());
  }
  return listing;
}

RuleFrequency Frequency(const Listing& listing) {
  RuleFrequency frequency;
  frequency.reports = listing.entries.size();
  for (const auto& entry : listing.entries) {
    const std::set<std::string> fired(entry.rules.begin(), entry.rules.end());
    for (const auto& rule : fired) ++frequency.fired[rule];
  }
  return frequency;
}

std::string RenderHistory(const Listing& listing, rules::Lang lang) {
  const bool en = lang == rules::Lang::kEn;
  std::string out;
  if (listing.entries.empty()) {
    out += en ? "No saved reports\n" : "没有保存的报告\n";
  } else {
    out += en ? "Saved reports, newest first (" + std::to_string(listing.entries.size()) + ")\n"
              : "已保存的报告，最新在前（" + std::to_string(listing.entries.size()) + " 份）\n";
  }
  for (const auto& e : listing.entries) {
    // Level and status in the reader's language when they are words we know.
    std::string level = DisplayText(e.level);
    if (Level l; ParseLevel(e.level, l)) level = LevelWord(l, lang);
    std::string status = DisplayText(e.status);
    for (RunStatus s : {RunStatus::kOk, RunStatus::kWarning, RunStatus::kError,
                        RunStatus::kCritical, RunStatus::kUnknown}) {
      if (e.status == RunStatusName(s)) status = StatusWord(s, lang);
    }
    std::string codes;
    for (const auto& c : e.codes) {
      if (!codes.empty()) codes += ' ';
      codes += DisplayText(c);
    }
    out += DisplayText(e.started_at) + "  " + DisplayText(e.report_id) + "  " + level + "  " +
           status + "  " + (codes.empty() ? "-" : codes);
    if (e.incident) {
      out += (en ? "  incident: " : "  故障记录：") + DisplayText(e.incident->code) + " x" +
             std::to_string(e.incident->failures);
    }
    out += "\n";
  }
  if (!listing.problems.empty()) {
    out += en ? "Problems:\n" : "问题：\n";
    for (const auto& p : listing.problems) out += "  " + DisplayText(p) + "\n";
  }
  return out;
}

std::string RenderIncidents(const Listing& listing, rules::Lang lang) {
  const bool en = lang == rules::Lang::kEn;
  std::string out;
  std::size_t n = 0;
  for (const auto& e : listing.entries) n += e.incident ? 1 : 0;
  if (n == 0) {
    out += en ? "No incidents recorded\n" : "没有故障记录\n";
  } else {
    out += en ? "Incidents, newest first (" + std::to_string(n) + ")\n"
              : "故障记录，最新在前（" + std::to_string(n) + " 条）\n";
  }
  for (const auto& e : listing.entries) {
    if (!e.incident) continue;
    const IncidentDigest& d = *e.incident;
    out += FormatRfc3339UtcSeconds(d.last_s) + "  " + DisplayText(e.report_id) + "  " +
           (en ? "code " : "应答码 ") + DisplayText(d.code) + "  x" + std::to_string(d.failures);
    if (d.failures > 1)
      out += std::string("  ") + (en ? "since " : "自 ") + FormatRfc3339UtcSeconds(d.first_s);
    if (!d.via.empty()) out += "  via " + DisplayText(d.via);
    out += "\n";
    if (d.causes.empty()) {
      out += en ? "    nothing found on the terminal (likely the bank's side)\n"
                : "    终端未发现故障（可能是银行一侧的问题）\n";
    }
    for (const auto& c : d.causes) {
      out += "    " + DisplayText(c.code) + "  " + DisplayText(c.rule) + "  " +
             DisplayText(c.title.In(lang)) + "\n";
    }
  }
  if (!listing.problems.empty()) {
    out += en ? "Problems:\n" : "问题：\n";
    for (const auto& p : listing.problems) out += "  " + DisplayText(p) + "\n";
  }
  return out;
}

}  // namespace posdiag::agent
