#include "agent/probes/network/network_device.h"

#include <string>
#include <variant>
#include <vector>

#include "agent/probes/network/network_probe.h"
#include "drivers/network/endpoint.h"

namespace posdiag::agent::probes {
namespace {

namespace net = drivers::network;

std::string HostPortProblem(const ConfigValue& value) {
  const auto host = net::ParseHostPort(std::get<std::string>(value));
  return host ? "" : host.error().detail;
}

// c-ares takes servers as addresses, with a port or not ("10.0.0.53", "10.0.0.53:5353",
// "2001:db8::53", "[2001:db8::53]:53"); a name would need a resolver to find the resolver.
std::string DnsServersProblem(const ConfigValue& value) {
  for (const auto& server : std::get<std::vector<std::string>>(value)) {
    if (net::ParseIpLiteral(server)) continue;
    const auto with_port = net::ParseHostPort(server);
    if (with_port && with_port->literal) continue;
    return "\"" + server + "\" is not an IP address (with an optional :port)";
  }
  return "";
}

}  // namespace

std::vector<SectionSpec> NetworkDevice::ConfigSections() const {
  return {
      {"network",
       "the road to the payment host: link, DNS, TCP, TLS, latency",
       {String("payment_host")
            .Check(HostPortProblem)
            .Means("\"host:port\" (a name, an IPv4 address or [IPv6]); without it only the link "
                   "steps run"),
        StringList("dns_servers")
            .Check(DnsServersProblem)
            .DefaultText("those of /etc/resolv.conf (under the root)")
            .Means("the resolvers to ask, as addresses with an optional :port"),
        Bool("tls").Default(true).Means("handshake with the host after the TCP connect"),
        String("server_name")
            .DefaultText("the payment host's name (none for an address)")
            .Means("the name the host's certificate must carry, also sent as SNI (for a host "
                   "reached by address, or a gateway whose certificate is for another name); "
                   "without it the host's name, or for an address its IP SAN; \"\" sends no "
                   "SNI"),
        TerminalPath("ca_file")
            .DefaultText("/etc/ssl/certs/ca-certificates.crt when the terminal has it")
            .Means("the CA bundle (PEM) the host's chain is verified against"),
        TerminalPath("client_cert")
            .With("client_key")
            .Means("the terminal's own certificate (PEM, leaf first) for hosts that require "
                   "mutual TLS"),
        TerminalPath("client_key")
            .With("client_cert")
            .Means("the private key of client_cert (PEM, without a passphrase); only OpenSSL "
                   "opens it: it is never copied, logged or reported"),
        Int("cert_warn_days", 0, 3650)
            .Default(30)
            .Means("reported as network.tls.expiry_warn_days, for the expiring-certificate rule"),
        Int("latency_attempts", 0, 20)
            .Default(3)
            .Means("TCP connects timed for latency and loss; 0 skips the step"),
        Int("dns_timeout_ms", 1, 60'000)
            .Default(2000)
            .Means("the DNS step's own deadline, capped by the probe's"),
        Int("connect_timeout_ms", 1, 60'000)
            .Default(3000)
            .Means("each TCP connect's own deadline, capped by the probe's"),
        Int("tls_timeout_ms", 1, 60'000)
            .Default(3000)
            .Means("the TLS handshake's own deadline, capped by the probe's")}}};
}

std::shared_ptr<Probe> NetworkDevice::MakeProbe() const { return std::make_shared<NetworkProbe>(); }

}  // namespace posdiag::agent::probes
