#include "agent/probes/modem/modem_device.h"

#include "agent/probes/modem/modem_probe.h"
#include "agent/serial_access.h"

namespace posdiag::agent::probes {

std::vector<SectionSpec> ModemDevice::ConfigSections() const {
  return {{"modem",
           "the cellular modem (AT commands)",
           {TerminalPath("port")
                .Default("/dev/ttyUSB2")
                .Means("the modem's AT port (a Quectel EC25 on USB has it at /dev/ttyUSB2)"),
            Int("baud", 300, 4'000'000)
                .Default(115200)
                .Means("line speed of a UART modem; USB ports ignore it"),
            SharedKey()}}};
}

std::shared_ptr<Probe> ModemDevice::MakeProbe() const { return std::make_shared<ModemProbe>(); }

}  // namespace posdiag::agent::probes
