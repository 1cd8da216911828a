// The merchant's keypad: [keys] (which keys diagnose, page and go back; keys.h reads them) and the
// engineer's `test keys`. It has no probe: the daemon reads it (agent/modes/key_source.h).
#pragma once

#include "agent/device.h"

namespace posdiag::agent::probes {

class KeysDevice final : public Device {
 public:
  std::string_view Name() const override { return "keys"; }
  std::vector<SectionSpec> ConfigSections() const override;
  std::vector<std::shared_ptr<Routine>> Routines() const override;
};

}  // namespace posdiag::agent::probes
