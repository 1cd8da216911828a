#include "agent/probes/power/power_device.h"

#include "agent/probes/power/power_probe.h"

namespace posdiag::agent::probes {

std::vector<SectionSpec> PowerDevice::ConfigSections() const {
  return {{"power",
           "power supplies, the battery and the board's temperature",
           {Bool("expect_battery")
                .Default(false)
                .Means("this model has a battery: its absence is a fault, and the probe runs "
                       "even where the kernel lists no supply")}}};
}

std::shared_ptr<Probe> PowerDevice::MakeProbe() const { return std::make_shared<PowerProbe>(); }

}  // namespace posdiag::agent::probes
