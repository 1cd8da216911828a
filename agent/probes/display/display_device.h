// The terminal's display: [display], the display probe (display_probe.h) and the engineer's
// `test display`. The sinks draw on it (agent/sinks/display_screen.h) with the settings read here.
#pragma once

#include "agent/device.h"
#include "agent/screen.h"

namespace posdiag::agent::probes {

class DisplayDevice final : public Device {
 public:
  std::string_view Name() const override { return "display"; }
  std::vector<SectionSpec> ConfigSections() const override;
  std::shared_ptr<Probe> MakeProbe() const override;
  std::vector<std::shared_ptr<Routine>> Routines() const override;
  // The payment application's screen: an incident never draws on it or reads it.
  IncidentUse Incident() const override { return IncidentUse::kNever; }
};

// [display] as the screen and the probe use it. An absent section is backend `none`; a present
// one defaults to `framebuffer`. The schema has checked every value.
Result<DisplaySettings> ReadDisplaySettings(const ConfigSection& section);

}  // namespace posdiag::agent::probes
