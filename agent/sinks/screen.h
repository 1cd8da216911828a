// The terminal's own display as the modes use it: progress while the probes run, then the result,
// paged. An implementation draws on a framebuffer, a text console, or nowhere ("none"); it must
// not throw, and a drawing failure is returned as an Error (the caller logs it and goes on).
// Example:
//   class NullScreen : public Screen {
//     Result<void> ShowProgress(const RunProgress&, Level) override { return Ok(); }
//     ...
//   };
#pragma once

#include <cstddef>
#include <string_view>

#include "agent/report.h"
#include "agent/run.h"
#include "drivers/io/result.h"

namespace posdiag::agent {

class Screen {
 public:
  virtual ~Screen() = default;
  // Which probe is running, `done` of `total`.
  virtual Result<void> ShowProgress(const RunProgress& progress, Level level) = 0;
  // The result: status colour, one finding per line (code, title, first remedy), the report ID;
  // "all clear" when nothing was found. Pages count from 0; a page past the end shows the last.
  virtual Result<void> ShowReport(const Report& report, std::size_t page) = 0;
  // How many pages ShowReport needs for this report on this screen (at least 1).
  virtual std::size_t PageCount(const Report& report) const = 0;
  // A short message in both languages (the screen picks its own), e.g. an engineer test's prompt.
  virtual Result<void> ShowMessage(std::string_view zh_cn, std::string_view en) = 0;
  // Colour bars and a frame at the edges, for an engineer to check the panel.
  virtual Result<void> ShowTestPattern() = 0;
};

}  // namespace posdiag::agent
