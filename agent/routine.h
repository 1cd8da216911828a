// An engineer routine: an interactive test the serial console offers as `test <name>` (swipe a
// card, insert a chip card, press every key, look at the panel, take the slip). It belongs to its
// device (agent/probes/<device>/, registered by its Device) and judges what it saw itself; the
// console only dispatches by name. A routine whose device is held by another process says so and
// leaves it alone; one the engineer does not act on by the deadline is kSkipped. A routine whose
// device table is absent from the config is not run: the console answers `skipped` before any
// prompt. Example:
//
//   class SlipRoutine : public Routine {
//     std::string_view Name() const override { return "slip"; }
//     std::string_view Help() const override { return "take the test slip from the printer"; }
//     std::string_view Section() const override { return "printer"; }
//     RoutineResult Run(const RoutineContext& ctx, io::Deadline deadline) override {
//       auto run = ctx.run_probe("printer", deadline);
//       ...
//     }
//   };
#pragma once

#include <functional>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>

#include "agent/config.h"
#include "agent/openers.h"
#include "agent/report.h"
#include "agent/screen.h"
#include "drivers/base/clock.h"
#include "drivers/base/result.h"
#include "drivers/io/root_fs.h"
#include "rules/engine/fact.h"

namespace posdiag::agent {

struct RoutineResult {
  enum class Verdict { kPassed, kFailed, kSkipped, kError };
  Verdict verdict = Verdict::kError;
  // One line for the engineer. Never holds card data beyond a masked card number (6 + 4).
  std::string detail;
};

// "passed", "failed", "skipped", "error".
std::string_view VerdictName(RoutineResult::Verdict verdict);

// One probe's outcome and facts, from a run of that probe alone at engineer level.
struct ProbeRun {
  ProbeOutcome outcome;
  rules::FactSet facts;

  std::optional<bool> Bool(const std::string& name) const;
  std::string Text(const std::string& name) const;  // "" when missing or not text
  std::string Why(const std::string& name) const;   // why the probe could not measure it
  // An outcome other than ok as a result: not configured / unsupported / error: kError,
  // timeout: kSkipped; nullopt when the probe measured.
  std::optional<RoutineResult> NotMeasured() const;
};

struct RoutineContext {
  const Config& config;
  const io::RootFs& fs;
  const Openers& open;
  Screen* screen;  // the terminal's display for prompts and patterns; null when there is none
  // Runs one probe (by name) alone at engineer level, within the deadline.
  std::function<Result<ProbeRun>(std::string_view probe, io::Deadline deadline)> run_probe;
  // Writes a line to posdiag's log (a prompt that could not be drawn); may be empty.
  std::function<void(const std::string&)> log;
  // Requested when posdiag is stopping: a routine that waits for the engineer ends now (kSkipped).
  std::stop_token stop;
  // Requested when the engineer answers (a line typed on the console): a routine that holds
  // something up for the engineer to look at (the test pattern) ends then. Never requested when
  // nobody can answer; such a routine holds until the deadline.
  std::stop_token answered = {};

  // Shows a prompt on the display, when there is one; a drawing failure is not the routine's.
  void Prompt(std::string_view zh_cn, std::string_view en) const;
};

class Routine {
 public:
  virtual ~Routine() = default;
  virtual std::string_view Name() const = 0;     // the word after `test`
  virtual std::string_view Help() const = 0;     // what the engineer does, for `help`
  virtual std::string_view Section() const = 0;  // the config table its device needs
  virtual RoutineResult Run(const RoutineContext& ctx, io::Deadline deadline) = 0;
};

}  // namespace posdiag::agent
