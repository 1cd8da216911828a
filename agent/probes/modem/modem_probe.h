// The modem probe: the cellular modem on [modem] port, asked over AT commands (drivers/modem) for
// its identity, SIM state, signal, registration and operator. A port another process holds open is
// reported busy, with its holder, and nothing is sent to it: the payment application's modem is
// never taken away. It measures only; rules/catalog/modem.toml decides what is a fault. Its table
// is declared by ModemDevice.
#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "agent/probe.h"

namespace posdiag::agent::probes {

class ModemProbe final : public Probe {
 public:
  std::string_view Name() const override { return "modem"; }
  rules::Localized Title() const override { return {"无线模块", "Cellular modem"}; }
  LevelMask Levels() const override { return kAllLevels; }
  // Three tries of AT at 3 s each before a silent modem is called silent.
  std::chrono::milliseconds DefaultTimeout() const override { return std::chrono::seconds(10); }
  std::vector<rules::FactSpec> Facts() const override;
  Support CheckSupport(const ProbeContext& ctx) override;
  Result<void> Measure(const ProbeContext& ctx, FactWriter& out) override;
};

}  // namespace posdiag::agent::probes
