// The receipt printer: [printer], the printer probe (printer_probe.h) and the engineer's
// `test slip`.
#pragma once

#include "agent/device.h"

namespace posdiag::agent::probes {

class PrinterDevice final : public Device {
 public:
  std::string_view Name() const override { return "printer"; }
  std::vector<SectionSpec> ConfigSections() const override;
  std::shared_ptr<Probe> MakeProbe() const override;
  std::vector<std::shared_ptr<Routine>> Routines() const override;
  // The payment application prints on it: an incident checks it only when the failure was on
  // the terminal, and not while a transaction holds it.
  IncidentUse Incident() const override { return IncidentUse::kOnlyLocal; }
};

}  // namespace posdiag::agent::probes
