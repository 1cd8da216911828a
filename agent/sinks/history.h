// The history: every report saved as its JSON file in one directory, the newest `keep` kept.
// Saving is atomic (temp file, fsync, rename, fsync of the directory), so a power cut never
// damages an entry already saved; a damaged or foreign entry found on load is set aside as
// "<name>.corrupt" and reported, never fatal. Names sort in save order:
//   0000000042-20261121T054049.123Z-7KQ2M9X4.json
// The sequence number comes first because a terminal's clock can be wrong (a dead clock battery
// gives 1970), and the newest report must never be the one pruned as "oldest". Saving, pruning
// and setting aside hold an flock on the directory, so concurrent runs never share a number and
// exactly the newest `keep` remain. Only a whole name posdiag writes (sequence, time, a report ID
// with its check symbol, or NOID) is an entry: any other file is never read or numbered.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/report.h"
#include "agent/sinks/sink.h"
#include "drivers/base/result.h"
#include "rules/engine/rule.h"

namespace posdiag::agent {

// A saved report is read only up to this size; anything larger is not one of ours.
inline constexpr std::size_t kMaxHistoryFileBytes = 4 * 1024 * 1024;

struct HistoryEntry {
  std::string report_id;
  std::string started_at;          // as saved: RFC 3339 UTC
  std::string level;               // "boot", "merchant", "engineer"
  std::string status;              // "ok", "warning", ...
  std::vector<std::string> rules;  // every rule that fired, suppressed symptoms included
  std::vector<std::string> codes;  // merchant codes of the findings shown, in report order
  std::string kind;                // who asked ("key", "incident", ...); "" in older reports
  std::optional<IncidentDigest> incident;  // kind "incident": the failed payment it is about
  std::string file;                        // the entry's path
};

struct Listing {
  std::vector<HistoryEntry> entries;  // newest first
  std::vector<std::string> problems;  // entries set aside or unreadable, one line each
  // Set when the directory itself could not be read (nothing is listed; also in `problems`).
  // An absent directory is an empty history, not an error.
  std::optional<Error> error;
};

// Reads the fields the history needs from a saved JSON report. Pure; bad input is an Error.
Result<HistoryEntry> ParseHistoryEntry(std::string_view text);

// The sequence number of an entry's file name, or -1 for any name posdiag does not write. Pure.
long long HistorySequence(std::string_view file_name);

class HistoryStore {
 public:
  explicit HistoryStore(std::filesystem::path dir, std::size_t keep = 50);

  // Saves the report's JSON atomically, then removes the oldest entries beyond `keep` and
  // leftover temp files of interrupted saves. Creates the directory when missing. Waits a few
  // seconds at most for a concurrent save or load (kBusy after that).
  Result<void> Save(const Report& report);

  // Up to `keep` entries, newest first. Damaged entries and files that are not entries are
  // renamed aside and listed in `problems`; a missing directory is an empty history, one that
  // cannot be read sets `error`.
  Listing Load() const;

  // As Load(), but the listing holds only the newest `max` entries that `want` accepts (every
  // entry when unset); the others are read, and set aside when damaged, but not held. A load then
  // costs memory for what its caller uses, not for the whole directory: the daemon looks for
  // incidents on every diagnose press, and a listing of every entry raised the heap's high-water
  // mark (and the daemon's RSS) with each report saved.
  using Want = std::function<bool(const HistoryEntry&)>;
  Listing Load(std::size_t max, const Want& want = {}) const;

  const std::filesystem::path& dir() const { return dir_; }
  std::size_t keep() const { return keep_; }

 private:
  std::filesystem::path dir_;
  std::size_t keep_;
};

// In how many of the listed reports each rule fired.
RuleFrequency Frequency(const Listing& listing);

// `posdiag history`: one line per past report (time, ID, level, status, codes), then problems.
std::string RenderHistory(const Listing& listing, rules::Lang lang);

// `incidents`: one block per incident report (time, ID, the failed payment's code and how many
// it covers, its root causes), then problems.
std::string RenderIncidents(const Listing& listing, rules::Lang lang);

class HistorySink : public Sink {
 public:
  explicit HistorySink(HistoryStore store) : store_(std::move(store)) {}

  std::string_view Name() const override { return "history"; }
  Result<void> Write(const Report& report) override { return store_.Save(report); }

 private:
  HistoryStore store_;
};

}  // namespace posdiag::agent
