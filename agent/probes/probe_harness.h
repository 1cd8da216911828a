// Runs one probe against a fixture tree and a config text, the way the agent's runner would, and
// collects what it wrote into a FactSet for the probe tests.
#pragma once

#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "agent/config.h"
#include "agent/probe.h"
#include "agent/run.h"
#include "drivers/io/clock.h"
#include "drivers/io/root_fs.h"
#include "rules/engine/fact.h"
#include "tests/sim/fixture_tree.h"

extern char** environ;

namespace posdiag::agent::probes::testing {

// A device simulator on a pseudo-terminal (tests/sim/modem_sim, printer_sim) in one mode, its
// slave linked at `link`; stopped when the object goes away.
class PtySimulator {
 public:
  PtySimulator(const std::string& program, std::filesystem::path link, const std::string& mode)
      : link_(std::move(link)) {
    std::filesystem::create_directories(link_.parent_path());
    std::vector<std::string> args = {program,      "--link", link_.string(), "--mode", mode,
                                     "--lifetime", "60"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (::posix_spawn(&pid_, argv[0], nullptr, nullptr, argv.data(), environ) != 0) pid_ = -1;
    for (int i = 0; i < 200 && pid_ > 0 && !std::filesystem::is_symlink(link_); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  ~PtySimulator() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }
  PtySimulator(const PtySimulator&) = delete;
  PtySimulator& operator=(const PtySimulator&) = delete;

  bool ready() const { return pid_ > 0 && std::filesystem::is_symlink(link_); }
  std::filesystem::path device() const { return std::filesystem::read_symlink(link_); }

 private:
  std::filesystem::path link_;
  pid_t pid_ = -1;
};

class FixedClock final : public io::Clock {
 public:
  explicit FixedClock(std::chrono::system_clock::time_point now) : now_(now) {}
  std::chrono::system_clock::time_point Now() const override { return now_; }
  std::chrono::steady_clock::time_point Steady() const override {
    return std::chrono::steady_clock::now();
  }

 private:
  std::chrono::system_clock::time_point now_;
};

inline std::chrono::system_clock::time_point AtEpoch(std::int64_t s) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(s));
}

struct ProbeRun {
  Support support;
  bool measured = false;
  Result<void> result;
  rules::FactSet facts;
  std::vector<std::string> invalid_names;

  bool Has(std::string_view name) const { return facts.Find(name) != nullptr; }
  const rules::FactValue& Value(std::string_view name) const {
    const rules::Fact* f = facts.Find(name);
    if (f == nullptr) throw std::runtime_error("no fact " + std::string(name));
    return f->value;
  }
  std::string Unit(std::string_view name) const {
    const rules::Fact* f = facts.Find(name);
    return f == nullptr ? "<none>" : f->unit;
  }
  // The reason a fact is missing, or "<not missing>".
  std::string Why(std::string_view name) const {
    const rules::MissingFact* m = facts.FindMissing(name);
    return m == nullptr ? "<not missing>" : m->reason;
  }
};

// Parses config_text with the probe's sections, then runs CheckSupport and, when supported,
// Measure. A config the probe's sections reject fails the test.
inline ProbeRun RunProbe(Probe& probe, const posdiag::testing::FixtureTree& tree,
                         std::string_view config_text, const io::Clock& clock) {
  ProbeRun run;
  std::vector<std::shared_ptr<Probe>> list{std::shared_ptr<Probe>(&probe, [](Probe*) {})};
  auto config = Config::Parse(config_text, "test.toml", ConfigSpecs(list));
  EXPECT_TRUE(config.ok()) << config.error().detail;
  if (!config.ok()) return run;
  const io::RootFs fs(tree.root());
  const ConfigSection& section = config->Section(probe.Name());
  const ProbeContext ctx{
      fs, clock, section, *config, io::Deadline::In(std::chrono::seconds(10)), std::stop_token()};
  run.support = probe.CheckSupport(ctx);
  if (run.support.state != Support::State::kSupported) return run;
  FactWriter writer;
  run.result = probe.Measure(ctx, writer);
  run.measured = true;
  for (auto& f : writer.facts()) {
    const std::string name = f.name;
    if (!run.facts.Add(std::move(f))) run.invalid_names.push_back(name);
  }
  for (auto& m : writer.missing()) {
    if (!rules::IsValidFactName(m.name)) run.invalid_names.push_back(m.name);
    run.facts.AddMissing(std::move(m));
  }
  return run;
}

}  // namespace posdiag::agent::probes::testing
