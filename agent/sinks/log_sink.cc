#include "agent/sinks/log_sink.h"

#include <spdlog/common.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <system_error>
#include <vector>

#include "agent/sinks/text_util.h"

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
  if (options.file_name.empty() || options.file_name.find('/') != std::string::npos) {
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

  const std::string path = (options.dir / options.file_name).string();
  try {
    std::vector<spdlog::sink_ptr> sinks;
    // spdlog counts the rotated copies only; our count includes the current file.
    auto file = std::make_shared<spdlog::sinks::rotating_file_sink_mt>(path, options.max_bytes,
                                                                       options.max_files - 1);
    file->set_formatter(std::make_unique<spdlog::pattern_formatter>(
        "%Y-%m-%dT%H:%M:%S.%eZ %l %v", spdlog::pattern_time_type::utc));
    sinks.push_back(std::move(file));
    if (options.stderr_level != spdlog::level::off) {
      auto err = std::make_shared<spdlog::sinks::stderr_sink_mt>();
      err->set_level(options.stderr_level);
      err->set_pattern("posdiag: %l: %v");
      sinks.push_back(std::move(err));
    }
    auto logger = std::make_shared<spdlog::logger>(options.logger_name, sinks.begin(), sinks.end());
    logger->set_level(spdlog::level::info);
    logger->flush_on(spdlog::level::warn);
    return logger;
  } catch (const spdlog::spdlog_ex& e) {
    // spdlog throws right after the failed system call, so errno still names the cause.
    const int err = errno;
    const ErrorKind kind = err != 0 ? ErrnoError("", err).kind : ErrorKind::kIo;
    return Error{kind, "log: open " + path + ": " + e.what()};
  } catch (const std::exception& e) {
    return Error{ErrorKind::kIo, "log: open " + path + ": " + e.what()};
  }
}

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
      if (p.status == ProbeStatus::kOk) continue;
      ++not_ok;
      Line line("probe");
      line.Add("report", id)
          .Add("name", p.name)
          .Add("status", ProbeStatusName(p.status))
          .Add("duration_ms", p.duration.count())
          .Add("error", p.error);
      const bool failed = p.status == ProbeStatus::kError || p.status == ProbeStatus::kTimeout;
      logger_->log(failed ? spdlog::level::warn : spdlog::level::info, "{}", line.text());
    }
    Line run("run");
    run.Add("report", id)
        .Add("level", LevelName(report.level))
        .Add("status", RunStatusName(report.status))
        .Add("exit", ExitCodeFor(report))
        .Add("findings", static_cast<std::int64_t>(report.evaluation.findings.size()))
        .Add("suppressed", static_cast<std::int64_t>(report.evaluation.suppressed.size()))
        .Add("probes", static_cast<std::int64_t>(report.probes.size()))
        .Add("probes_not_ok", not_ok)
        .Add("not_evaluated", static_cast<std::int64_t>(report.evaluation.not_evaluated.size()))
        .Add("duration_ms", report.duration.count())
        .Add("started_at", FormatRfc3339Utc(report.started_at));
    logger_->log(LevelFor(report.status), "{}", run.text());
    logger_->flush();
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
