// The flight recorder (docs/recorder.md): `posdiag daemon` follows the payment application's
// journal and, when a payment fails with one of [recorder] codes, runs an incident diagnosis at
// once, so the report says what the network and modem were doing at that moment. Its parts:
//   JournalFollower  the file: reads what was appended since the last read, bounded, keeping a
//                    partial last line; follows rotation (rename + new file) and truncation
//   JournalWatch     an EventSource: inotify on the journal's directory (no polling), parses each
//                    new line with the journal driver's parser and hands on the entries
//   IncidentPlanner  pure: which failures start a run now, which are folded into the next one
//                    ([recorder] min_interval_s), and the one summary of a storm
//   Recorder         an EventSource (a timer): runs the incidents the planner releases
// Example:
//   JournalWatch watch(path, settings, log, [&](auto entries) { recorder.OnEntries(entries); });
//   loop.Add(&watch);
//   loop.Add(&recorder);
#pragma once

#include <spdlog/logger.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/config.h"
#include "agent/event_source.h"
#include "agent/report.h"
#include "drivers/base/clock.h"
#include "drivers/base/result.h"
#include "drivers/base/unique_fd.h"
#include "drivers/journal/journal_line.h"

namespace posdiag::agent {

// --- the file ------------------------------------------------------------------------------------

struct JournalLine {
  std::string text;            // without its '\n' (and '\r')
  bool first_of_file = false;  // the file's first line (a CSV header)
};

struct FollowBatch {
  std::vector<JournalLine> lines;
  bool rotated = false;     // a new file took the name; it is read from its start
  bool truncated = false;   // the file got shorter; read again from its start
  bool more = false;        // the read stopped at its bound: read again soon
  std::size_t dropped = 0;  // lines longer than the driver's kMaxLineBytes, skipped
  std::optional<Error> error;
};

class JournalFollower {
 public:
  JournalFollower(std::filesystem::path file, std::size_t max_read_bytes);
  // Opens the file at its end: what it holds already is not new. A file that does not exist yet
  // is opened when it appears (read from its start).
  void StartAtEnd();
  // Reads complete new lines: first what is left of the file being followed, then — when the
  // name now holds another file (rotation) — the new one from its start. At most
  // max_read_bytes per call (then `more`), checking `deadline` between chunks.
  FollowBatch Read(const io::Deadline& deadline);
  std::uint64_t offset() const { return offset_; }

 private:
  bool OpenCurrent(bool at_end);
  std::filesystem::path file_;
  std::size_t max_read_;
  io::UniqueFd fd_;
  std::uint64_t inode_ = 0;
  std::uint64_t device_ = 0;
  std::uint64_t offset_ = 0;
  std::string partial_;         // a line not yet ended
  bool partial_first_ = false;  // the partial line starts the file
  bool skipping_ = false;       // inside an overlong line: drop up to its end
};

// [journal], as the watch parses lines.
struct JournalFormat {
  bool csv = false;
  bool csv_header = true;
  drivers::journal::FieldNames fields;
  std::int64_t zoneless_offset_s = 0;
};
JournalFormat ReadJournalFormat(const ConfigSection& journal);

// Parses lines as they come, keeping the CSV header (the first line of each file).
class JournalParser {
 public:
  explicit JournalParser(JournalFormat format) : format_(std::move(format)) {}
  // The header when the watch starts in the middle of a CSV file.
  void SetHeader(const std::string& line);
  // The entries of the lines that parse; `bad` counts the others (never quoted: card data).
  std::vector<drivers::journal::Entry> Parse(const std::vector<JournalLine>& lines,
                                             std::size_t& bad);

 private:
  JournalFormat format_;
  std::optional<drivers::journal::CsvColumns> columns_;
};

// inotify on the journal's directory: the file's appends, its rotation (moved away, a new one
// created or moved in) and its truncation wake the daemon; nothing else does, and an idle
// journal costs no wake-up. A directory that does not exist yet is looked for again with
// back-off (a timer, up to 5 minutes).
class JournalWatch final : public EventSource {
 public:
  using OnEntries = std::function<void(const std::vector<drivers::journal::Entry>&)>;
  JournalWatch(std::filesystem::path file, JournalFormat format, std::size_t max_read_bytes,
               std::shared_ptr<spdlog::logger> log, OnEntries on_entries);
  ~JournalWatch() override;
  JournalWatch(const JournalWatch&) = delete;
  JournalWatch& operator=(const JournalWatch&) = delete;

  // Starts watching (the file's present content is not new).
  void Start(TimePoint now);
  bool watching() const { return fd_ >= 0; }

