// The cellular modem: [modem] and the modem probe (modem_probe.h).
#pragma once

#include "agent/device.h"

namespace posdiag::agent::probes {

class ModemDevice final : public Device {
 public:
  std::string_view Name() const override { return "modem"; }
  std::vector<SectionSpec> ConfigSections() const override;
  std::shared_ptr<Probe> MakeProbe() const override;
};

}  // namespace posdiag::agent::probes
