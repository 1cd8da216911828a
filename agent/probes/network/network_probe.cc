#include "agent/probes/network/network_probe.h"

#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <utility>

#include "agent/fact_util.h"
#include "drivers/network/transport.h"
#include "drivers/network/wireless.h"

namespace posdiag::agent::probes {
namespace {

namespace net = drivers::network;
using std::chrono::milliseconds;

// Reading the kernel's tables is local; a second is far more than it takes.
constexpr milliseconds kInterfacesTimeout(1000);
constexpr std::int64_t kSecondsPerDay = 86400;

// The step's own deadline, never past the probe's.
io::Deadline StepDeadline(const ProbeContext& ctx, std::int64_t ms) {
  return io::Deadline(
      std::min(std::chrono::steady_clock::now() + milliseconds(ms), ctx.deadline.at()));
}

double Ms(std::chrono::microseconds us) {
  return std::round(static_cast<double>(us.count()) / 100.0) / 10.0;  // 0.1 ms
}

void AllMissing(FactWriter& out, std::initializer_list<const char*> names, const std::string& why) {
  for (const char* n : names) out.Missing(n, why);
}

constexpr std::initializer_list<const char*> kDnsFacts = {"network.dns.ok", "network.dns.error",
                                                          "network.dns.ms", "network.dns.address"};
constexpr std::initializer_list<const char*> kTcpFacts = {"network.tcp.ok", "network.tcp.result",
                                                          "network.tcp.ms"};
constexpr std::initializer_list<const char*> kTlsFacts = {"network.tls.ok",
                                                          "network.tls.handshake",
                                                          "network.tls.protocol",
                                                          "network.tls.verify_result",
                                                          "network.tls.verify_code",
                                                          "network.tls.chain_trusted",
                                                          "network.tls.hostname_match",
                                                          "network.tls.not_before_epoch_s",
                                                          "network.tls.not_after_epoch_s",
                                                          "network.tls.days_to_expiry",
                                                          "network.tls.expired",
                                                          "network.tls.not_yet_valid"};
constexpr std::initializer_list<const char*> kLatencyFacts = {
    "network.latency.median_ms", "network.latency.max_ms", "network.latency.loss_pct"};

std::string InterfaceType(const io::RootFs& fs, const net::LinkInfo& link,
                          const std::vector<net::WirelessRow>& wireless) {
  const bool listed = std::any_of(wireless.begin(), wireless.end(),
                                  [&](const auto& w) { return w.interface == link.name; });
  if (listed || fs.Exists("/sys/class/net/" + link.name + "/wireless")) return "wifi";
  if (link.arphrd == ARPHRD_NONE || link.arphrd == ARPHRD_RAWIP || link.arphrd == ARPHRD_PPP ||
      link.name.starts_with("wwan") || link.name.starts_with("ppp")) {
    return "cellular";
  }
  if (link.arphrd == ARPHRD_ETHER) return "ethernet";
  return "other";
}

bool IsLoopback(const net::LinkInfo& l) { return (l.flags & IFF_LOOPBACK) != 0 || l.name == "lo"; }

bool HasCarrier(const net::LinkInfo& l) {
  if ((l.flags & IFF_UP) == 0) return false;
  return l.carrier.value_or((l.flags & IFF_LOWER_UP) != 0);
}

void WriteInterfaces(const ProbeContext& ctx, const Result<net::NetlinkSnapshot>& snap,
                     const std::vector<net::WirelessRow>& wireless, FactWriter& out) {
  if (!snap) {
    const std::string why = snap.error().detail;
    AllMissing(out,
               {"network.link.up_count", "network.link.carrier", "network.address.present",
                "network.route.default"},
               why);
    return;  // unknown is not broken: the later steps still run and show what works
  }
  std::int64_t up_count = 0;
  bool any_carrier = false;
  bool any_address = false;
  std::vector<std::string> used;
  for (const auto& link : snap->links) {
    if (IsLoopback(link)) continue;
    std::string seg = FactSegment(link.name);
    for (int n = 2; std::find(used.begin(), used.end(), seg) != used.end(); ++n) {
      seg = FactSegment(link.name) + "_" + std::to_string(n);
    }
    used.push_back(seg);
    const std::string p = "network.if." + seg + ".";
    const bool up = (link.flags & IFF_UP) != 0;
    const bool carrier = HasCarrier(link);
    const std::string oper = link.operstate ? net::OperStateName(*link.operstate) : "unknown";
    out.Set(p + "name", link.name);
    out.Set(p + "operstate", oper);
    out.Set(p + "carrier", carrier);
    out.Set(p + "up", up);
    out.Set(p + "type", InterfaceType(ctx.fs, link, wireless));
    // RFC 2863 "unknown" is what drivers without operstate support report; trust the carrier.
    if (oper == "up" || (oper == "unknown" && carrier)) ++up_count;
    any_carrier = any_carrier || carrier;
    std::string v4;
    std::string v6;
    for (const auto& a : snap->addrs) {
      if (a.index != link.index) continue;
      std::string& list = a.family == AF_INET ? v4 : v6;
      list += (list.empty() ? "" : ",") + a.address + "/" + std::to_string(a.prefix_len);
      if (up && a.scope == RT_SCOPE_UNIVERSE) any_address = true;
    }
    if (!v4.empty()) out.Set(p + "ipv4", v4);
    if (!v6.empty()) out.Set(p + "ipv6", v6);
  }
  out.Set("network.link.up_count", up_count);
  out.Set("network.link.carrier", any_carrier);
  out.Set("network.address.present", any_address);

  const net::RouteInfo* def = nullptr;
  for (const auto& r : snap->routes) {
    if (r.dst_len == 0 && r.type == RTN_UNICAST && r.table != RT_TABLE_LOCAL) {
      def = &r;
      break;
    }
  }
  out.Set("network.route.default", def != nullptr);
  if (def != nullptr) {
    std::string dev;
    for (const auto& l : snap->links) {
      if (def->oif && l.index == *def->oif) dev = l.name;
    }
    if (!dev.empty()) out.Set("network.route.default_dev", dev);
    if (!def->gateway.empty()) out.Set("network.route.default_gateway", def->gateway);
  }
}

std::vector<net::WirelessRow> WriteWifi(const io::RootFs& fs, FactWriter& out) {
  constexpr std::string_view kPath = "/proc/net/wireless";
  if (!fs.Exists(kPath)) {
    out.Missing("network.wifi.signal_dbm", "no /proc/net/wireless: no Wi-Fi interface");
    return {};
  }
  auto text = fs.ReadText(kPath);
  Result<std::vector<net::WirelessRow>> rows =
      text ? net::ParseProcNetWireless(*text)
           : Result<std::vector<net::WirelessRow>>(text.error().Context(kPath));
  if (!rows) {
    out.Missing("network.wifi.signal_dbm", rows.error().detail);
    return {};
  }
  if (rows->empty()) {
    out.Missing("network.wifi.signal_dbm", "/proc/net/wireless lists no interface");
    return {};
  }
  for (std::size_t i = 0; i < rows->size(); ++i) {
    const auto& w = (*rows)[i];
    const std::string p = "network.wifi." + FactSegment(w.interface) + ".";
    out.Set(p + "link_quality", w.link_quality);
    // Drivers without the dBm flag report a positive relative level; that is not a dBm value.
    if (w.level < 0) {
      out.Set(p + "signal_dbm", w.level, "dBm");
      if (i == 0) out.Set("network.wifi.signal_dbm", w.level, "dBm");
    } else {
      const std::string why = w.interface + ": level " + std::to_string(w.level) + " is not in dBm";
      out.Missing(p + "signal_dbm", why);
      if (i == 0) out.Missing("network.wifi.signal_dbm", why);
    }
    if (w.noise_dbm) out.Set(p + "noise_dbm", *w.noise_dbm, "dBm");
  }
  return std::move(*rows);
}

std::optional<net::IpAddress> WriteDns(const ProbeContext& ctx, net::NetworkTransport& transport,
                                       const net::HostPort& host, FactWriter& out) {
  if (host.literal) {
    out.Set("network.dns.needed", false);
    AllMissing(out, kDnsFacts, "not needed: payment_host is an address");
    return host.literal;
  }
  out.Set("network.dns.needed", true);
  net::DnsConfig config;
  config.servers = ctx.section.GetStringList("dns_servers");
  if (config.servers.empty()) {
    config.resolv_conf = ctx.fs.Path("/etc/resolv.conf");
    auto text = ctx.fs.ReadText("/etc/resolv.conf");
    if (!text || !net::ResolvConfHasNameserver(*text)) {
      out.Set("network.dns.ok", false);
      out.Set("network.dns.error", "no_servers");
      out.Missing("network.dns.ms", "no nameserver to ask");
      out.Missing("network.dns.address", "no nameserver to ask");
      out.Set("network.dns.detail", text ? "/etc/resolv.conf names no nameserver"
                                         : "/etc/resolv.conf: " + text.error().detail);
      return std::nullopt;
    }
  }
  const auto r =
      transport.Resolve(host.host, config, StepDeadline(ctx, ctx.section.GetInt("dns_timeout_ms")));
  out.Set("network.dns.ok", r.ok);
  out.Set("network.dns.ms", Ms(r.elapsed), "ms");
  if (!r.ok || r.addresses.empty()) {
    out.Set("network.dns.error", r.error.empty() ? "no_data" : r.error);
    if (!r.detail.empty()) out.Set("network.dns.detail", r.detail);
    out.Missing("network.dns.address", "the name did not resolve");
    return std::nullopt;
  }
  out.Set("network.dns.error", "none");
  out.Set("network.dns.address", r.addresses.front().text);
  return r.addresses.front();
}

void WriteTls(const ProbeContext& ctx, net::NetworkTransport& transport, const net::HostPort& host,
              net::UniqueFd socket, FactWriter& out) {
  net::TlsOptions options;
  options.host = host.host;
  if (ctx.section.Has("server_name")) {
    options.server_name = ctx.section.GetString("server_name");
  } else if (!host.literal) {  // an address is no name a server could pick a certificate by
    options.server_name = host.host;
  }
  if (ctx.section.Has("ca_file")) {
    options.ca_file = ctx.fs.Path(ctx.section.GetString("ca_file"));
  } else if (ctx.fs.Exists("/etc/ssl/certs/ca-certificates.crt")) {
    options.ca_file = ctx.fs.Path("/etc/ssl/certs/ca-certificates.crt");
  }
  auto r = transport.Handshake(std::move(socket), options,
                               StepDeadline(ctx, ctx.section.GetInt("tls_timeout_ms")));
  if (!r) {
    AllMissing(out, kTlsFacts, r.error().detail);
    return;
  }
  out.Set("network.tls.handshake", r->handshake_ok);
  out.Set("network.tls.ms", Ms(r->elapsed), "ms");
  if (!r->handshake_ok) {
    out.Set("network.tls.ok", false);
    out.Set("network.tls.error", r->error);
    const std::string why = "handshake failed: " + r->error;
    for (const char* n : kTlsFacts) {
      const std::string_view name(n);
      if (name != "network.tls.ok" && name != "network.tls.handshake") out.Missing(n, why);
    }
    return;
  }
  out.Set("network.tls.ok", r->verify_code == 0);
  out.Set("network.tls.protocol", r->protocol);
  out.Set("network.tls.verify_result", r->verify_result);
  out.Set("network.tls.verify_code", static_cast<std::int64_t>(r->verify_code));
  out.Set("network.tls.chain_trusted", r->chain_trusted);
  out.Set("network.tls.hostname_match", r->hostname_match);
  if (!r->not_before_epoch_s || !r->not_after_epoch_s) {
    AllMissing(out,
               {"network.tls.not_before_epoch_s", "network.tls.not_after_epoch_s",
                "network.tls.days_to_expiry", "network.tls.expired", "network.tls.not_yet_valid"},
               "the host sent no certificate dates that could be read");
    return;
  }
  const std::int64_t now_s =
      std::chrono::floor<std::chrono::seconds>(ctx.clock.Now().time_since_epoch()).count();
  const std::int64_t nb = *r->not_before_epoch_s;
  const std::int64_t na = *r->not_after_epoch_s;
  out.Set("network.tls.not_before_epoch_s", nb, "s");
  out.Set("network.tls.not_after_epoch_s", na, "s");
  const std::int64_t left = na - now_s;
  std::int64_t days = left / kSecondsPerDay;
  if (left % kSecondsPerDay != 0 && left < 0) --days;  // floor: expired an hour ago is day -1
  out.Set("network.tls.days_to_expiry", days, "days");
  out.Set("network.tls.expired", now_s > na);
  out.Set("network.tls.not_yet_valid", now_s < nb);
}

void WriteLatency(const ProbeContext& ctx, net::NetworkTransport& transport,
                  const net::IpAddress& address, std::uint16_t port, FactWriter& out) {
  const std::int64_t attempts = ctx.section.GetInt("latency_attempts");
  if (attempts == 0) {
    AllMissing(out, kLatencyFacts, "latency_attempts = 0");
    return;
  }
  const std::int64_t timeout = ctx.section.GetInt("connect_timeout_ms");
  std::vector<double> times;
  std::int64_t tried = 0;
  for (; tried < attempts; ++tried) {
    if (ctx.deadline.Expired() || ctx.stop.stop_requested()) break;
    auto r = transport.Connect(address, port, StepDeadline(ctx, timeout));
    if (r.outcome == net::TcpOutcome::kConnected) times.push_back(Ms(r.elapsed));
  }
  if (tried == 0) {
    AllMissing(out, kLatencyFacts, "not tried: the probe's deadline passed");
    return;
  }
  out.Set("network.latency.attempts", tried);
  out.Set("network.latency.loss_pct",
          100.0 * static_cast<double>(tried - static_cast<std::int64_t>(times.size())) /
              static_cast<double>(tried),
          "%");
  if (times.empty()) {
    AllMissing(out, {"network.latency.median_ms", "network.latency.max_ms"},
               "no attempt connected");
    return;
  }
  std::sort(times.begin(), times.end());
  const std::size_t n = times.size();
  const double median = n % 2 == 1 ? times[n / 2] : (times[n / 2 - 1] + times[n / 2]) / 2;
  out.Set("network.latency.median_ms", median, "ms");
  out.Set("network.latency.max_ms", times.back(), "ms");
}

}  // namespace

std::vector<rules::FactSpec> NetworkProbe::Facts() const {
  using rules::FactType;
  return rules::MakeFacts({
      {"network.if.*.name", FactType::kText, "", "the interface's kernel name"},
      {"network.if.*.operstate", FactType::kText, "", "RFC 2863 state: up, down, dormant, ..."},
      {"network.if.*.carrier", FactType::kBool, "", "up, with carrier"},
      {"network.if.*.up", FactType::kBool, "", "administratively up (IFF_UP)"},
      {"network.if.*.type", FactType::kText, "", "ethernet, wifi, cellular or other"},
      {"network.if.*.ipv4", FactType::kText, "", "its IPv4 addresses, address/prefix, by commas"},
      {"network.if.*.ipv6", FactType::kText, "", "its IPv6 addresses, address/prefix, by commas"},
      {"network.link.up_count", FactType::kInt, "", "interfaces other than lo that are up"},
      {"network.link.carrier", FactType::kBool, "", "some interface other than lo has carrier"},
      {"network.address.present", FactType::kBool, "",
       "a global address on an interface that is up"},
      {"network.route.default", FactType::kBool, "", "a default route exists"},
      {"network.route.default_dev", FactType::kText, "", "the default route's interface"},
      {"network.route.default_gateway", FactType::kText, "", "the default route's gateway"},
      {"network.wifi.signal_dbm", FactType::kInt, "dBm",
       "the first Wi-Fi interface in /proc/net/wireless"},
      {"network.wifi.*.link_quality", FactType::kReal, "", "link quality, on the driver's scale"},
      {"network.wifi.*.signal_dbm", FactType::kInt, "dBm", "signal level"},
      {"network.wifi.*.noise_dbm", FactType::kInt, "dBm", "noise level"},
      {"network.payment_host.name", FactType::kText, "", "the payment host's name or address"},
      {"network.payment_host.port", FactType::kInt, "", "the payment host's TCP port"},
      {"network.dns.needed", FactType::kBool, "", "the payment host is a name, not an address"},
      {"network.dns.ok", FactType::kBool, "", "the payment host's name resolved"},
      {"network.dns.error", FactType::kText, "",
       "none, nxdomain, no_data, timeout, refused, servfail, no_servers, ..."},
      {"network.dns.detail", FactType::kText, "", "the resolver's own words"},
      {"network.dns.ms", FactType::kReal, "ms", "how long the lookup took"},
      {"network.dns.address", FactType::kText, "", "the first address it resolved to"},
      {"network.tcp.ok", FactType::kBool, "", "the TCP connect to the payment host succeeded"},
      {"network.tcp.result", FactType::kText, "",
       "connected, refused, timeout, unreachable or error"},
      {"network.tcp.ms", FactType::kReal, "ms", "how long the connect took"},
      {"network.tcp.detail", FactType::kText, "", "the system's words for a failure"},
      {"network.tls.enabled", FactType::kBool, "", "[network] tls"},
      {"network.tls.expiry_warn_days", FactType::kInt, "days", "[network] cert_warn_days"},
      {"network.tls.ok", FactType::kBool, "", "the handshake succeeded and the chain verified"},
      {"network.tls.handshake", FactType::kBool, "", "the handshake completed"},
      {"network.tls.error", FactType::kText, "", "why the handshake failed"},
      {"network.tls.ms", FactType::kReal, "ms", "how long the handshake took"},
      {"network.tls.protocol", FactType::kText, "", "TLSv1.2, TLSv1.3"},
      {"network.tls.verify_result", FactType::kText, "", "\"ok\" or OpenSSL's verify error"},
      {"network.tls.verify_code", FactType::kInt, "", "OpenSSL's X509_V_ERR_* (0 when ok)"},
      {"network.tls.chain_trusted", FactType::kBool, "",
       "the chain leads to a trusted CA, the clock not considered"},
      {"network.tls.hostname_match", FactType::kBool, "", "the certificate names the host"},
      {"network.tls.not_before_epoch_s", FactType::kInt, "s",
       "the chain is valid from (the latest notBefore)"},
      {"network.tls.not_after_epoch_s", FactType::kInt, "s",
       "the chain is valid until (the earliest notAfter)"},
      {"network.tls.days_to_expiry", FactType::kInt, "days",
       "whole days until the chain expires, negative after"},
      {"network.tls.expired", FactType::kBool, "", "the terminal's clock is past notAfter"},
      {"network.tls.not_yet_valid", FactType::kBool, "",
       "the terminal's clock is before notBefore"},
      {"network.latency.attempts", FactType::kInt, "", "TCP connects tried for latency"},
      {"network.latency.loss_pct", FactType::kReal, "%", "of those, the share that failed"},
      {"network.latency.median_ms", FactType::kReal, "ms", "median connect time"},
      {"network.latency.max_ms", FactType::kReal, "ms", "slowest connect time"},
  });
}

Support NetworkProbe::CheckSupport(const ProbeContext&) { return Support::Yes(); }

Result<void> NetworkProbe::Measure(const ProbeContext& ctx, FactWriter& out) {
  net::NetworkTransport& transport = ctx.open.Network();
  const auto wireless = WriteWifi(ctx.fs, out);
  const auto snap = transport.ReadInterfaces(
      io::Deadline(std::min(ctx.deadline.at(), io::Deadline::In(kInterfacesTimeout).at())));
  WriteInterfaces(ctx, snap, wireless, out);

  auto rest_missing = [&](const std::string& why) {
    AllMissing(out, kDnsFacts, why);
    AllMissing(out, kTcpFacts, why);
    AllMissing(out, kTlsFacts, why);
    AllMissing(out, kLatencyFacts, why);
  };
  if (!ctx.section.Has("payment_host")) {
    rest_missing("[network] names no payment_host");
    return Ok();
  }
  const auto host = net::ParseHostPort(ctx.section.GetString("payment_host"));
  if (!host) {  // the schema (NetworkDevice) refuses such a value before any probe runs
    rest_missing(host.error().detail);
    return host.error();
  }
  out.Set("network.payment_host.name", host->host);
  out.Set("network.payment_host.port", static_cast<std::int64_t>(host->port));
  const bool tls = ctx.section.GetBool("tls");
  out.Set("network.tls.enabled", tls);
  out.Set("network.tls.expiry_warn_days", ctx.section.GetInt("cert_warn_days"), "days");

  // A step is tried whenever its input exists, even behind a broken link: what it meets is
  // measured, and the catalogue names the first break as the root cause and hides the rest.
  const auto address = WriteDns(ctx, transport, *host, out);
  if (!address) {
    const std::string why = "not tried: DNS failed";
    AllMissing(out, kTcpFacts, why);
    AllMissing(out, kTlsFacts, why);
    AllMissing(out, kLatencyFacts, why);
    return Ok();
  }
  if (ctx.deadline.Expired() || ctx.stop.stop_requested()) {
    return Error{ErrorKind::kTimeout, "deadline passed before the TCP connect"};
  }

  auto tcp = transport.Connect(*address, host->port,
                               StepDeadline(ctx, ctx.section.GetInt("connect_timeout_ms")));
  const bool connected = tcp.outcome == net::TcpOutcome::kConnected;
  out.Set("network.tcp.ok", connected);
  out.Set("network.tcp.result", std::string(net::TcpOutcomeName(tcp.outcome)));
  out.Set("network.tcp.ms", Ms(tcp.elapsed), "ms");
  if (!tcp.detail.empty()) out.Set("network.tcp.detail", tcp.detail);
  if (!connected) {
    const std::string why =
        "not tried: TCP connect " + std::string(net::TcpOutcomeName(tcp.outcome));
    AllMissing(out, kTlsFacts, why);
    AllMissing(out, kLatencyFacts, why);
    return Ok();
  }

  if (tls) {
    WriteTls(ctx, transport, *host, std::move(tcp.socket), out);
  } else {
    AllMissing(out, kTlsFacts, "not tried: [network] tls = false");
  }
  WriteLatency(ctx, transport, *address, host->port, out);
  return Ok();
}

}  // namespace posdiag::agent::probes