  int fd() const override { return fd_; }
  void OnReadable() override;
  std::optional<TimePoint> NextWake() const override { return wake_; }
  void OnWake(TimePoint now) override;
  void OnUnpollable(const std::string& why) override;

  std::size_t lines_read() const { return lines_read_; }
  std::size_t lines_bad() const { return lines_bad_; }

 private:
  bool AddWatch();
  void Drain();
  std::filesystem::path file_;
  JournalFollower follower_;
  JournalParser parser_;
  std::shared_ptr<spdlog::logger> log_;
  OnEntries on_entries_;
  int fd_ = -1;
  std::optional<TimePoint> wake_;
  std::chrono::milliseconds retry_{1000};
  bool said_missing_ = false;
  std::size_t lines_read_ = 0;
  std::size_t lines_bad_ = 0;
};

// --- the plan ------------------------------------------------------------------------------------

// A failed payment the watch saw, as an incident needs it (never a card number).
struct Failure {
  drivers::journal::Entry entry;
  bool local = false;
  std::chrono::steady_clock::time_point seen;  // when the watch read it
};

// What a run covers: the newest failure and how many there were since the last run.
struct IncidentBatch {
  Failure newest;
  std::int64_t failures = 0;
  std::int64_t first_s = 0;
  std::int64_t last_s = 0;
  bool local = false;  // any of them was a failure on the terminal
};

// A storm, said once when it has passed: failures folded into fewer runs.
struct StormSummary {
  std::int64_t failures = 0;
  std::int64_t runs = 0;
  std::int64_t first_s = 0;
  std::int64_t last_s = 0;
  std::map<std::string, std::int64_t> codes;
};

// Pure: decides when incident runs happen. The first failure after a quiet spell runs at once;
// failures within min_interval of a run's start wait and are folded into one run when the
// interval has passed. A storm of any size thus gives at most one run per min_interval, and one
// summary when a whole interval passes without a failure.
class IncidentPlanner {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  explicit IncidentPlanner(std::chrono::seconds min_interval) : min_interval_(min_interval) {}

  void Add(const Failure& failure);
  // When the pending run may start, or when a storm's summary is due; nullopt: nothing to do.
  std::optional<TimePoint> NextWake() const;
  // The failures to run for now, if a run is due at `now` (and marks the run started).
  std::optional<IncidentBatch> TakeDue(TimePoint now);
  // The storm's summary, once, if it has passed by `now`.
  std::optional<StormSummary> TakeSummary(TimePoint now);

  std::int64_t runs() const { return runs_; }
  std::size_t pending() const {
    return pending_ ? static_cast<std::size_t>(pending_->failures) : 0;
  }

 private:
  std::chrono::seconds min_interval_;
  std::optional<IncidentBatch> pending_;
  std::optional<TimePoint> first_pending_seen_;
  std::optional<TimePoint> last_run_;
  std::optional<TimePoint> last_failure_;
  StormSummary burst_;  // since the first run after a quiet spell
  std::int64_t runs_ = 0;
};

// --- the runs ------------------------------------------------------------------------------------

// [recorder], read.
struct RecorderSettings {
  std::set<std::string> codes;
  std::set<std::string> local_codes;
  std::chrono::seconds min_interval{60};
  std::size_t keep = 20;
  std::size_t max_read_bytes = 256 * 1024;
};
RecorderSettings ReadRecorderSettings(const ConfigSection& recorder);

// Takes the entries the watch reads, keeps the failures [recorder] names, and runs an incident
// for what the planner releases. The run itself is the daemon's (the Diagnoser's incident run);
// it happens in the loop's thread, so there is never more than one.
class Recorder final : public EventSource {
 public:
  using RunIncident = std::function<void(const IncidentBatch&)>;
  using SaySummary = std::function<void(const StormSummary&)>;
  Recorder(RecorderSettings settings, RunIncident run, SaySummary summary);

  void OnEntries(const std::vector<drivers::journal::Entry>& entries);

  int fd() const override { return -1; }
  void OnReadable() override {}
  std::optional<TimePoint> NextWake() const override { return planner_.NextWake(); }
  void OnWake(TimePoint now) override;

  const IncidentPlanner& planner() const { return planner_; }
  std::size_t failures_seen() const { return failures_seen_; }

 private:
  RecorderSettings settings_;
  RunIncident run_;
  SaySummary summary_;
  IncidentPlanner planner_;
  std::size_t failures_seen_ = 0;
};

// Removes the oldest incident reports from history beyond `keep` (other reports are left).
// Returns how many were removed.
std::size_t PruneIncidents(const std::filesystem::path& history_dir, std::size_t history_keep,
                           std::size_t keep);

}  // namespace posdiag::agent
