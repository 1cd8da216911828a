// The system probe: memory, storage of the data and log partitions, load, uptime, the wall clock
// against the build date, and the payment application named in [app]. It runs on every terminal
// without a config section; rules/catalog/system.toml holds the thresholds. Its tables are
// declared by SystemDevice.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "agent/probe.h"

namespace posdiag::agent::probes {

// The build date in seconds since the epoch (the last commit's time when built from git).
std::int64_t BuildEpochSeconds();

class SystemProbe final : public Probe {
 public:
  explicit SystemProbe(std::int64_t build_epoch_s) : build_epoch_s_(build_epoch_s) {}

  std::string_view Name() const override { return "system"; }
  rules::Localized Title() const override { return {"系统", "System"}; }
  LevelMask Levels() const override { return kAllLevels; }
  bool NeedsConfigSection() const override { return false; }
  std::vector<rules::FactSpec> Facts() const override;
  // /proc/meminfo and /proc/loadavg, read and understood: without them the memory and load
  // rules cannot judge the terminal. (A kernel without MemAvailable is the terminal's limit on
  // every run, not a check that failed this time: its missing available_pct is no reason.)
  std::vector<std::string> EssentialFacts(const ProbeContext& ctx) const override;
  Support CheckSupport(const ProbeContext& ctx) override;
  Result<void> Measure(const ProbeContext& ctx, FactWriter& out) override;

 private:
  std::int64_t build_epoch_s_;
};

}  // namespace posdiag::agent::probes
