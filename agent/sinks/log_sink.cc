#include "agent/sinks/log_sink.h"

#include <fcntl.h>
#include <spdlog/common.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <optional>
#include <string_view>
#include <system_error>
#include <vector>

#include "agent/sinks/text_util.h"
#include "drivers/base/unique_fd.h"

namespace posdiag::agent {
namespace {

// Findings and the run summary describe the terminal, not a failure of posdiag: they go to the
// file at info or warn (each line carries its severity), so stderr keeps posdiag's own errors —
// a sink that failed, a probe problem — and the console shows the report only once.
spdlog::level::level_enum LevelFor(rules::Severity s) {
  return s == rules::Severity::kInfo ? spdlog::level::info : spdlog::level::warn;
}

spdlog::level::level_enum LevelFor(RunStatus s) {
  return s == RunStatus::kOk ? spdlog::level::info : spdlog::level::warn;
}

// Builds one "event key=value key=value" line.
class Line {
 public:
  explicit Line(std::string_view event) : text_(event) {}
  Line& Add(std::string_view key, std::string_view value) {
    text_ += ' ';
    text_ += key;
    text_ += '=';
    text_ += LogValue(value);
    return *this;
  }
  Line& Add(std::string_view key, std::int64_t value) { return Add(key, std::to_string(value)); }
  const std::string& text() const { return text_; }

 private:
  std::string text_;
};

bool NeedsQuotes(unsigned char c) {
  return c <= ' ' || c == '"' || c == '=' || c == '\\' || c == 0x7F;
}

// The log file: written only when it is a regular file of the user posdiag runs as, opened
// without following a link, so a link or a FIFO planted where the log goes is refused and nothing
// is written through it. Rotation renames only names that pass the same check. Each line is one
// write(2) on an O_APPEND descriptor and reaches the file at once; flush() makes it durable.
class LogFileSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  // While held, a flush syncs nothing: the lines of one report are written one by one and made
  // durable together when the hold ends (ReportBatch).
  void HoldSync(bool hold) { held_.store(hold); }

  static Result<std::shared_ptr<LogFileSink>> Open(const LogOptions& options) {
    std::shared_ptr<LogFileSink> sink(new LogFileSink(options));
    const int dir = ::open(options.dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dir < 0) return ErrnoError("log: open " + options.dir.string(), errno);
    sink->dir_.Reset(dir);
    if (auto opened = sink->OpenCurrent(); !opened.ok()) return opened.error();
    return sink;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t formatted;
    formatter_->format(msg, formatted);
    if (!fd_.valid()) Throw(OpenCurrent());  // a rotation that could not make the new file
    if (size_ > 0 && size_ + formatted.size() > max_bytes_) Throw(Rotate(formatted.size()));
    std::string line;
    // After a full disk or a crash the file may end inside a line; ours starts on a fresh one.
    if (mid_line_) line += '\n';
    line.append(formatted.data(), formatted.size());
    Throw(Append(line));
  }

  // A flush with nothing written since the last sync syncs nothing: a self-test flushes after
  // the report's lines, after its history entry and before it exits, and only the first has
  // lines to make durable.
  void flush_() override {
    if (!fd_.valid() || held_.load() || !unsynced_) return;
    // Some file systems cannot sync; what they hold is all there is.
    if (::fdatasync(fd_.get()) != 0 && errno != EINVAL && errno != EROFS) {
      Throw(ErrnoError("log: sync " + Path(name_), errno));
    }
    unsynced_ = false;
  }

 private:
  std::atomic<bool> held_{false};

  explicit LogFileSink(const LogOptions& options)
      : dir_path_(options.dir),
        name_(options.file_name),
        max_bytes_(options.max_bytes),
        max_files_(options.max_files) {}

  static void Throw(const Result<void>& result) {
    if (!result.ok()) throw spdlog::spdlog_ex(result.error().Message());
  }

  std::string Path(const std::string& name) const { return (dir_path_ / name).string(); }

  // "posdiag.log" with index 2 is "posdiag.2.log", as spdlog names its rotated files.
  std::string NameFor(std::size_t index) const {
    if (index == 0) return name_;
    const std::size_t dot = name_.rfind('.');
    const std::string number = "." + std::to_string(index);
    if (dot == std::string::npos || dot == 0 || dot + 1 == name_.size()) return name_ + number;
    return name_.substr(0, dot) + number + name_.substr(dot);
  }

