// `posdiag selftest`: one diagnosis for a level, shown on stdout (and the log and history).
#include <unistd.h>

#include <cstdio>

#include "agent/modes/diagnose.h"
#include "agent/modes/modes.h"
#include "agent/sinks/stream_sink.h"

namespace posdiag::agent {

int RunSelftest(const SelftestArgs& args) {
  auto diagnoser = Diagnoser::Create(args.config);
  if (!diagnoser) {
    std::fprintf(stderr, "posdiag: %s\n", diagnoser.error().detail.c_str());
    return 3;
  }
  Diagnoser& d = **diagnoser;
  Report report = d.Run(args.level);

  StreamSink console(stdout,
                     args.format == OutputFormat::kJson ? ReportFormat::kJson : ReportFormat::kText,
                     args.lang);
  d.Deliver(console, report);

  const int exit_code = ExitCodeFor(report);
  if (d.log()) d.log()->flush();
  if (d.stragglers() > 0) {
    // An abandoned probe thread may still be inside a system call; do not run static
    // destructors under it.
    std::fflush(nullptr);
    ::_exit(exit_code);
  }
  return exit_code;
}

}  // namespace posdiag::agent
