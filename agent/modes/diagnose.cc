#include "agent/modes/diagnose.h"

#include <fcntl.h>
#include <sys/file.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <thread>
#include <variant>

#include "agent/fact_util.h"
#include "agent/fleet/outbox.h"
#include "agent/modes/handoff.h"
#include "agent/modes/recorder.h"
#include "agent/report_id.h"
#include "agent/sinks/export.h"
#include "agent/sinks/history.h"
#include "agent/sinks/log_sink.h"
#include "drivers/base/unique_fd.h"
#include "rules/engine/evaluator.h"

namespace posdiag::agent {

Result<std::unique_ptr<Diagnoser>> Diagnoser::Create(const std::optional<std::string>& config_path,
                                                     std::shared_ptr<const Openers> open) {
  auto setup = LoadSetup(config_path);
  if (!setup) return setup.error();
  std::unique_ptr<Diagnoser> d(new Diagnoser(std::move(*setup)));
  d->open_ = open ? std::move(open) : std::make_shared<SystemOpeners>();
  d->fs_ = std::make_shared<io::RootFs>(d->config().Section("system").GetString("root"));

  // The log first, so everything after it can be logged. Without it the runs go on.
  const ConfigSection& log_section = d->config().Section("log");
  LogOptions log_options;
  log_options.dir = d->log_dir();
  log_options.max_bytes = static_cast<std::size_t>(log_section.GetInt("max_size_kb")) * 1024;
  log_options.max_files = static_cast<std::size_t>(log_section.GetInt("files"));
  if (auto logger = MakeLogger(log_options)) {
    d->log_ = *logger;
  } else {
    d->startup_errors_.push_back(logger.error().detail);
    std::fprintf(stderr, "posdiag: %s\n", logger.error().detail.c_str());
  }

  // Catalogue: built-in rules, with the site's files merged in, each checked as `posdiag rules
  // check` checks it; a file that fails is left out whole, listed in the report and logged.
  // A copy of its own, not BuiltinCatalog()'s: the merge takes it over, so the daemon holds the
  // rules once.
  rules::LoadOutcome builtin = rules::BuildBuiltinCatalog();
  for (const auto& diag : builtin.diagnostics) d->rule_errors_.push_back(diag.ToString());
  rules::SiteMerge merged =
      rules::MergeCatalog(std::move(builtin), SiteRuleFiles(d->config()), d->registry().facts);
  for (const auto& diag : merged.catalog.diagnostics) d->rule_errors_.push_back(diag.ToString());
  for (const auto& file : merged.rejected) {
    d->rule_errors_.push_back(file + ": left out whole: none of its rules or codes apply");
  }
  if (d->log_) {
    for (const auto& line : d->rule_errors_) d->log_->error("rules {}", LogValue(line));
  }
  d->catalog_ = std::move(merged.catalog);

  // [fleet]: a terminal that cannot say who it is still diagnoses; every report says why it is
  // not sent.
  if (const ConfigSection& fleet = d->config().Section("fleet"); fleet.present()) {
    if (auto settings = fleet::ReadFleetSettings(fleet, *d->fs_)) {
      d->fleet_ = std::move(*settings);
    } else {
      d->startup_errors_.push_back("fleet: " + settings.error().detail);
      if (d->log_) d->log_->error("fleet: {}", LogValue(settings.error().detail));
    }
  }
  // The hand-off summary's signing key: one that is configured but cannot be used leaves the
  // summaries unsigned (they say so), and every report says why.
  d->terminal_id_ = TerminalId(d->config(), d->fs());
  if (auto key = LoadSigningKey(d->config(), d->fs())) {
    d->signing_key_ = std::move(*key);
  } else {
    const std::string line = "hand-off: " + key.error().detail + "; summaries are unsigned";
    d->startup_errors_.push_back(line);
    if (d->log_) d->log_->error("{}", LogValue(line));
  }
  return d;
}

namespace {

// The run lock: a file in the outbox directory, locked exclusively while a diagnosis measures.
io::UniqueFd OpenRunLock(const std::string& outbox_dir) {
  std::error_code ec;
  std::filesystem::create_directories(outbox_dir, ec);
  return io::UniqueFd(
      ::open((outbox_dir + "/.run.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
}

}  // namespace

std::optional<std::string> Diagnoser::AnotherRunGoing() const {
  if (!fleet_) return std::nullopt;
  io::UniqueFd fd = OpenRunLock(fleet_->outbox_dir);
  if (!fd.valid()) return std::nullopt;
  if (::flock(fd.get(), LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
    return "another diagnosis is running";
  }
  return std::nullopt;
}

std::string Diagnoser::log_dir() const { return config().Section("log").GetString("dir"); }
std::string Diagnoser::history_dir() const { return config().Section("history").GetString("dir"); }
std::size_t Diagnoser::history_keep() const {
  return static_cast<std::size_t>(config().Section("history").GetInt("keep"));
}

std::optional<std::string> Diagnoser::TransactionInProgress() const {
  const ConfigSection& app = config().Section("app");
  if (app.Has("busy_file") && fs().Exists(app.GetString("busy_file"))) {
    return "a transaction is in progress (" + app.GetString("busy_file") + " exists)";
  }
  if (!app.Has("busy_lock")) return std::nullopt;
  const std::string lock = app.GetString("busy_lock");
  io::UniqueFd fd(::open(fs().Path(lock).c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd.valid()) return std::nullopt;  // no lock file: the application is not in a transaction
  // A shared lock conflicts only with the application's exclusive one, and is let go at once.
  if (::flock(fd.get(), LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
    return "a transaction is in progress (" + lock + " is locked)";
  }
  return std::nullopt;
}

Result<ProbeRun> Diagnoser::RunProbeAlone(std::string_view name, io::Deadline deadline,
                                          std::stop_token cancel) {
  std::shared_ptr<Probe> probe;
  for (const auto& p : probes()) {
    if (p->Name() == name) probe = p;
  }
  if (!probe) {
    return Error{ErrorKind::kUnsupported, "this build has no " + std::string(name) + " probe"};
  }
  RunOptions options;
  options.level = Level::kEngineer;
  options.budget = std::max(deadline.Remaining(), std::chrono::milliseconds(1));
  options.cancel = std::move(cancel);
  RunOutput out = RunProbes({probe}, Environment(), options);
  stragglers_ += out.stragglers;
  if (log_) {
    for (const auto& problem : out.problems) log_->error("run {}", LogValue(problem));
  }
  if (out.probes.empty()) return Error{ErrorKind::kUnsupported, "the probe did not run"};
  return ProbeRun{out.probes.front(), std::move(out.facts)};
}

RoutineResult Diagnoser::RunRoutine(Routine& routine, Screen* screen, io::Deadline deadline,
                                    std::stop_token cancel, std::stop_token answered) {
  const std::string section(routine.Section());
  if (!config().Section(section).present()) {
    return {RoutineResult::Verdict::kSkipped, "not configured: no [" + section + "] table"};
  }
  const RoutineContext ctx{config(),
                           fs(),
                           openers(),
                           screen,
                           [this, cancel](std::string_view probe, io::Deadline d) {
                             return RunProbeAlone(probe, d, cancel);
                           },
                           [this](const std::string& line) {
                             if (log_) log_->warn("{}", LogValue(line));
                           },
                           cancel,
                           std::move(answered)};
  return routine.Run(ctx, deadline);
}

RunEnvironment Diagnoser::Environment() const {
  // The diagnoser outlives every run; a probe thread abandoned at its deadline only reads these.
  return RunEnvironment{setup_.config, fs_, std::make_shared<io::SystemClock>(), open_};
}

void Diagnoser::Deliver(Sink& sink, Report& report) const {
  Result<void> written = sink.Write(report);
  if (written) return;
  const std::string line = std::string(sink.Name()) + ": " + written.error().detail;
  report.sink_errors.push_back(line);
  if (log_) {
    log_->error("sink report={} {}", report.report_id, LogValue(line));
  } else {
    std::fprintf(stderr, "posdiag: %s\n", line.c_str());
  }
}

Report Diagnoser::Run(Level level, const std::function<void(const RunProgress&)>& on_progress,
                      std::stop_token cancel, std::string_view kind) {
  return RunWith(level, on_progress, std::move(cancel), kind, {}, std::nullopt);
}

std::map<std::string, std::string, std::less<>> IncidentSkips(
    const Registry& registry, bool local, const std::optional<std::string>& busy) {
  std::map<std::string, std::string, std::less<>> skip;
  for (const auto& [name, use] : registry.incident) {
    if (use == IncidentUse::kNever) {
      skip[name] = "an incident leaves the payment application's screen and card slots alone";
    } else if (use == IncidentUse::kOnlyLocal && !local) {
      skip[name] = "the failure was not on the terminal: an incident checks the way to the host";
    } else if (busy && (use == IncidentUse::kOnlyLocal || use == IncidentUse::kNotWhileHeld)) {
      skip[name] = *busy + ": the payment application holds it";
    }
  }
  return skip;
}

Report Diagnoser::RunIncident(IncidentInfo incident, std::stop_token cancel) {
  auto skip = IncidentSkips(registry(), incident.local, TransactionInProgress());
  Report report =
      RunWith(Level::kMerchant, {}, std::move(cancel), "incident", std::move(skip), incident);
  const ConfigSection& recorder = config().Section("recorder");
  const std::size_t removed = PruneIncidents(history_dir(), history_keep(),
                                             static_cast<std::size_t>(recorder.GetInt("keep")));
  if (removed > 0 && log_) log_->info("recorder: {} older incident reports removed", removed);
  return report;
}

namespace {

// The type of the interface the route to the payment host takes ("cellular"), or "".
std::string RouteVia(const rules::FactSet& facts) {
  const rules::Fact* dev = facts.Find("network.route.interface");
  if (dev == nullptr) dev = facts.Find("network.route.default_dev");
  if (dev == nullptr || !std::holds_alternative<std::string>(dev->value)) return "";
  const std::string segment = probes::FactSegment(std::get<std::string>(dev->value));
  const rules::Fact* type = facts.Find("network.if." + segment + ".type");
  if (type == nullptr || !std::holds_alternative<std::string>(type->value)) return "";
  return std::get<std::string>(type->value);
}

void AddAgentFact(rules::FactSet& facts, std::string name, rules::FactValue value,
                  std::string unit = {}) {
  facts.Add(rules::Fact{std::move(name), std::move(value), std::move(unit), "recorder"});
}

}  // namespace

Report Diagnoser::RunWith(Level level, const std::function<void(const RunProgress&)>& on_progress,
                          std::stop_token cancel, std::string_view kind,
                          std::map<std::string, std::string, std::less<>> skip,
                          std::optional<IncidentInfo> incident) {
  const auto steady_start = std::chrono::steady_clock::now();
  io::UniqueFd run_lock;
  if (fleet_) {
    // Waits for another run to finish (each is bounded by its budget), then goes ahead anyway.
    run_lock = OpenRunLock(fleet_->outbox_dir);
    const auto give_up = steady_start + std::chrono::milliseconds(
                                            config().Section("run").GetInt("budget_ms") + 1000);
    while (run_lock.valid() && ::flock(run_lock.get(), LOCK_EX | LOCK_NB) != 0 &&
           errno == EWOULDBLOCK && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  Report report;
  report.kind = std::string(kind);
  report.started_at = std::chrono::system_clock::now();
  report.level = level;
  report.report_id = NewReportId();
  report.config_source = config().source();
  report.rule_errors = rule_errors_;
  report.sink_errors = startup_errors_;

  RunOptions options;
  options.level = level;
  options.budget = std::chrono::milliseconds(config().Section("run").GetInt("budget_ms"));
  options.on_progress = on_progress;
  options.cancel = std::move(cancel);
  options.skip = std::move(skip);
  RunOutput run = RunProbes(probes(), Environment(), options);
  stragglers_ += run.stragglers;
  const auto captured = std::chrono::steady_clock::now();
  if (log_) {
    for (const auto& problem : run.problems)
      log_->error("run report={} {}", report.report_id, LogValue(problem));
  }

  report.probes = std::move(run.probes);
  report.facts = std::move(run.facts);

  HistoryStore store(history_dir(), history_keep());
  const bool recorder_on =
      config().Section("journal").present() && config().Section("recorder").GetBool("enabled");
  report.local_offset_s = config().Section("journal").GetInt("utc_offset_min") * 60;
  if (level == Level::kEngineer || (recorder_on && level == Level::kMerchant)) {
    // The merchant's screen needs only the incidents: the other entries are not held.
    Listing listing = level == Level::kEngineer
                          ? store.Load()
                          : store.Load(store.keep(), [](const HistoryEntry& e) {
                              return e.incident.has_value();
                            });
    if (level == Level::kEngineer) report.history = Frequency(listing);
    for (const auto& entry : listing.entries) {
      if (entry.incident) report.incidents.push_back(*entry.incident);
    }
    for (const auto& problem : listing.problems)
      report.sink_errors.push_back("history: " + problem);
  }
  AddAgentFact(report.facts, "recorder.incident.active", incident.has_value());
  if (incident) {
    const std::int64_t now_s = std::chrono::floor<std::chrono::seconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
    incident->capture_ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(captured - steady_start).count();
    incident->via = RouteVia(report.facts);
    const rules::Fact* dns = report.facts.Find("network.dns.ok");
    incident->dns_failed =
        dns != nullptr && std::holds_alternative<bool>(dns->value) && !std::get<bool>(dns->value);
    const bool timeout = incident->code == "68" || incident->code == "98";
    AddAgentFact(report.facts, "recorder.incident.code", incident->code);
    AddAgentFact(report.facts, "recorder.incident.timeout", timeout);
    AddAgentFact(report.facts, "recorder.incident.local", incident->local);
    AddAgentFact(report.facts, "recorder.incident.failures", incident->failures);
    AddAgentFact(report.facts, "recorder.incident.age_s", now_s - incident->time_s, "s");
    if (!incident->via.empty()) AddAgentFact(report.facts, "recorder.incident.via", incident->via);
    // The last day's incidents, this one included, for the rules over incidents.
    std::int64_t count = 1;
    std::int64_t not_cellular = incident->via == "cellular" ? 0 : 1;
    std::int64_t dns_failed = incident->dns_failed ? 1 : 0;
    for (const auto& d : report.incidents) {
      if (d.last_s <= now_s - 24 * 3600) continue;
      ++count;
      if (d.via != "cellular") ++not_cellular;
      if (d.dns_failed) ++dns_failed;
    }
    AddAgentFact(report.facts, "recorder.incident.recent.count", count);
    AddAgentFact(report.facts, "recorder.incident.recent.not_cellular", not_cellular);
    AddAgentFact(report.facts, "recorder.incident.recent.dns_failed", dns_failed);
    report.incident = std::move(incident);
    report.incidents.clear();  // an incident report is about its own failure only
  }
  report.evaluation = rules::Evaluate(catalog_.rules, report.facts);
  report.status = StatusFor(report.evaluation, report.probes);
  if (auto handoff = MakeHandoff(report, terminal_id_, signing_key_.get())) {
    report.handoff = std::move(*handoff);
  } else {
    report.sink_errors.push_back("hand-off: " + handoff.error().detail);
  }
  report.duration = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - steady_start);

  if (log_) {
    LogSink log_sink(log_);
    Deliver(log_sink, report);
  }
  HistorySink history_sink(std::move(store));
  Deliver(history_sink, report);
  if (const ConfigSection& exports = config().Section("export");
      exports.Has("prometheus_textfile")) {
    PrometheusSink prometheus(exports.GetString("prometheus_textfile"));
    Deliver(prometheus, report);
  }
  if (fleet_) {
    fleet::Outbox outbox(fleet_->outbox_dir, fleet_->outbox_max_bytes);
    fleet::OutboxSink outbox_sink(outbox, fleet_->terminal_id);
    Deliver(outbox_sink, report);
  }
  if (log_) log_->flush();
  return report;
}

}  // namespace posdiag::agent
