// The magnetic-stripe reader: [magstripe], the magstripe probe (magstripe_probe.h) and the
// engineer's `test swipe`.
#pragma once

#include "agent/device.h"

namespace posdiag::agent::probes {

class MagstripeDevice final : public Device {
 public:
  std::string_view Name() const override { return "magstripe"; }
  std::vector<SectionSpec> ConfigSections() const override;
  std::shared_ptr<Probe> MakeProbe() const override;
  std::vector<std::shared_ptr<Routine>> Routines() const override;
  // The payment application's card slot: an incident never reads it.
  IncidentUse Incident() const override { return IncidentUse::kNever; }
};

}  // namespace posdiag::agent::probes
