// The network probe: the road to the payment host as a chain of steps, each a set of facts with
// its own deadline — interfaces (rtnetlink), Wi-Fi signal (/proc/net/wireless), DNS, TCP connect,
// TLS handshake, latency. Every step whose input exists is tried even behind a broken one (DNS
// with the cable out fails, and that failure is measured); a step without its input is missing
// with the reason ("not tried: DNS failed"). It measures only; rules/catalog/network.toml decides
// which break in the chain is the root cause and hides the failures that follow from it. It
// reaches the network only through ctx.open.Network(); its table is declared by NetworkDevice,
// which refuses a payment_host that does not parse.
#pragma once

#include <chrono>
#include <string_view>
#include <vector>

#include "agent/probe.h"

namespace posdiag::agent::probes {

class NetworkProbe final : public Probe {
 public:
  std::string_view Name() const override { return "network"; }
  LevelMask Levels() const override { return kAllLevels; }
  // DNS (2 s) + connect (3 s) + TLS (3 s) with room for the latency attempts; the run's budget
  // still caps it.
  std::chrono::milliseconds DefaultTimeout() const override { return std::chrono::seconds(10); }
  std::vector<rules::FactSpec> Facts() const override;
  Support CheckSupport(const ProbeContext& ctx) override;
  Result<void> Measure(const ProbeContext& ctx, FactWriter& out) override;
};

}  // namespace posdiag::agent::probes
