// The terminal's power: [power] and the power probe (power_probe.h), which reads every power
// supply and thermal zone the kernel lists.
#pragma once

#include "agent/device.h"

namespace posdiag::agent::probes {

class PowerDevice final : public Device {
 public:
  std::string_view Name() const override { return "power"; }
  std::vector<SectionSpec> ConfigSections() const override;
  std::shared_ptr<Probe> MakeProbe() const override;
};

}  // namespace posdiag::agent::probes
