#include "agent/modes/recorder.h"

#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "agent/probes/journal/journal_device.h"
#include "agent/sinks/history.h"
#include "drivers/journal/journal_file.h"

namespace posdiag::agent {
namespace {

namespace fs = std::filesystem;
namespace jr = drivers::journal;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr std::size_t kChunkBytes = 16 * 1024;
// A file read that overruns this is cut and continued at the next wake-up.
constexpr milliseconds kReadDeadline{200};
constexpr milliseconds kRetryMax{300'000};

}  // namespace

// --- JournalFollower -----------------------------------------------------------------------------

JournalFollower::JournalFollower(fs::path file, std::size_t max_read_bytes)
    : file_(std::move(file)), max_read_(std::max<std::size_t>(max_read_bytes, kChunkBytes)) {}

bool JournalFollower::OpenCurrent(bool at_end) {
  io::UniqueFd fd(::open(file_.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY));
  if (!fd.valid()) return false;
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  fd_ = std::move(fd);
  inode_ = st.st_ino;
  device_ = st.st_dev;
  offset_ = at_end ? static_cast<std::uint64_t>(st.st_size) : 0;
  partial_.clear();
  partial_first_ = !at_end || st.st_size == 0;
  skipping_ = false;
  return true;
}

void JournalFollower::StartAtEnd() { (void)OpenCurrent(/*at_end=*/true); }

FollowBatch JournalFollower::Read(const io::Deadline& deadline) {
  FollowBatch batch;
  std::size_t budget = max_read_;
  char buf[kChunkBytes];
  // Splits `data` into lines, keeping an unended piece in partial_.
  const auto take = [&](std::string_view data) {
    while (!data.empty()) {
      const std::size_t nl = data.find('\n');
      const std::string_view piece = data.substr(0, nl);
      if (skipping_) {
        if (nl == std::string_view::npos) return;
        skipping_ = false;
      } else if (partial_.size() + piece.size() > jr::kMaxLineBytes) {
        // Not a journal line; never buffered whole.
        ++batch.dropped;
        partial_.clear();
        partial_first_ = false;
        skipping_ = nl == std::string_view::npos;
      } else {
        partial_.append(piece);
        if (nl == std::string_view::npos) return;
        std::string line = std::move(partial_);
        partial_.clear();
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const bool first = partial_first_;
        partial_first_ = false;
        if (first && line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);
        if (!line.empty()) batch.lines.push_back({std::move(line), first});
      }
      if (nl == std::string_view::npos) return;
      data.remove_prefix(nl + 1);
    }
  };
  // Reads the followed file from offset_ to its end (or the budget).
  const auto drain = [&]() -> bool {
    struct stat st {};
    if (::fstat(fd_.get(), &st) != 0) {
      batch.error = ErrnoError(file_.string(), errno);
      return false;
    }
    if (static_cast<std::uint64_t>(st.st_size) < offset_) {
      batch.truncated = true;
      offset_ = 0;
      partial_.clear();
      partial_first_ = true;
      skipping_ = false;
    }
    while (budget > 0) {
      if (deadline.Expired()) {
        batch.more = true;
        return false;
      }
      const ssize_t n =
          ::pread(fd_.get(), buf, std::min(sizeof buf, budget), static_cast<off_t>(offset_));
      if (n < 0) {
        if (errno == EINTR) continue;
        batch.error = ErrnoError(file_.string(), errno);
        return false;
      }
      if (n == 0) return true;  // at the end
      offset_ += static_cast<std::uint64_t>(n);
      budget -= static_cast<std::size_t>(n);
      take(std::string_view(buf, static_cast<std::size_t>(n)));
    }
    batch.more = true;
    return false;
  };

  if (!fd_.valid()) {
    // Not there at the start, or gone: a file that appears is new from its first byte.
    if (!OpenCurrent(/*at_end=*/false)) return batch;
    batch.rotated = true;
  }
  if (!drain()) return batch;
  // At the end of the followed file: does the name still hold it?
  struct stat now {};
  if (::stat(file_.c_str(), &now) != 0) {
    // Moved away and not yet replaced: keep the old one (the application may still write to it)
    // and look again at the next event.
    return batch;
  }
  if (now.st_ino == inode_ && now.st_dev == device_) return batch;
  // Rotated: what the old file held is read; a line it left unended is dropped.
  fd_.Reset();
  if (!OpenCurrent(/*at_end=*/false)) return batch;
  batch.rotated = true;
  (void)drain();
  return batch;
}

// --- JournalParser -------------------------------------------------------------------------------

JournalFormat ReadJournalFormat(const ConfigSection& journal) {
  JournalFormat f;
  f.csv = journal.GetString("format") == "csv";
  f.csv_header = journal.GetBool("csv_header");
  f.fields = probes::JournalFieldNames(journal);
  f.zoneless_offset_s = journal.GetInt("utc_offset_min") * 60;
  return f;
}

void JournalParser::SetHeader(const std::string& line) {
  if (!format_.csv) return;
  auto cells = jr::SplitCsvRecord(line);
  if (!cells) return;
  auto columns = jr::ResolveCsvColumns(format_.fields, &*cells);
  if (columns) columns_ = *columns;
}

std::vector<jr::Entry> JournalParser::Parse(const std::vector<JournalLine>& lines,
                                            std::size_t& bad) {
  std::vector<jr::Entry> out;
  if (format_.csv && !format_.csv_header && !columns_) {
    if (auto columns = jr::ResolveCsvColumns(format_.fields, nullptr)) columns_ = *columns;
  }
  for (const JournalLine& line : lines) {
    if (format_.csv && format_.csv_header && line.first_of_file) {
      SetHeader(line.text);
      continue;
    }
    Result<jr::Entry> entry =
        !format_.csv ? jr::ParseJsonLine(line.text, format_.fields, format_.zoneless_offset_s)
        : columns_   ? jr::ParseCsvLine(line.text, *columns_, format_.zoneless_offset_s)
                     : Result<jr::Entry>(Error{ErrorKind::kParse, "no CSV header yet"});
    if (entry) {
      out.push_back(std::move(*entry));
    } else {
      ++bad;
    }
  }
  return out;
}

// --- JournalWatch --------------------------------------------------------------------------------

JournalWatch::JournalWatch(fs::path file, JournalFormat format, std::size_t max_read_bytes,
                           std::shared_ptr<spdlog::logger> log, OnEntries on_entries)
    : file_(std::move(file)),
      follower_(file_, max_read_bytes),
      parser_(std::move(format)),
      log_(std::move(log)),
      on_entries_(std::move(on_entries)) {}

JournalWatch::~JournalWatch() {
  if (fd_ >= 0) ::close(fd_);
}

bool JournalWatch::AddWatch() {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) return false;
  // Appends (IN_MODIFY), a truncation (IN_MODIFY too), the name taken away or given to another
  // file (IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE).
  const std::string dir = file_.parent_path().string();
  if (::inotify_add_watch(
          fd, dir.c_str(),
          IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ONLYDIR) < 0) {
    const int err = errno;
    ::close(fd);
    if (!said_missing_ && log_) {
      log_->warn("recorder: cannot watch {}: {}; looking again with back-off", dir,
                 std::strerror(err));
    }
    said_missing_ = true;
    return false;
  }
  fd_ = fd;
  if (said_missing_ && log_) log_->info("recorder: watching {}", dir);
  said_missing_ = false;
  return true;
}

void JournalWatch::Start(TimePoint now) {
  // The watch first, so nothing appended between the two is missed.
  if (!AddWatch()) {
    wake_ = now + retry_;
    return;
  }
  wake_.reset();
  follower_.StartAtEnd();
  // A CSV file already there: its header, for the lines that follow.
  struct stat st {};
  if (::stat(file_.c_str(), &st) == 0 && st.st_size > 0) {
    if (auto header = jr::ReadFirstLine(file_, io::Deadline::In(kReadDeadline))) {
      parser_.SetHeader(*header);
    }
  }
}

void JournalWatch::Drain() {
  const FollowBatch batch = follower_.Read(io::Deadline::In(kReadDeadline));
  if (batch.rotated && log_) log_->info("recorder: {}: following a new file", file_.string());
  if (batch.truncated && log_)
    log_->info("recorder: {}: truncated; reading from its start", file_.string());
  if (batch.error && log_) log_->warn("recorder: {}", batch.error->detail);
  lines_read_ += batch.lines.size();
  lines_bad_ += batch.dropped;
  std::size_t bad = 0;
  const auto entries = parser_.Parse(batch.lines, bad);
  lines_bad_ += bad;
  // A bound reached: the rest is read at the next turn of the loop, not in one go.
  wake_ = batch.more ? std::optional<TimePoint>(steady_clock::now()) : std::nullopt;
  if (!entries.empty() && on_entries_) on_entries_(entries);
}

void JournalWatch::OnReadable() {
  alignas(inotify_event) char buffer[4096];
  bool relevant = false;
  bool gone = false;
  const std::string name = file_.filename().string();
  // Bounded: a directory with a busy neighbour cannot hold the loop.
  for (int reads = 0; reads < 16; ++reads) {
    const ssize_t n = ::read(fd_, buffer, sizeof buffer);
    if (n <= 0) break;
    for (ssize_t at = 0; at < n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buffer + at);
      if (ev->len > 0 && name == ev->name) relevant = true;
      if ((ev->mask & IN_Q_OVERFLOW) != 0) relevant = true;
      if ((ev->mask & IN_IGNORED) != 0) gone = true;  // the directory itself went away
      at += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
    }
  }
  if (relevant || gone) Drain();
  if (gone) {
    if (log_)
      log_->warn("recorder: {}: the directory went away; looking for it again", file_.string());
    ::close(fd_);
    fd_ = -1;
    retry_ = milliseconds(1000);
    wake_ = steady_clock::now() + retry_;
  }
}

