// The display probe: whether the display [display] names can be used — the backend, whether
// the device opened, the framebuffer's size and depth and whether posdiag can draw its pixel
// format. It measures only; rules/catalog/display.toml makes a display that cannot be used a
// finding (the merchant then reads the report on the serial console or in the log).
#pragma once

#include <string_view>
#include <vector>

#include "agent/probe.h"

namespace posdiag::agent::probes {

class DisplayProbe final : public Probe {
 public:
  std::string_view Name() const override { return "display"; }
  rules::Localized Title() const override { return {"显示屏", "Display"}; }
  LevelMask Levels() const override { return kAllLevels; }
  std::vector<rules::FactSpec> Facts() const override;
  Support CheckSupport(const ProbeContext& ctx) override;
  Result<void> Measure(const ProbeContext& ctx, FactWriter& out) override;
};

}  // namespace posdiag::agent::probes
