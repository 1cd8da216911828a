// The payment application's transaction journal: [journal] and the journal probe
// (journal_probe.h), which reads what the payment host answered recently.
#pragma once

#include "agent/device.h"
#include "drivers/journal/journal_line.h"

namespace posdiag::agent::probes {

class JournalDevice final : public Device {
 public:
  std::string_view Name() const override { return "journal"; }
  std::vector<SectionSpec> ConfigSections() const override;
  std::shared_ptr<Probe> MakeProbe() const override;
};

// The field names [journal] gives (after defaults).
drivers::journal::FieldNames JournalFieldNames(const ConfigSection& section);

}  // namespace posdiag::agent::probes