  // What is at `name` in the log directory, never following a link: nullopt when nothing is, an
  // Error when it is anything but a regular file of ours.
  Result<std::optional<struct stat>> Inspect(const std::string& name) const {
    struct stat st {};
    if (::fstatat(dir_.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return std::optional<struct stat>();
      return ErrnoError(Path(name), errno);
    }
    if (auto ours = Ours(name, st); !ours.ok()) return ours.error();
    return std::optional<struct stat>(st);
  }

  Result<void> Ours(const std::string& name, const struct stat& st) const {
    const auto refuse = [&](const std::string& what) {
      return Error{ErrorKind::kPermission,
                   Path(name) + ": " + what + "; the log is written only to a regular file of " +
                       "posdiag's own user (uid " + std::to_string(::geteuid()) + ")"};
    };
    if (S_ISLNK(st.st_mode)) return refuse("a symbolic link");
    if (S_ISDIR(st.st_mode)) return refuse("a directory");
    if (S_ISFIFO(st.st_mode)) return refuse("a FIFO");
    if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) return refuse("a device");
    if (!S_ISREG(st.st_mode)) return refuse("not a regular file");
    if (st.st_uid != ::geteuid()) return refuse("owned by uid " + std::to_string(st.st_uid));
    return Ok();
  }

  // Opens the current file, creating it when absent. The name is checked before the open (so a
  // device is never opened: opening some resets them) and the descriptor after it (so nothing
  // swapped in between is used).
  Result<void> OpenCurrent() {
    const auto fail = [](const Error& e) { return Error{e.kind, "log: open " + e.detail}; };
    auto before = Inspect(name_);
    if (!before.ok()) return fail(before.error());
    int flags = O_RDWR | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK;
    if (!before->has_value()) flags |= O_CREAT | O_EXCL;
    io::UniqueFd fd(::openat(dir_.get(), name_.c_str(), flags, 0640));
    if (!fd.valid()) return fail(ErrnoError(Path(name_), errno));
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return fail(ErrnoError(Path(name_), errno));
    if (auto ours = Ours(name_, st); !ours.ok()) return fail(ours.error());
    if (before->has_value() && ((*before)->st_dev != st.st_dev || (*before)->st_ino != st.st_ino)) {
      return fail(Error{ErrorKind::kBusy, Path(name_) + ": replaced while it was opened"});
    }
    ::fcntl(fd.get(), F_SETFL, O_APPEND);  // O_NONBLOCK was for the open only
    bool mid_line = false;
    if (st.st_size > 0) {
      char last = '\n';
      if (::pread(fd.get(), &last, 1, st.st_size - 1) != 1) {
        return fail(ErrnoError("read " + Path(name_), errno));
      }
      mid_line = last != '\n';
    }
    fd_ = std::move(fd);
    size_ = static_cast<std::size_t>(st.st_size);
    mid_line_ = mid_line;
    return Ok();
  }

  Result<void> Append(std::string_view data) {
    std::size_t written = 0;
    while (written < data.size()) {
      const ssize_t n = ::write(fd_.get(), data.data() + written, data.size() - written);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        const int err = n < 0 ? errno : EIO;
        size_ += written;
        if (written > 0) mid_line_ = unsynced_ = true;
        return ErrnoError("log: write " + Path(name_), err);
      }
      written += static_cast<std::size_t>(n);
    }
    size_ += written;
    mid_line_ = false;
    unsynced_ = unsynced_ || written > 0;
    return Ok();
  }

  // posdiag.log -> posdiag.1.log -> ... -> posdiag.<files-1>.log, the oldest dropped, to make
  // room for `incoming` bytes. When that cannot be done the current file is emptied instead, so
  // the log stays bounded.
  Result<void> Rotate(std::size_t incoming) {
    if (max_files_ > 1) {
      if (auto followed = FollowName(); !followed.ok()) return followed;
      if (size_ == 0 || size_ + incoming <= max_bytes_) return Ok();
    }
    Result<void> rotated = max_files_ > 1 ? RenameAll() : Ok();
    if (rotated.ok() && max_files_ > 1) {
      fd_.Reset();
      if (auto opened = OpenCurrent(); !opened.ok()) return opened.error().Context("log: rotate");
      return Ok();
    }
    if (::ftruncate(fd_.get(), 0) != 0) {
      return ErrnoError("log: truncate " + Path(name_), errno);
    }
    size_ = 0;
    mid_line_ = false;
    unsynced_ = true;
    return rotated;
  }

