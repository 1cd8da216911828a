// The printer probe: the ESC/POS receipt printer on [printer] port, asked for its real-time status
// (DLE EOT 1-4, drivers/printer), or with [printer] transport = "usb" the printer-class device on
// the USB bus (or vid/pid), which also gives its IEEE 1284 device ID. It answers the layers an
// engineer asks in turn: is it on the bus (the port exists, the device enumerates), does it answer,
// what does it say about itself. A port or interface another process holds is reported busy, with
// its holder when /proc shows one, and nothing is sent to it. It measures only;
// rules/catalog/printer.toml decides what is a fault. Its table is declared by PrinterDevice.
#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "agent/probe.h"

namespace posdiag::agent::probes {

class PrinterProbe final : public Probe {
 public:
  static constexpr int kDefaultBaud = 9600;  // python-escpos's default

  std::string_view Name() const override { return "printer"; }
  rules::Localized Title() const override { return {"打印机", "Receipt printer"}; }
  LevelMask Levels() const override { return kAllLevels; }
  // Four queries of at most 1 s each, and the look for a holder.
  std::chrono::milliseconds DefaultTimeout() const override { return std::chrono::seconds(5); }
  std::vector<rules::FactSpec> Facts() const override;
  Support CheckSupport(const ProbeContext& ctx) override;
  Result<void> Measure(const ProbeContext& ctx, FactWriter& out) override;
};

}  // namespace posdiag::agent::probes
