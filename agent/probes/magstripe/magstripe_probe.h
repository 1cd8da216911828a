// The magnetic-stripe probe: a swipe test of a keyboard-emulation card reader ([magstripe]
// device, an evdev node). Engineer level only — somebody must swipe a card. The device is
// grabbed (EVIOCGRAB) while the probe waits so the keystrokes stay out of the console, and
// released at once; a reader another process has grabbed is reported busy, not fought over. The
// tracks are checked (drivers/input/track) and discarded: only the verdict and the masked card
// number become facts. rules/catalog/magstripe.toml decides what is a fault. Its table is
// declared by MagstripeDevice.
#pragma once

#include <chrono>
#include <cstdint>
#include <string_view>
#include <vector>

#include "agent/probe.h"

namespace posdiag::agent::probes {

class MagstripeProbe final : public Probe {
 public:
  static constexpr const char* kDefaultDevice = "/dev/input/event0";
  static constexpr int kDefaultSwipeTimeoutMs = 15000;

  std::string_view Name() const override { return "magstripe"; }
  rules::Localized Title() const override { return {"磁条读卡器", "Stripe reader"}; }
  LevelMask Levels() const override { return LevelBit(Level::kEngineer); }
  // The swipe wait plus a little; a configured swipe_timeout_ms beyond it is cut to the
  // probe's deadline.
  std::chrono::milliseconds DefaultTimeout() const override { return std::chrono::seconds(17); }
  std::vector<rules::FactSpec> Facts() const override;
  Support CheckSupport(const ProbeContext& ctx) override;
  Result<void> Measure(const ProbeContext& ctx, FactWriter& out) override;
};

}  // namespace posdiag::agent::probes