  // Another posdiag process (a self-test beside the daemon) may have rotated the log since this
  // one opened it: then the file now under the name is the one to write, and it may have room.
  // Whatever is under the name that may not be used is left for RenameAll to report.
  Result<void> FollowName() {
    struct stat current {};
    if (::fstat(fd_.get(), &current) != 0) return ErrnoError("log: " + Path(name_), errno);
    auto at_name = Inspect(name_);
    if (!at_name.ok()) return Ok();
    if (at_name->has_value() && (*at_name)->st_dev == current.st_dev &&
        (*at_name)->st_ino == current.st_ino) {
      return Ok();
    }
    fd_.Reset();
    return OpenCurrent();
  }

  Result<void> RenameAll() {
    struct stat current {};
    if (::fstat(fd_.get(), &current) != 0) return ErrnoError("log: " + Path(name_), errno);
    for (std::size_t i = max_files_ - 1; i > 0; --i) {
      const std::string from = NameFor(i - 1);
      const std::string to = NameFor(i);
      const auto fail = [&](const Error& e) {
        return e.Context("log: rotate: failed renaming " + Path(from) + " to " + Path(to));
      };
      auto source = Inspect(from);
      if (!source.ok()) return fail(source.error());
      if (!source->has_value()) continue;
      if (i == 1 && ((*source)->st_dev != current.st_dev || (*source)->st_ino != current.st_ino)) {
        return fail(Error{ErrorKind::kBusy, Path(from) + " is no longer the file being written"});
      }
      auto target = Inspect(to);
      if (!target.ok()) return fail(target.error());
      if (::renameat(dir_.get(), from.c_str(), dir_.get(), to.c_str()) != 0) {
        return fail(ErrnoError("rename", errno));
      }
    }
    return Ok();
  }

  std::filesystem::path dir_path_;
  std::string name_;
  std::size_t max_bytes_;
  std::size_t max_files_;
  io::UniqueFd dir_;
  io::UniqueFd fd_;        // invalid after a rotation that could not create the new file
  std::size_t size_ = 0;   // of the current file, as far as we wrote it
  bool mid_line_ = false;  // the file ends inside a line
  bool unsynced_ = false;  // written to since the last fdatasync
};

}  // namespace

