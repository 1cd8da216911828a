// The run: picks the probes of a level, runs them concurrently, each under its own deadline
// inside a whole-run budget, and gathers their facts. A probe that overruns is reported `timeout`
// and whatever it reports later is dropped; one that throws or fails is `error` with its message.
// The run always returns by the budget, whatever the probes do.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <stop_token>
#include <string>
#include <vector>

#include "agent/config.h"
#include "agent/openers.h"
#include "agent/probe.h"
#include "agent/report.h"
#include "drivers/base/clock.h"
#include "drivers/io/root_fs.h"

namespace posdiag::agent {

struct RunOptions {
  Level level = Level::kBoot;
  std::chrono::milliseconds budget{10'000};
  // Called on the caller's thread: once when the probes start, then each time one finishes. It
  // must return quickly; the run's deadlines do not wait for it.
  std::function<void(const RunProgress&)> on_progress;
  // Requested: the run ends now; probes still running are timed out ("cut short") and dropped.
  std::stop_token cancel;
  // Probes (by name) not to run this time, each with the reason the report gives (kSkipped):
  // an incident run leaves the payment application's devices alone.
  std::map<std::string, std::string, std::less<>> skip;
};

struct RunOutput {
  std::vector<ProbeOutcome> probes;  // in registry order
  rules::FactSet facts;
  // Facts dropped: an invalid or undeclared name, a value of the wrong type. Each is a bug in
  // the probe; the tests fail on any.
  std::vector<std::string> problems;
  std::size_t stragglers = 0;  // probe threads still running when the run returned
};

// Everything a probe may touch is shared, so a probe thread that outlives the run (it overran
// and was abandoned) still holds valid objects.
struct RunEnvironment {
  std::shared_ptr<const Config> config;
  std::shared_ptr<const io::RootFs> fs;
  std::shared_ptr<const io::Clock> clock;
  std::shared_ptr<const Openers> open;
};

RunOutput RunProbes(const std::vector<std::shared_ptr<Probe>>& probes, const RunEnvironment& env,
                    const RunOptions& options);

}  // namespace posdiag::agent
