// The cellular modem: [modem] and the modem probe (modem_probe.h).
#pragma once

#include "agent/device.h"

namespace posdiag::agent::probes {

class ModemDevice final : public Device {
 public:
  std::string_view Name() const override { return "modem"; }
  std::vector<SectionSpec> ConfigSections() const override;
  std::shared_ptr<Probe> MakeProbe() const override;
  // The payment application may be dialling through it: not while a transaction holds it.
  IncidentUse Incident() const override { return IncidentUse::kNotWhileHeld; }
};

}  // namespace posdiag::agent::probes
