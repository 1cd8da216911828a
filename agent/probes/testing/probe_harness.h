// The probe tests' kit: runs one device's probe against a fixture tree and a config text, the way
// the agent's runner would, through real or scripted openers (fake_openers.h), and collects what
// it wrote; starts the device simulators of tests/sim on pseudo-terminals.
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
#include "agent/device.h"
#include "agent/openers.h"
#include "agent/probe.h"
#include "drivers/base/clock.h"
#include "drivers/io/root_fs.h"
#include "rules/engine/fact.h"
#include "tests/sim/fixture_tree.h"

extern char** environ;

namespace posdiag::agent::probes::testing {

// A device simulator on a pseudo-terminal (tests/sim/modem_sim, printer_sim) in one mode, its
// slave linked at `link`; stopped when the object goes away.
class PtySimulator {
 public:
  PtySimulator(const std::string& program, std::filesystem::path link, const std::string& mode,
               const std::vector<std::string>& extra = {})
      : link_(std::move(link)) {
    std::filesystem::create_directories(link_.parent_path());
    std::vector<std::string> args = {program,      "--link", link_.string(), "--mode", mode,
                                     "--lifetime", "60"};
    args.insert(args.end(), extra.begin(), extra.end());
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
  std::chrono::milliseconds took{0};  // how long Measure took
  // What the runner would count as not measured although its rules need it (the check is then
  // incomplete): the probe's own Incomplete() and its EssentialFacts() left unset.
  std::vector<std::string> incomplete;

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

// The real openers, for tests against simulators and emulated devices.
inline const Openers& RealOpeners() {
  static const SystemOpeners open;
  return open;
}

// The config a device's tests parse: the core tables and the device's own.
inline Result<Config> DeviceConfig(const Device& device, std::string_view text) {
  std::vector<std::shared_ptr<Device>> one{
      std::shared_ptr<Device>(const_cast<Device*>(&device), [](Device*) {})};
  std::vector<SectionSpec> specs = CoreSections();
  for (auto& s : BuildRegistry(std::move(one)).sections) specs.push_back(std::move(s));
  return Config::Parse(text, "test.toml", MergeSpecs(std::move(specs)));
}

struct RunSettings {
  Level level = Level::kBoot;
  std::chrono::milliseconds budget{10'000};  // the probe's whole deadline
};

// Parses config_text with the device's tables, then runs the device's probe as the runner would:
// CheckSupport and, when supported, Measure, through `open`. A config the tables reject fails
// the test, and so does every fact the probe writes without declaring it (or with another type).
inline ProbeRun RunProbe(const Device& device, const posdiag::testing::FixtureTree& tree,
                         std::string_view config_text, const io::Clock& clock,
                         const Openers& open = RealOpeners(), RunSettings settings = {}) {
  ProbeRun run;
  auto config = DeviceConfig(device, config_text);
  EXPECT_TRUE(config.ok()) << config.error().detail;
  if (!config.ok()) return run;
  const std::shared_ptr<Probe> probe = device.MakeProbe();
  if (probe == nullptr) {
    ADD_FAILURE() << device.Name() << " has no probe";
    return run;
  }
  const io::RootFs fs(tree.root());
  const ConfigSection& section = config->Section(probe->Name());
  const ProbeContext ctx{fs,
                         clock,
                         open,
                         section,
                         *config,
                         io::Deadline::In(settings.budget),
                         std::stop_token(),
                         settings.level};
  run.support = probe->CheckSupport(ctx);
  if (run.support.state != Support::State::kSupported) return run;
  FactWriter writer;
  const auto start = std::chrono::steady_clock::now();
  run.result = probe->Measure(ctx, writer);
  run.took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  run.measured = true;
  if (run.result.ok()) writer.RequireMeasured(probe->EssentialFacts(ctx));
  run.incomplete = writer.incomplete();
  const rules::FactSchema declared(probe->Facts());
  for (auto& f : writer.facts()) {
    const rules::FactSpec* spec = declared.Find(f.name);
    EXPECT_NE(spec, nullptr) << "undeclared fact " << f.name;
    if (spec != nullptr) {
      EXPECT_TRUE(rules::FactValueFits(spec->type, f.value))
          << f.name << " is a " << rules::FactTypeName(f.value) << ", declared "
          << rules::FactTypeName(spec->type);
    }
    const std::string name = f.name;
    EXPECT_TRUE(run.facts.Add(std::move(f))) << "invalid fact name " << name;
  }
  for (auto& m : writer.missing()) {
    EXPECT_NE(declared.Find(m.name), nullptr) << "undeclared fact " << m.name << " (missing)";
    EXPECT_TRUE(rules::IsValidFactName(m.name)) << "invalid fact name " << m.name;
    run.facts.AddMissing(std::move(m));
  }
  return run;
}

}  // namespace posdiag::agent::probes::testing
