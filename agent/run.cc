#include "agent/run.h"

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <system_error>
#include <thread>

namespace posdiag::agent {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// What one probe thread hands back. Guarded by Board::mu.
struct Slot {
  bool done = false;
  ProbeStatus status = ProbeStatus::kOk;
  std::string error;
  FactWriter writer;
  steady_clock::time_point finished;
};

struct Board {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Slot> slots;
};

milliseconds Since(steady_clock::time_point start, steady_clock::time_point end) {
  return std::chrono::duration_cast<milliseconds>(end - start);
}

// Runs inside the probe's thread. Never throws.
void RunOne(const std::shared_ptr<Probe>& probe, const RunEnvironment& env,
            const std::shared_ptr<Board>& board, std::size_t index, io::Deadline deadline,
            std::stop_token stop, Level level) {
  Slot local;
  const ConfigSection& section = env.config->Section(probe->Name());
  const ProbeContext ctx{*env.fs,     *env.clock, *env.open,       section,
                         *env.config, deadline,   std::move(stop), level};
  try {
    const Support support = probe->CheckSupport(ctx);
    switch (support.state) {
      case Support::State::kSupported: {
        Result<void> measured = probe->Measure(ctx, local.writer);
        if (!measured) {
          local.status = ProbeStatus::kError;
          local.error = measured.error().detail;
        } else {
          local.writer.RequireMeasured(probe->EssentialFacts(ctx));
        }
        break;
      }
      case Support::State::kUnsupported:
        local.status = ProbeStatus::kUnsupported;
        local.error = support.reason;
        break;
      case Support::State::kNotConfigured:
        local.status = ProbeStatus::kNotConfigured;
        local.error = support.reason;
        break;
    }
  } catch (const std::exception& e) {
    local.status = ProbeStatus::kError;
    local.error = std::string("exception: ") + e.what();
  } catch (...) {
    local.status = ProbeStatus::kError;
    local.error = "unknown exception";
  }
  local.finished = steady_clock::now();
  local.done = true;
  std::lock_guard lock(board->mu);
  // After the deadline the runner has already written `timeout` here: drop the late result.
  if (!board->slots[index].done) board->slots[index] = std::move(local);
  board->cv.notify_all();
}

}  // namespace