void JournalWatch::OnWake(TimePoint now) {
  if (fd_ < 0) {
    if (AddWatch()) {
      wake_.reset();
      // The directory appeared: whatever the file holds now is new.
      Drain();
    } else {
      retry_ = std::min(retry_ * 2, kRetryMax);
      wake_ = now + retry_;
    }
    return;
  }
  Drain();
}

void JournalWatch::OnUnpollable(const std::string& why) {
  if (log_) log_->warn("recorder: cannot wait on the journal watch: {}", why);
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  wake_ = steady_clock::now() + retry_;
}

// --- IncidentPlanner -----------------------------------------------------------------------------

void IncidentPlanner::Add(const Failure& f) {
  if (!pending_) {
    pending_ = IncidentBatch{f, 0, f.entry.epoch_s, f.entry.epoch_s, false};
    first_pending_seen_ = f.seen;
  }
  IncidentBatch& p = *pending_;
  p.newest = f;
  ++p.failures;
  p.first_s = std::min(p.first_s, f.entry.epoch_s);
  p.last_s = std::max(p.last_s, f.entry.epoch_s);
  p.local = p.local || f.local;
  last_failure_ = f.seen;
  if (burst_.failures == 0) burst_.first_s = f.entry.epoch_s;
  ++burst_.failures;
  burst_.first_s = std::min(burst_.first_s, f.entry.epoch_s);
  burst_.last_s = std::max(burst_.last_s, f.entry.epoch_s);
  ++burst_.codes[f.entry.code];
}

