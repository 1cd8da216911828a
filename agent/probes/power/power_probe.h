// The power probe: every power supply and thermal zone the kernel lists, as facts, plus the
// summary facts the catalogue's power rules read (adapter online, primary battery, thermal margin
// to the nearest trip point). It measures only; rules/catalog/power.toml decides what is a fault.
// Its table is declared by PowerDevice.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agent/probe.h"

namespace posdiag::agent::probes {

class PowerProbe final : public Probe {
 public:
  std::string_view Name() const override { return "power"; }
  rules::Localized Title() const override { return {"电源", "Power"}; }
  LevelMask Levels() const override { return kAllLevels; }
  std::vector<rules::FactSpec> Facts() const override;
  Support CheckSupport(const ProbeContext& ctx) override;
  Result<void> Measure(const ProbeContext& ctx, FactWriter& out) override;
};

}  // namespace posdiag::agent::probes
