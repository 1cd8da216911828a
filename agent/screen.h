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
#include <optional>
#include <string>
#include <string_view>

#include "agent/report.h"
#include "drivers/base/result.h"
#include "drivers/display/framebuffer.h"
#include "rules/engine/rule.h"

namespace posdiag::agent {

enum class DisplayBackend { kFramebuffer, kConsole, kNone };

// Which display and how to draw on it, as the display device reads it from [display]
// (agent/probes/display) and agent/sinks/display_screen.h opens it.
struct DisplaySettings {
  DisplayBackend backend = DisplayBackend::kNone;
  std::string backend_name = "none";
  std::string device = "/dev/fb0";    // framebuffer, a system path under [system] root
  std::string console = "/dev/tty1";  // text console, likewise
  bool color = true;
  rules::Lang lang = rules::Lang::kZhCn;
  // The format of a regular file standing in for a framebuffer (`geometry`, `line_length`).
  std::optional<drivers::display::FbFormat> file_format;
};

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

  // The display belongs to the payment application; posdiag borrows it. Borrow() keeps what it
  // shows now (before posdiag's first drawing), Return() puts exactly that back. Both are no-ops
  // where nothing can be kept (a text console, no display); Return() without Borrow() is one too.
  virtual void Borrow() {}
  virtual void Return() {}
};

}  // namespace posdiag::agent