std::optional<IncidentPlanner::TimePoint> IncidentPlanner::NextWake() const {
  if (pending_) {
    if (!last_run_) return first_pending_seen_;
    return std::max(*first_pending_seen_, *last_run_ + min_interval_);
  }
  // A burst passes when a whole interval after its last run had no failure.
  if (burst_.runs > 0 && last_run_) return *last_run_ + min_interval_;
  return std::nullopt;
}

std::optional<IncidentBatch> IncidentPlanner::TakeDue(TimePoint now) {
  if (!pending_) return std::nullopt;
  const auto due = NextWake();
  if (!due || *due > now) return std::nullopt;
  IncidentBatch batch = std::move(*pending_);
  pending_.reset();
  first_pending_seen_.reset();
  last_run_ = now;
  ++runs_;
  ++burst_.runs;
  return batch;
}

std::optional<StormSummary> IncidentPlanner::TakeSummary(TimePoint now) {
  if (pending_ || burst_.runs == 0 || !last_run_ || now < *last_run_ + min_interval_) {
    return std::nullopt;
  }
  StormSummary done = std::move(burst_);
  burst_ = StormSummary{};
  // A burst whose every failure had its own run needs no summary: each report says it.
  if (done.failures <= done.runs) return std::nullopt;
  return done;
}

// --- Recorder ------------------------------------------------------------------------------------

RecorderSettings ReadRecorderSettings(const ConfigSection& recorder) {
  RecorderSettings s;
  for (const auto& c : recorder.GetStringList("codes")) s.codes.insert(c);
  for (const auto& c : recorder.GetStringList("local_codes")) s.local_codes.insert(c);
  s.min_interval = std::chrono::seconds(recorder.GetInt("min_interval_s"));
  s.keep = static_cast<std::size_t>(recorder.GetInt("keep"));
  s.max_read_bytes = static_cast<std::size_t>(recorder.GetInt("max_read_kb")) * 1024;
  return s;
}

Recorder::Recorder(RecorderSettings settings, RunIncident run, SaySummary summary)
    : settings_(std::move(settings)),
      run_(std::move(run)),
      summary_(std::move(summary)),
      planner_(settings_.min_interval) {}

void Recorder::OnEntries(const std::vector<jr::Entry>& entries) {
  const auto now = steady_clock::now();
  for (const auto& e : entries) {
    const bool local = settings_.local_codes.contains(e.code);
    if (!local && !settings_.codes.contains(e.code)) continue;
    ++failures_seen_;
    planner_.Add(Failure{e, local, now});
  }
}

void Recorder::OnWake(TimePoint now) {
  if (auto batch = planner_.TakeDue(now)) {
    if (run_) run_(*batch);
    return;
  }
  if (auto summary = planner_.TakeSummary(now); summary && summary_) summary_(*summary);
}

// --- history -------------------------------------------------------------------------------------

std::size_t PruneIncidents(const fs::path& history_dir, std::size_t history_keep,
                           std::size_t keep) {
  const HistoryStore store(history_dir, history_keep);
  const Listing listing =
      store.Load(history_keep, [](const HistoryEntry& e) { return e.kind == "incident"; });
  std::size_t seen = 0;
  std::size_t removed = 0;
  for (const auto& entry : listing.entries) {  // newest first
    if (++seen <= keep) continue;
    std::error_code ec;
    if (fs::remove(entry.file, ec)) ++removed;
  }
  return removed;
}

}  // namespace posdiag::agent