RunOutput RunProbes(const std::vector<std::shared_ptr<Probe>>& probes, const RunEnvironment& env,
                    const RunOptions& options) {
  const auto start = steady_clock::now();
  const auto budget_end = start + options.budget;
  const LevelMask level_bit = LevelBit(options.level);

  struct Planned {
    std::shared_ptr<Probe> probe;
    steady_clock::time_point deadline;
    std::stop_source stop;
  };
  std::vector<Planned> planned;
  RunOutput out;
  std::vector<std::size_t> slot_of;  // planned probe -> its place in out.probes

  for (const auto& probe : probes) {
    if ((probe->Levels() & level_bit) == 0) continue;
    const ConfigSection& section = env.config->Section(probe->Name());
    const std::string name(probe->Name());
    if (probe->NeedsConfigSection() && !section.present()) {
      out.probes.push_back({name, ProbeStatus::kNotConfigured, milliseconds(0),
                            "no [" + name + "] section in the config", probe->Title()});
      continue;
    }
    if (!section.GetBool("enabled")) {
      out.probes.push_back({name, ProbeStatus::kNotConfigured, milliseconds(0),
                            "disabled in the config", probe->Title()});
      continue;
    }
    if (auto skip = options.skip.find(name); skip != options.skip.end()) {
      out.probes.push_back(
          {name, ProbeStatus::kSkipped, milliseconds(0), skip->second, probe->Title()});
      continue;
    }
    const milliseconds timeout(section.GetInt("timeout_ms"));
    planned.push_back({probe, std::min(start + timeout, budget_end), std::stop_source()});
    slot_of.push_back(out.probes.size());
    out.probes.push_back({name, ProbeStatus::kOk, milliseconds(0), {}, probe->Title()});
  }

  auto board = std::make_shared<Board>();
  board->slots.resize(planned.size());
  std::vector<std::thread> threads;
  threads.reserve(planned.size());
  for (std::size_t i = 0; i < planned.size(); ++i) {
    try {
      threads.emplace_back(RunOne, planned[i].probe, env, board, i,
                           io::Deadline(planned[i].deadline), planned[i].stop.get_token(),
                           options.level);
    } catch (const std::system_error& e) {
      threads.emplace_back();  // keeps threads[i] aligned with planned[i]; not joinable
      std::lock_guard lock(board->mu);
      board->slots[i] = Slot{true,
                             ProbeStatus::kError,
                             std::string("cannot start a thread: ") + e.what(),
                             {},
                             steady_clock::now()};
    }
  }

  {
    // A cancel wakes the wait below as a finished probe would.
    std::stop_callback wake(options.cancel, [&board] {
      std::lock_guard lock(board->mu);
      board->cv.notify_all();
    });
    std::unique_lock lock(board->mu);
    std::size_t reported = static_cast<std::size_t>(-1);
    for (;;) {
      const auto now = steady_clock::now();
      const bool cut = options.cancel.stop_requested();
      auto next_deadline = steady_clock::time_point::max();
      bool pending = false;
      for (std::size_t i = 0; i < planned.size(); ++i) {
        Slot& slot = board->slots[i];
        if (slot.done) continue;
        if (cut) {
          slot.done = true;
          slot.status = ProbeStatus::kTimeout;
          slot.error = "cut short after " + std::to_string(Since(start, now).count()) +
                       " ms: posdiag is stopping";
          slot.finished = now;
          planned[i].stop.request_stop();
          continue;
        }
        if (now >= planned[i].deadline) {
          slot.done = true;
          slot.status = ProbeStatus::kTimeout;
          slot.error = "no result within " +
                       std::to_string(Since(start, planned[i].deadline).count()) + " ms";
          slot.finished = planned[i].deadline;
          planned[i].stop.request_stop();
          continue;
        }
        pending = true;
        next_deadline = std::min(next_deadline, planned[i].deadline);
      }
      if (options.on_progress) {
        RunProgress progress;
        progress.total = planned.size();
        for (std::size_t i = 0; i < planned.size(); ++i) {
          if (board->slots[i].done) {
            ++progress.done;
          } else if (progress.running.empty()) {
            progress.running = planned[i].probe->Name();
          }
        }
        if (progress.done != reported) {
          reported = progress.done;
          lock.unlock();
          options.on_progress(progress);
          lock.lock();
          continue;  // probes may have finished meanwhile
        }
      }
      if (!pending) break;
      board->cv.wait_until(lock, next_deadline);
    }
  }

  // Outcomes and facts, in registry order, for the probes that ran.
  std::vector<bool> timed_out(planned.size(), false);
  for (std::size_t i = 0; i < planned.size(); ++i) {
    Slot slot;
    {
      std::lock_guard lock(board->mu);
      slot = std::move(board->slots[i]);
      board->slots[i].done = true;  // a straggler must still see its result as dropped
    }
    ProbeOutcome& outcome = out.probes[slot_of[i]];
    outcome.status = slot.status;
    outcome.error = slot.error;
    outcome.duration = Since(start, slot.finished);
    if (slot.status == ProbeStatus::kTimeout) {
      timed_out[i] = true;
      continue;
    }
    if (slot.status == ProbeStatus::kOk) {
      for (const std::string& why : slot.writer.incomplete()) {
        outcome.unmeasured += (outcome.unmeasured.empty() ? "" : "; ") + why;
      }
    }
    const rules::FactSchema declared(planned[i].probe->Facts());
    const auto dropped = [&](const std::string& name, const std::string& why) {
      out.problems.push_back("probe " + outcome.name + ": fact \"" + name + "\" dropped: " + why);
    };
    for (auto& fact : slot.writer.facts()) {
      const rules::FactSpec* spec = declared.Find(fact.name);
      if (spec == nullptr) {
        dropped(fact.name, "not declared");
        continue;
      }
      if (!rules::FactValueFits(spec->type, fact.value)) {
        dropped(fact.name, "a " + std::string(rules::FactTypeName(fact.value)) +
                               " where the declaration says " +
                               std::string(rules::FactTypeName(spec->type)));
        continue;
      }
      fact.probe = outcome.name;
      std::string fact_name = fact.name;
      if (!out.facts.Add(std::move(fact))) dropped(fact_name, "not a valid fact name");
    }
    for (auto& missing : slot.writer.missing()) {
      if (declared.Find(missing.name) == nullptr) {
        dropped(missing.name, "not declared (recorded as missing)");
        continue;
      }
      missing.probe = outcome.name;
      out.facts.AddMissing(std::move(missing));
    }
  }

  for (std::size_t i = 0; i < threads.size(); ++i) {
    if (timed_out[i]) {
      threads[i].detach();  // it holds shared copies of all it uses; its result is dropped
      ++out.stragglers;
    } else if (threads[i].joinable()) {
      threads[i].join();
    }
  }
  return out;
}

}  // namespace posdiag::agent