std::string LogValue(std::string_view value) {
  const std::string clean = ValidUtf8(RedactCardData(value));
  bool quote = clean.empty();
  for (unsigned char c : clean) quote = quote || NeedsQuotes(c);
  if (!quote) return clean;
  std::string out = "\"";
  for (unsigned char c : clean) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char hex[8];
          std::snprintf(hex, sizeof hex, "\\x%02X", c);
          out += hex;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

Result<std::shared_ptr<spdlog::logger>> MakeLogger(const LogOptions& options) {
  if (options.dir.empty()) return Error{ErrorKind::kInvalid, "log: no directory given"};
  if (options.file_name.empty() || options.file_name.find('/') != std::string::npos ||
      options.file_name == "." || options.file_name == "..") {
    return Error{ErrorKind::kInvalid, "log: bad file name \"" + options.file_name + "\""};
  }
  if (options.max_bytes < 256) {
    return Error{ErrorKind::kInvalid, "log: max size below 256 bytes"};
  }
  if (options.max_files < 1 || options.max_files > 100) {
    return Error{ErrorKind::kInvalid, "log: file count must be 1 to 100"};
  }
  std::error_code ec;
  std::filesystem::create_directories(options.dir, ec);
  if (ec) return ErrnoError("log: create " + options.dir.string(), ec.value());

  auto file = LogFileSink::Open(options);
  if (!file.ok()) return file.error();
  try {
    std::vector<spdlog::sink_ptr> sinks;
    (*file)->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        "%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc));
    sinks.push_back(std::move(*file));
    if (options.stderr_level != spdlog::level::off) {
      auto err = std::make_shared<spdlog::sinks::stderr_sink_mt>();
      err->set_level(options.stderr_level);
      err->set_pattern("posdiag: %l: %v");
      sinks.push_back(std::move(err));
    }
    auto logger = std::make_shared<spdlog::logger>(options.logger_name, sinks.begin(), sinks.end());
    logger->set_level(spdlog::level::info);
    // Every line is on disk when log() returns: a console login is not lost to a power cut a
    // second later. The log takes a few lines per run, so a sync per line costs nothing to speak
    // of, and needs no flusher thread.
    logger->flush_on(spdlog::level::info);
    return logger;
  } catch (const std::exception& e) {
    return Error{ErrorKind::kIo, "log: " + std::string(e.what())};
  }
}

namespace {

// One report's lines, synced once: each is written as it is logged (a crash of posdiag loses none
// of them) and all reach the disk with one fdatasync when the batch ends, instead of one per line
// (a report logs a line per finding and per probe not ok, plus its summary). Lines other threads
// log meanwhile are synced with them, a few milliseconds later than alone.
class ReportBatch {
 public:
  explicit ReportBatch(spdlog::logger& logger) {
    for (const auto& sink : logger.sinks()) {
      if (auto* file = dynamic_cast<LogFileSink*>(sink.get())) {
        file_ = file;
        file_->HoldSync(true);
      }
    }
  }
  ~ReportBatch() {
    if (file_ != nullptr) file_->HoldSync(false);
  }
  ReportBatch(const ReportBatch&) = delete;
  ReportBatch& operator=(const ReportBatch&) = delete;

 private:
  LogFileSink* file_ = nullptr;
};

}  // namespace

LogSink::LogSink(std::shared_ptr<spdlog::logger> logger)
    : logger_(std::move(logger)), failures_(std::make_shared<Failures>()) {
  if (logger_ == nullptr) return;
  // The handler may outlive this sink inside the logger, so it holds the state, not `this`.
  logger_->set_error_handler([failures = failures_](const std::string& message) {
    const std::lock_guard lock(failures->mutex);
    ++failures->count;
    failures->last = message;
  });
}

Result<void> LogSink::Write(const Report& report) {
  if (logger_ == nullptr) return Error{ErrorKind::kInvalid, "log: no logger"};
  try {
    std::optional<ReportBatch> batch(std::in_place, *logger_);
    const std::string& id = report.report_id;
    for (const auto* list : {&report.evaluation.findings, &report.evaluation.suppressed}) {
      const bool suppressed = list == &report.evaluation.suppressed;
      for (const auto& f : *list) {
        Line line("finding");
        line.Add("report", id)
            .Add("rule", f.rule)
            .Add("code", f.code)
            .Add("severity", rules::SeverityName(f.severity))
            .Add("component", f.component)
            .Add("suppressed_by", f.suppressed_by)
            .Add("title", f.title.en);
        // A hidden symptom is context, not an alarm: it stays out of stderr.
        logger_->log(suppressed ? spdlog::level::info : LevelFor(f.severity), "{}", line.text());
      }
    }
    std::int64_t not_ok = 0;
    for (const auto& p : report.probes) {
      if (p.status == ProbeStatus::kOk && p.unmeasured.empty()) continue;
      ++not_ok;
      Line line("probe");
      line.Add("report", id)
          .Add("name", p.name)
          .Add("status", ProbeStatusName(p.status))
          .Add("duration_ms", p.duration.count())
          .Add("error", p.status == ProbeStatus::kOk ? p.unmeasured : p.error);
      const bool failed = CouldNotComplete(p);
      logger_->log(failed ? spdlog::level::warn : spdlog::level::info, "{}", line.text());
    }
    // What started the run (selftest, key, remote, incident, ...), so an incident can be told
    // from a key press; an incident also says which failed payments it is about.
    Line run("run");
    run.Add("report", id).Add("level", LevelName(report.level)).Add("kind", report.kind);
    if (report.incident) {
      run.Add("code", report.incident->code).Add("failures", report.incident->failures);
    }
    run.Add("status", RunStatusName(report.status))
        .Add("exit", ExitCodeFor(report))
        .Add("findings", static_cast<std::int64_t>(report.evaluation.findings.size()))
        .Add("suppressed", static_cast<std::int64_t>(report.evaluation.suppressed.size()))
        .Add("probes", static_cast<std::int64_t>(report.probes.size()))
        .Add("probes_not_ok", not_ok)
        .Add("not_evaluated", static_cast<std::int64_t>(report.evaluation.not_evaluated.size()))
        .Add("duration_ms", report.duration.count())
        .Add("started_at", FormatRfc3339Utc(report.started_at));
    logger_->log(LevelFor(report.status), "{}", run.text());
    batch.reset();
    logger_->flush();  // the one sync of the report's lines
  } catch (const std::exception& e) {
    return Error{ErrorKind::kIo, std::string("log: ") + e.what()};
  }
  const std::lock_guard lock(failures_->mutex);
  if (failures_->count == 0) return Ok();
  Error error{ErrorKind::kIo, "log: " + std::to_string(failures_->count) +
                                  " failed write(s), last: " + failures_->last};
  failures_->count = 0;
  return error;
}

}  // namespace posdiag::agent
