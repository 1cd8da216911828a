// The road to the payment host: [network] and the network probe (network_probe.h).
#pragma once

#include "agent/device.h"

namespace posdiag::agent::probes {

class NetworkDevice final : public Device {
 public:
  std::string_view Name() const override { return "network"; }
  std::vector<SectionSpec> ConfigSections() const override;
  std::shared_ptr<Probe> MakeProbe() const override;
};

}  // namespace posdiag::agent::probes
