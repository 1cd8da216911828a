// The flight recorder as a unit (docs/recorder.md): its table, [recorder], and the
// recorder.incident.* facts the daemon writes into an incident report (never measured by a probe:
// they describe the failed payment that started the run, and the incidents before it).
#pragma once

#include <string>
#include <vector>

#include "agent/device.h"

namespace posdiag::agent::probes {

class RecorderDevice final : public Device {
 public:
  std::string_view Name() const override { return "recorder"; }
  std::vector<SectionSpec> ConfigSections() const override;
  std::vector<rules::FactSpec> AgentFacts() const override;
};

// [recorder] codes' default: the host-side failures of the catalogue — timeouts and no response
// (68, 98), the issuer or switch unavailable (91, 92), system malfunction (96), MAC error (A0).
// Never a cardholder decline (51, 55, ...).
std::vector<std::string> DefaultIncidentCodes();

}  // namespace posdiag::agent::probes
