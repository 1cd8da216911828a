// The network probe: the road to the payment host as a chain of steps, each a set of facts with
// its own deadline — interfaces (rtnetlink), Wi-Fi signal (/proc/net/wireless), DNS, TCP connect,
// TLS handshake, latency. Every step whose input exists is tried even behind a broken one (DNS
// with the cable out fails, and that failure is measured); a step without its input is missing
// with the reason ("not tried: DNS failed"). It measures only; rules/catalog/network.toml decides
// which break in the chain is the root cause and hides the failures that follow from it.
//
// A payment_host that does not parse is a measurement, not a probe failure: the fact
// network.payment_host.valid = false (with network.payment_host.error) lets a rule tell the
// merchant, and the link steps are still reported.
#pragma once

#include <chrono>
#include <memory>
#include <string_view>
#include <vector>

#include "agent/probe.h"
#include "drivers/network/transport.h"

namespace posdiag::agent::probes {

class NetworkProbe final : public Probe {
 public:
  NetworkProbe();
  // Tests pass a fake transport.
  explicit NetworkProbe(std::shared_ptr<drivers::network::NetworkTransport> transport)
      : transport_(std::move(transport)) {}

  std::string_view Name() const override { return "network"; }
  LevelMask Levels() const override { return kAllLevels; }
  // DNS (2 s) + connect (3 s) + TLS (3 s) with room for the latency attempts; the run's budget
  // still caps it.
  std::chrono::milliseconds DefaultTimeout() const override { return std::chrono::seconds(10); }
  std::vector<SectionSpec> ConfigSections() const override;
  Support CheckSupport(const ProbeContext& ctx) override;
  Result<void> Measure(const ProbeContext& ctx, FactWriter& out) override;

 private:
  std::shared_ptr<drivers::network::NetworkTransport> transport_;
};

}  // namespace posdiag::agent::probes
