// One diagnosis, as every way in runs it: the probes of a level, evaluated against the catalogue,
// written to the log and to history. The caller then shows the report where its user looks (stdout,
// the display, the serial console). Built once per process; the daemon runs it on every key press.
#pragma once

#include <spdlog/logger.h>

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <vector>

#include "agent/fleet/fleet_settings.h"
#include "agent/handoff/signing.h"
#include "agent/modes/setup.h"
#include "agent/openers.h"
#include "agent/report.h"
#include "agent/routine.h"
#include "agent/run.h"
#include "agent/screen.h"
#include "agent/sinks/sink.h"
#include "rules/loader/catalog.h"

namespace posdiag::agent {

// The probes an incident run leaves alone, each with why, from the devices' IncidentUse:
// `local` when the failure was on the terminal, `busy` why a transaction holds the payment
// application's devices (Diagnoser::TransactionInProgress).
std::map<std::string, std::string, std::less<>> IncidentSkips(
    const Registry& registry, bool local, const std::optional<std::string>& busy);

class Diagnoser {
 public:
  // Loads the config (or the default one), opens the log and merges the site rules. An error
  // names the file and key; the caller exits 3. `open` reaches the devices (null: the real ones).
  static Result<std::unique_ptr<Diagnoser>> Create(const std::optional<std::string>& config_path,
                                                   std::shared_ptr<const Openers> open = nullptr);

  // Runs the probes of `level` and evaluates them; the report goes to the log and to history
  // before it is returned. `on_progress` is called on this thread as probes finish.
  // `cancel` cuts the run short (SIGTERM in the daemon): the probes still running are timed out
  // and the report, incomplete, is saved as any other.
  // `kind` says who asked (Report::kind). With [fleet], the report also goes into the outbox,
  // and the run holds the run lock (AnotherRunGoing) while it measures.
  Report Run(Level level, const std::function<void(const RunProgress&)>& on_progress = {},
             std::stop_token cancel = {}, std::string_view kind = "selftest");

  // An incident (the flight recorder, docs/recorder.md): the merchant-level probes, but those
  // IncidentSkips leaves alone (each device says which in its registration: skipped, with the
  // reason); kind "incident", the failed payment in Report::incident, and the
  // recorder.incident.* facts for the rules. Saved, logged and sent like any report; the incidents
  // kept in history beyond [recorder] keep are removed.
  Report RunIncident(IncidentInfo incident, std::stop_token cancel = {});

  // [fleet], when the config has it and its settings could be read (else the reason is in every
  // report's sink errors).
  const std::optional<fleet::FleetSettings>& fleet() const { return fleet_; }
  // Why a remote run must be refused now: another diagnosis (this process's or another's) is
  // measuring. Only with [fleet] (the lock lives in its outbox directory).
  std::optional<std::string> AnotherRunGoing() const;

  // Why probing or drawing must wait now: the payment application is in a transaction ([app]
  // busy_lock is locked, or busy_file exists); nullopt when it may go ahead. The boot self-test
  // runs before the application and does not ask.
  std::optional<std::string> TransactionInProgress() const;

  // Runs one probe (by name) alone at engineer level within the deadline, for a routine.
  Result<ProbeRun> RunProbeAlone(std::string_view name, io::Deadline deadline,
                                 std::stop_token cancel = {});

  // Runs an engineer routine (`test NAME`) with the display `screen` (may be null). A routine
  // whose device table is absent from the config is not run: kSkipped, before any prompt.
  // `answered` is requested when the engineer answers (RoutineContext::answered).
  RoutineResult RunRoutine(Routine& routine, Screen* screen, io::Deadline deadline,
                           std::stop_token cancel = {}, std::stop_token answered = {});

  // Hands the report to a sink; a failure is logged (or said on stderr without a log) and kept
  // in report.sink_errors for the sinks after it.
  void Deliver(Sink& sink, Report& report) const;

  const Config& config() const { return *setup_.config; }
  const Registry& registry() const { return *setup_.registry; }
  const std::vector<std::shared_ptr<Probe>>& probes() const { return setup_.registry->probes; }
  const std::vector<std::shared_ptr<Routine>>& routines() const {
    return setup_.registry->routines;
  }
  const Openers& openers() const { return *open_; }
  // [system] root, where every terminal path is.
  const io::RootFs& fs() const { return *fs_; }
  // The merged catalogue: built-in rules plus the site rule files that loaded.
  const rules::LoadOutcome& catalog() const { return catalog_; }
  // The log, or null when it could not be opened (the run goes on without it).
  const std::shared_ptr<spdlog::logger>& log() const { return log_; }
  std::string log_dir() const;
  std::string history_dir() const;
  std::size_t history_keep() const;
  // The terminal's ID in the hand-off summary ([report] terminal_id, else the host name).
  const std::string& terminal_id() const { return terminal_id_; }
  // Probe threads abandoned by a run that may still be inside a system call.
  std::size_t stragglers() const { return stragglers_; }

 private:
  explicit Diagnoser(Setup setup) : setup_(std::move(setup)) {}

  Setup setup_;
  std::shared_ptr<const Openers> open_;
  std::shared_ptr<const io::RootFs> fs_;
  std::shared_ptr<spdlog::logger> log_;
  RunEnvironment Environment() const;
  Report RunWith(Level level, const std::function<void(const RunProgress&)>& on_progress,
                 std::stop_token cancel, std::string_view kind,
                 std::map<std::string, std::string, std::less<>> skip,
                 std::optional<IncidentInfo> incident);

  std::vector<std::string> startup_errors_;                 // the log could not be opened
  std::vector<std::string> rule_errors_;                    // rule files that failed to load
  std::shared_ptr<const handoff::SigningKey> signing_key_;  // null: summaries are unsigned
  std::string terminal_id_;
  rules::LoadOutcome catalog_;
  std::size_t stragglers_ = 0;
  std::optional<fleet::FleetSettings> fleet_;
};

}  // namespace posdiag::agent
