// The network probe: the road to the payment host as a chain of steps, each a set of facts —
// interfaces (rtnetlink), Wi-Fi signal (/proc/net/wireless), the name (the terminal's
// /etc/nsswitch.conf order over its /etc/hosts and DNS), the route to the host's address (asked of
// the kernel, so the link judged is the interface that route leaves by: eth0, wlan0, ppp0, a VPN's
// tun0), TCP connect, TLS handshake (the terminal's CA bundle and, for mutual TLS, its own
// certificate, read first), latency. The steps are planned inside the probe's own deadline with a
// reserve to write the facts: a step cut by that deadline is reported timed out with what came
// before it (network.deadline.cut_step), one it left no time for is "not tried", and the probe
// always answers before the runner gives up on it. Every step whose input exists is tried even
// behind a broken one (DNS with the cable out fails, and that failure is measured); a step without
// its input is missing with the reason. It measures only; rules/catalog/network.toml decides
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
  rules::Localized Title() const override { return {"网络", "Network"}; }
  LevelMask Levels() const override { return kAllLevels; }
  // DNS (2 s) + connect (3 s) + TLS (3 s) with room for the latency attempts; the run's budget
  // still caps it.
  std::chrono::milliseconds DefaultTimeout() const override { return std::chrono::seconds(10); }
  std::vector<rules::FactSpec> Facts() const override;
  Support CheckSupport(const ProbeContext& ctx) override;
  Result<void> Measure(const ProbeContext& ctx, FactWriter& out) override;
};

}  // namespace posdiag::agent::probes
