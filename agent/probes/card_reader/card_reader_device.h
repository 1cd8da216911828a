// The chip card reader: [card_reader], the card reader probe (card_reader_probe.h) and the
// engineer's `test chip`.
#pragma once

#include "agent/device.h"

namespace posdiag::agent::probes {

class CardReaderDevice final : public Device {
 public:
  std::string_view Name() const override { return "card_reader"; }
  std::vector<SectionSpec> ConfigSections() const override;
  std::shared_ptr<Probe> MakeProbe() const override;
  std::vector<std::shared_ptr<Routine>> Routines() const override;
  // The payment application reads chip cards with it: an incident checks it only when the
  // failure was on the terminal, and not while a transaction holds it.
  IncidentUse Incident() const override { return IncidentUse::kOnlyLocal; }
};

}  // namespace posdiag::agent::probes
