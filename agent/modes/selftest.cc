// `posdiag selftest`: one run of the probes for a level, evaluated and handed to every sink.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "agent/modes/modes.h"
#include "agent/modes/setup.h"
#include "agent/report_id.h"
#include "agent/run.h"
#include "agent/sinks/history.h"
#include "agent/sinks/log_sink.h"
#include "agent/sinks/stream_sink.h"
#include "rules/engine/catalog.h"
#include "rules/engine/evaluator.h"

namespace posdiag::agent {
namespace {

// Hands the report to a sink; a failure is said on stderr and recorded for the sinks after it.
void Deliver(Sink& sink, Report& report, const std::shared_ptr<spdlog::logger>& log) {
  Result<void> written = sink.Write(report);
  if (written) return;
  const std::string line = std::string(sink.Name()) + ": " + written.error().detail;
  report.sink_errors.push_back(line);
  if (log) {
    log->error("sink report={} {}", report.report_id, LogValue(line));
  } else {
    std::fprintf(stderr, "posdiag: %s\n", line.c_str());
  }
}

}  // namespace

int RunSelftest(const SelftestArgs& args) {
  const auto steady_start = std::chrono::steady_clock::now();
  Report report;
  report.started_at = std::chrono::system_clock::now();
  report.level = args.level;
  report.report_id = NewReportId();

  auto setup = LoadSetup(args.config);
  if (!setup) {
    std::fprintf(stderr, "posdiag: %s\n", setup.error().detail.c_str());
    return 3;
  }
  const Config& config = *setup->config;
  report.config_source = config.source();

  // The log first, so everything after it can be logged. Without it the run goes on.
  const ConfigSection& log_section = config.Section("log");
  LogOptions log_options;
  log_options.dir = log_section.GetString("dir", kDefaultLogDir);
  log_options.max_bytes = static_cast<std::size_t>(log_section.GetInt("max_size_kb", 1024)) * 1024;
  log_options.max_files = static_cast<std::size_t>(log_section.GetInt("files", 3));
  std::shared_ptr<spdlog::logger> log;
  if (auto logger = MakeLogger(log_options)) {
    log = *logger;
  } else {
    report.sink_errors.push_back("log: " + logger.error().detail);
    std::fprintf(stderr, "posdiag: log: %s\n", logger.error().detail.c_str());
  }

  // Catalogue: built-in rules, with the site's files merged in; a broken file is skipped.
  const auto& builtin = rules::BuiltinCatalog();
  for (const auto& d : builtin.diagnostics) report.rule_errors.push_back(d.ToString());
  auto catalog = rules::MergeCatalog(builtin.rules, SiteRuleFiles(config), builtin.codes);
  for (const auto& d : catalog.diagnostics) report.rule_errors.push_back(d.ToString());

  RunEnvironment env{setup->config,
                     std::make_shared<io::RootFs>(config.Section("system").GetString("root", "/")),
                     std::make_shared<io::SystemClock>()};
  RunOptions options;
  options.level = args.level;
  options.budget = std::chrono::milliseconds(config.Section("run").GetInt("budget_ms", 10'000));
  RunOutput run = RunProbes(setup->probes, env, options);
  if (log) {
    for (const auto& problem : run.problems)
      log->error("run report={} {}", report.report_id, LogValue(problem));
  }

  report.probes = std::move(run.probes);
  report.facts = std::move(run.facts);
  report.evaluation = rules::Evaluate(catalog.rules, report.facts);
  report.status = StatusFor(report.evaluation, report.probes);

  const ConfigSection& history_section = config.Section("history");
  HistoryStore store(history_section.GetString("dir", kDefaultHistoryDir),
                     static_cast<std::size_t>(history_section.GetInt("keep", 50)));
  if (args.level == Level::kEngineer) {
    Listing listing = store.Load();
    report.history = Frequency(listing);
    for (const auto& problem : listing.problems)
      report.sink_errors.push_back("history: " + problem);
  }
  report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - steady_start);

  if (log) {
    LogSink log_sink(log);
    Deliver(log_sink, report, log);
  }
  HistorySink history_sink(std::move(store));
  Deliver(history_sink, report, log);
  StreamSink console(stdout,
                     args.format == OutputFormat::kJson ? ReportFormat::kJson : ReportFormat::kText,
                     args.lang);
  Deliver(console, report, log);

  const int exit_code = ExitCodeFor(report);
  if (log) log->flush();
  if (run.stragglers > 0) {
    // An abandoned probe thread may still be inside a system call; do not run static
    // destructors under it.
    std::fflush(nullptr);
    ::_exit(exit_code);
  }
  return exit_code;
}

}  // namespace posdiag::agent
