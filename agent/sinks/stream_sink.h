// A sink that writes the text or JSON report to a stdio stream (stdout, the serial console, a
// file the caller opened). A failed write or flush is returned as an Error; nothing is thrown.
#pragma once

#include <cstdio>
#include <string>

#include "agent/sinks/sink.h"
#include "rules/engine/rule.h"

namespace posdiag::agent {

enum class ReportFormat { kText, kJson };
std::string_view ReportFormatName(ReportFormat format);  // "text", "json"
bool ParseReportFormat(std::string_view text, ReportFormat& out);

class StreamSink : public Sink {
 public:
  // `out` is borrowed: the caller keeps it open for the sink's life and closes it.
  StreamSink(std::FILE* out, ReportFormat format, rules::Lang lang, std::string name = "stdout");

  std::string_view Name() const override { return name_; }
  Result<void> Write(const Report& report) override;

 private:
  std::FILE* out_;
  ReportFormat format_;
  rules::Lang lang_;
  std::string name_;
};

}  // namespace posdiag::agent
