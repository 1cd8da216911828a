// The terminal itself: the system probe (system_probe.h), its [system] keys beside the core ones
// (root, model) and the [app] table naming the payment application.
#pragma once

#include <cstdint>

#include "agent/device.h"

namespace posdiag::agent::probes {

class SystemDevice final : public Device {
 public:
  // The build date compiled in (BuildEpochSeconds); tests pass their own.
  SystemDevice();
  explicit SystemDevice(std::int64_t build_epoch_s) : build_epoch_s_(build_epoch_s) {}

  std::string_view Name() const override { return "system"; }
  std::vector<SectionSpec> ConfigSections() const override;
  std::shared_ptr<Probe> MakeProbe() const override;

 private:
  std::int64_t build_epoch_s_;
};

}  // namespace posdiag::agent::probes
