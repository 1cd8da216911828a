#include "agent/probes/registry.h"

#include "agent/probes/card_reader_probe.h"
#include "agent/probes/display_probe.h"
#include "agent/probes/journal_probe.h"
#include "agent/probes/magstripe_probe.h"
#include "agent/probes/modem_probe.h"
#include "agent/probes/network_probe.h"
#include "agent/probes/power_probe.h"
#include "agent/probes/printer_probe.h"
#include "agent/probes/system_probe.h"

namespace posdiag::agent {

std::vector<std::unique_ptr<Probe>> MakeProbes() {
  std::vector<std::unique_ptr<Probe>> probes;
  probes.push_back(std::make_unique<probes::SystemProbe>());
  probes.push_back(std::make_unique<probes::PowerProbe>());
  probes.push_back(std::make_unique<probes::JournalProbe>());
  probes.push_back(std::make_unique<probes::ModemProbe>());
  probes.push_back(std::make_unique<probes::NetworkProbe>());
  probes.push_back(std::make_unique<probes::CardReaderProbe>());
  probes.push_back(std::make_unique<probes::MagstripeProbe>());
  probes.push_back(std::make_unique<probes::PrinterProbe>());
  probes.push_back(std::make_unique<probes::DisplayProbe>());
  return probes;
}

}  // namespace posdiag::agent
