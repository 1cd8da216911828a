// The journal probe: reads the tail of the payment application's transaction journal ([journal]
// path, JSON lines or CSV) and reports what the host answered recently — counts per response code
// in the window, the last code and its age, failures since the last approval. It measures only;
// rules/catalog/journal.toml maps the codes to what the merchant does. A card number field is
// never read, so it can reach no fact, report or log. Its table is declared by JournalDevice.
#pragma once

#include <string_view>
#include <vector>

#include "agent/probe.h"

namespace posdiag::agent::probes {

class JournalProbe final : public Probe {
 public:
  std::string_view Name() const override { return "journal"; }
  rules::Localized Title() const override { return {"交易记录", "Transaction journal"}; }
  LevelMask Levels() const override { return kAllLevels; }
  std::vector<rules::FactSpec> Facts() const override;
  Support CheckSupport(const ProbeContext& ctx) override;
  Result<void> Measure(const ProbeContext& ctx, FactWriter& out) override;
};

}  // namespace posdiag::agent::probes
