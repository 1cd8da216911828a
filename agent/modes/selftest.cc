// `posdiag selftest`: one diagnosis for a level, shown on stdout and, when [display] is configured,
// on the terminal's display (progress while the probes run, then the result), plus the log and
// history.
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "agent/modes/diagnose.h"
#include "agent/modes/modes.h"
#include "agent/modes/setup.h"
#include "agent/probes/display/display_device.h"
#include "agent/sinks/display_screen.h"
#include "agent/sinks/export.h"
#include "agent/sinks/log_sink.h"
#include "agent/sinks/stream_sink.h"

namespace posdiag::agent {
namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr bool kFullTeardown = true;
#else
constexpr bool kFullTeardown = false;
#endif

// The result page of the display, as a sink: a drawing failure is reported like any other sink's.
class ScreenSink : public Sink {
 public:
  explicit ScreenSink(Screen& screen) : screen_(screen) {}
  std::string_view Name() const override { return "display"; }
  Result<void> Write(const Report& report) override { return screen_.ShowReport(report, 0); }

 private:
  Screen& screen_;
};

}  // namespace

int RunSelftest(const SelftestArgs& args) {
  auto diagnoser = Diagnoser::Create(args.config);
  if (!diagnoser) {
    PrintError(diagnoser.error());
    return 3;
  }
  Diagnoser& d = **diagnoser;

  // The display is a sink like the others: if it cannot be opened the run goes on without it,
  // and the display probe's facts make the failure a finding.
  std::string screen_error;
  std::unique_ptr<Screen> screen;
  auto settings = probes::ReadDisplaySettings(d.config().Section("display"));
  auto opened =
      settings ? OpenScreen(*settings, d.fs()) : Result<std::unique_ptr<Screen>>(settings.error());
  if (opened) {
    screen = std::move(*opened);
  } else {
    screen_error = "display: " + opened.error().detail;
    if (d.log()) d.log()->error("display {}", LogValue(opened.error().detail));
  }
  std::string progress_error;
  auto on_progress = [&](const RunProgress& progress) {
    if (!screen) return;
    if (auto shown = screen->ShowProgress(progress, args.level); !shown && progress_error.empty())
      progress_error = "display: " + shown.error().detail;
  };

  Report report = d.Run(args.level, on_progress);
  if (!screen_error.empty()) report.sink_errors.push_back(screen_error);
  if (!progress_error.empty()) report.sink_errors.push_back(progress_error);
  if (screen) {
    ScreenSink display(*screen);
    d.Deliver(display, report);
  }
  if (args.format == OutputFormat::kNagios) {
    std::fputs(RenderNagios(report).c_str(), stdout);
  } else {
    StreamSink console(
        stdout, args.format == OutputFormat::kJson ? ReportFormat::kJson : ReportFormat::kText,
        args.lang);
    d.Deliver(console, report);
  }

  const int exit_code = ExitCodeFor(report);
  if (d.log()) d.log()->flush();
  // Everything the run leaves is written by now, and synced where it must be (the log, history,
  // the outbox); stdout is flushed here. What is left is freeing the catalogue, the config, the
  // report and the libraries' state, which no one sees: the process ends without it. An abandoned
  // probe thread may also still be inside a system call, and static destructors must not run
  // under it. Sanitizer builds tear down in full, so that LeakSanitizer checks every run.
  if (d.stragglers() > 0 || !kFullTeardown) {
    std::fflush(nullptr);
    ::_exit(exit_code);
  }
  return exit_code;
}

}  // namespace posdiag::agent
