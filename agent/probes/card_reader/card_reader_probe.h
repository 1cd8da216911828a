// The card reader probe: a USB or serial CCID smart-card reader (drivers/card_reader), layered
// as an engineer asks: is it on the bus (an interface of class 0x0B, or [card_reader] vid/pid; a
// serial reader: its [card_reader] port exists) → does it answer GetSlotStatus → what does it say
// (card present / inactive / absent, clock, bError) → with at engineer level, does an inserted card
// give a well-formed ATR. A reader pcscd (or anyone) holds is reported busy with its holder and
// read through PC/SC instead; the agent never claims it away. It measures only;
// rules/catalog/card_reader.toml decides what is a fault. Its table is declared by
// CardReaderDevice.
#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "agent/probe.h"

namespace posdiag::agent::probes {

class CardReaderProbe final : public Probe {
 public:
  // libccid opens its serial readers (GemPC Twin and kin) at 115200 baud.
  static constexpr int kDefaultSerialBaud = 115200;

  std::string_view Name() const override { return "card_reader"; }
  rules::Localized Title() const override { return {"读卡器", "Card reader"}; }
  LevelMask Levels() const override { return kAllLevels; }
  // The CCID driver's read timeout is 3 s; GetSlotStatus, IccPowerOn and IccPowerOff fit in 5 s.
  std::chrono::milliseconds DefaultTimeout() const override { return std::chrono::seconds(5); }
  std::vector<rules::FactSpec> Facts() const override;
  Support CheckSupport(const ProbeContext& ctx) override;
  Result<void> Measure(const ProbeContext& ctx, FactWriter& out) override;
};

}  // namespace posdiag::agent::probes
