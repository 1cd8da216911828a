#include "agent/sinks/stream_sink.h"

#include <cerrno>
#include <exception>

#include "agent/sinks/json_report.h"
#include "agent/sinks/text_report.h"

namespace posdiag::agent {

std::string_view ReportFormatName(ReportFormat format) {
  switch (format) {
    case ReportFormat::kText:
      return "text";
    case ReportFormat::kJson:
      return "json";
  }
  return "text";
}

bool ParseReportFormat(std::string_view text, ReportFormat& out) {
  for (ReportFormat f : {ReportFormat::kText, ReportFormat::kJson}) {
    if (text == ReportFormatName(f)) {
      out = f;
      return true;
    }
  }
  return false;
}

StreamSink::StreamSink(std::FILE* out, ReportFormat format, rules::Lang lang, std::string name)
    : out_(out), format_(format), lang_(lang), name_(std::move(name)) {}

Result<void> StreamSink::Write(const Report& report) {
  if (out_ == nullptr) return Error{ErrorKind::kInvalid, name_ + ": no stream"};
  std::string text;
  try {
    text = format_ == ReportFormat::kJson ? RenderJson(report) : RenderText(report, lang_);
  } catch (const std::exception& e) {
    return Error{ErrorKind::kIo, name_ + ": render: " + e.what()};
  }
  errno = 0;
  const std::size_t written = std::fwrite(text.data(), 1, text.size(), out_);
  const int write_errno = errno;
  if (written != text.size() || std::ferror(out_) != 0) {
    std::clearerr(out_);  // so the next report gets its own chance
    return ErrnoError(name_ + ": write", write_errno != 0 ? write_errno : EIO);
  }
  errno = 0;
  if (std::fflush(out_) != 0) {
    const int flush_errno = errno;
    std::clearerr(out_);
    return ErrnoError(name_ + ": flush", flush_errno != 0 ? flush_errno : EIO);
  }
  return Ok();
}

}  // namespace posdiag::agent
