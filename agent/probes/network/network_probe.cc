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
#include "drivers/network/hosts.h"
#include "drivers/network/transport.h"
#include "drivers/network/wireless.h"

namespace posdiag::agent::probes {
namespace {

namespace net = drivers::network;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Reading the kernel's tables is local; a second is far more than it takes.
constexpr milliseconds kInterfacesTimeout(1000);
constexpr milliseconds kRouteTimeout(500);
constexpr milliseconds kPemTimeout(1000);
// A step is not started with less than this left: a connect given 5 ms would "time out" on a
// road that is fine.
constexpr milliseconds kMinStep(50);
constexpr std::int64_t kSecondsPerDay = 86400;
// The terminal's certificate and CA bundle are read whole; the system bundle is ~200 KiB.
constexpr std::size_t kMaxPemBytes = 4 << 20;

double Ms(std::chrono::microseconds us) {
  return std::round(static_cast<double>(us.count()) / 100.0) / 10.0;  // 0.1 ms
}

// The probe's time, planned: every step ends by the probe's own end, which keeps a reserve
// before ctx.deadline for writing the facts, so the runner gets an answer in time rather than
// abandoning the probe. A step whose own timeout reaches past that end is cut at it, and a step
// that was cut is reported as timed out with what it measured before (the engineer also sees
// network.deadline.cut_step).
class Plan {
 public:
  explicit Plan(const ProbeContext& ctx) : ctx_(ctx) {
    const auto total = std::chrono::duration_cast<milliseconds>(ctx.deadline.at() - Now());
    const milliseconds reserve = std::clamp(total / 20, milliseconds(20), milliseconds(100));
    end_ = ctx.deadline.at() - reserve;
  }

  struct Step {
    io::Deadline deadline;
    bool capped = false;  // the probe's end comes before the step's own timeout
  };
  Step For(milliseconds own) const {
    const auto own_end = Now() + own;
    return own_end <= end_ ? Step{io::Deadline(own_end), false} : Step{io::Deadline(end_), true};
  }
  // Whether a step may start: enough time left and no stop asked for.
  bool CanStart() const { return !ctx_.stop.stop_requested() && end_ - Now() >= kMinStep; }
  static std::string NoTime() { return "not tried: the probe's deadline left no time for it"; }
  // A step its rules need was not tried for lack of time: the check is incomplete, unless an
  // earlier step was cut off (that step's timeout is then the finding, and this one follows it).
  void NotTried(FactWriter& out, std::string_view step) {
    if (!out_of_time_ && !cut_) {
      out.Incomplete(std::string(step) + ": " + NoTime() +
                     " ([network] timeout_ms or [run] budget_ms)");
    }
    out_of_time_ = true;
  }
  bool out_of_time() const { return out_of_time_; }

  // Records the first step the probe's end cut short.
  void CutOff(FactWriter& out, std::string_view step) {
    if (cut_) return;
    cut_ = true;
    out.Set("network.deadline.cut_step", std::string(step));
  }

 private:
  static steady_clock::time_point Now() { return steady_clock::now(); }
  const ProbeContext& ctx_;
  steady_clock::time_point end_;
  bool cut_ = false;
  bool out_of_time_ = false;
};

std::string CutDetail(std::chrono::microseconds took, std::int64_t own_ms) {
  return "cut off after " + std::to_string(took.count() / 1000) +
         " ms by the probe's deadline ([network] timeout_ms or [run] budget_ms); its own limit "
         "is " +
         std::to_string(own_ms) + " ms";
}

void AllMissing(FactWriter& out, std::initializer_list<const char*> names, const std::string& why) {
  for (const char* n : names) out.Missing(n, why);
}

constexpr std::initializer_list<const char*> kDnsFacts = {"network.dns.ok", "network.dns.error",
                                                          "network.dns.ms", "network.dns.address",
                                                          "network.dns.source"};
constexpr std::initializer_list<const char*> kRouteFacts = {"network.route.to_host",
                                                            "network.route.interface"};
constexpr std::initializer_list<const char*> kTcpFacts = {"network.tcp.ok", "network.tcp.result",
                                                          "network.tcp.ms"};
constexpr std::initializer_list<const char*> kTlsFacts = {"network.tls.ok",
                                                          "network.tls.handshake",
                                                          "network.tls.outcome",
                                                          "network.tls.bytes_received",
                                                          "network.tls.client_cert_requested",
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
// The facts of the host's certificate, read once the host sent it.
constexpr std::initializer_list<const char*> kCertificateFacts = {
    "network.tls.protocol",          "network.tls.verify_result",  "network.tls.verify_code",
    "network.tls.chain_trusted",     "network.tls.hostname_match", "network.tls.not_before_epoch_s",
    "network.tls.not_after_epoch_s", "network.tls.days_to_expiry", "network.tls.expired",
    "network.tls.not_yet_valid"};
constexpr std::initializer_list<const char*> kLatencyFacts = {
    "network.latency.median_ms", "network.latency.max_ms", "network.latency.loss_pct"};
constexpr std::initializer_list<const char*> kClientCertDates = {
    "network.tls.client_cert.subject",           "network.tls.client_cert.not_before_epoch_s",
    "network.tls.client_cert.not_after_epoch_s", "network.tls.client_cert.days_to_expiry",
    "network.tls.client_cert.expired",           "network.tls.client_cert.not_yet_valid"};

std::int64_t NowSeconds(const ProbeContext& ctx) {
  return std::chrono::floor<std::chrono::seconds>(ctx.clock.Now().time_since_epoch()).count();
}

// Whole days from now to `until`, floored: expired an hour ago is day -1.
std::int64_t DaysLeft(std::int64_t now_s, std::int64_t until_s) {
  const std::int64_t left = until_s - now_s;
  std::int64_t days = left / kSecondsPerDay;
  if (left % kSecondsPerDay != 0 && left < 0) --days;
  return days;
}

// A terminal file's text, or why it cannot be had: "not_found", "permission", "unreadable".
Result<std::string> ReadTerminalFile(const ProbeContext& ctx, const std::string& path) {
  return ctx.fs.ReadText(path, kMaxPemBytes);
}

std::string FileError(const Error& e) {
  switch (e.kind) {
    case ErrorKind::kNotFound:
      return "not_found";
    case ErrorKind::kPermission:
      return "permission";
    default:
      return "unreadable";
  }
}

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

const net::RouteInfo* DefaultRoute(const net::NetlinkSnapshot& snap) {
  for (const auto& r : snap.routes) {
    if (r.dst_len == 0 && r.type == RTN_UNICAST && r.table != RT_TABLE_LOCAL) return &r;
  }
  return nullptr;
}

std::string LinkName(const net::NetlinkSnapshot& snap, int index) {
  for (const auto& l : snap.links) {
    if (l.index == index) return l.name;
  }
  return {};
}

// Which interface the link step judges, and why that one.
struct Judged {
  std::optional<int> index;  // none: every interface other than lo
  std::string basis;         // route_to_host, default_route, any_interface
};

// The interfaces, each as facts, and the link and address judged on the interface the payment
// host's traffic leaves by (or, without its address, the default route's; without that, any).
void WriteInterfaces(const ProbeContext& ctx, const Result<net::NetlinkSnapshot>& snap,
                     const std::vector<net::WirelessRow>& wireless, const Judged& judged,
                     FactWriter& out) {
  if (!snap) {
    const std::string why = snap.error().detail;
    AllMissing(out,
               {"network.link.up_count", "network.link.carrier", "network.address.present",
                "network.route.default", "network.link.basis"},
               why);
    return;  // unknown is not broken: the later steps still run and show what works
  }
  std::int64_t up_count = 0;
  bool judged_carrier = false;
  bool judged_address = false;
  std::vector<std::string> used;
  for (const auto& link : snap->links) {
    const bool in_judgement = judged.index ? link.index == *judged.index : !IsLoopback(link);
    const bool up = (link.flags & IFF_UP) != 0;
    const bool carrier = HasCarrier(link);
    if (in_judgement) {
      judged_carrier = judged_carrier || carrier;
      for (const auto& a : snap->addrs) {
        if (a.index == link.index && up && a.scope == RT_SCOPE_UNIVERSE) judged_address = true;
      }
    }
    if (IsLoopback(link)) continue;
    std::string seg = FactSegment(link.name);
    for (int n = 2; std::find(used.begin(), used.end(), seg) != used.end(); ++n) {
      seg = FactSegment(link.name) + "_" + std::to_string(n);
    }
    used.push_back(seg);
    const std::string p = "network.if." + seg + ".";
    const std::string oper = link.operstate ? net::OperStateName(*link.operstate) : "unknown";
    out.Set(p + "name", link.name);
    out.Set(p + "operstate", oper);
    out.Set(p + "carrier", carrier);
    out.Set(p + "up", up);
    out.Set(p + "type", InterfaceType(ctx.fs, link, wireless));
    // RFC 2863 "unknown" is what drivers without operstate support report; trust the carrier.
    if (oper == "up" || (oper == "unknown" && carrier)) ++up_count;
    std::string v4;
    std::string v6;
    for (const auto& a : snap->addrs) {
      if (a.index != link.index) continue;
      std::string& list = a.family == AF_INET ? v4 : v6;
      list += (list.empty() ? "" : ",") + a.address + "/" + std::to_string(a.prefix_len);
    }
    if (!v4.empty()) out.Set(p + "ipv4", v4);
    if (!v6.empty()) out.Set(p + "ipv6", v6);
  }
  out.Set("network.link.up_count", up_count);
  out.Set("network.link.carrier", judged_carrier);
  out.Set("network.address.present", judged_address);
  out.Set("network.link.basis", judged.basis);

  const net::RouteInfo* def = DefaultRoute(*snap);
  out.Set("network.route.default", def != nullptr);
  if (def != nullptr) {
    const std::string dev = def->oif ? LinkName(*snap, *def->oif) : "";
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

// What glibc's nss_dns would have told the switch for a DNS answer.
net::NssStatus DnsStatus(const std::string& error) {
  if (error.empty() || error == "none") return net::NssStatus::kSuccess;
  if (error == "nxdomain" || error == "no_data") return net::NssStatus::kNotFound;
  if (error == "unreachable" || error == "no_servers" || error == "bad_config") {
    return net::NssStatus::kUnavail;
  }
  return net::NssStatus::kTryAgain;
}

struct DnsAnswer {
  std::string error;  // "" when it answered
  std::string detail;
  std::string server;
  std::vector<net::IpAddress> addresses;
  std::chrono::microseconds elapsed{0};
  bool cut = false;
  bool not_started = false;  // the probe's deadline left no time to ask
};

DnsAnswer AskDns(const ProbeContext& ctx, Plan& plan, net::NetworkTransport& transport,
                 const std::string& name) {
  DnsAnswer a;
  net::DnsConfig config;
  config.servers = ctx.section.GetStringList("dns_servers");
  if (config.servers.empty()) {
    config.resolv_conf = ctx.fs.Path("/etc/resolv.conf");
    auto text = ctx.fs.ReadText("/etc/resolv.conf");
    if (!text || !net::ResolvConfHasNameserver(*text)) {
      a.error = "no_servers";
      a.detail = text ? "/etc/resolv.conf names no nameserver"
                      : "/etc/resolv.conf: " + text.error().detail;
      return a;
    }
  }
  if (!plan.CanStart()) {
    a.not_started = true;
    return a;
  }
  const std::int64_t own = ctx.section.GetInt("dns_timeout_ms");
  const auto step = plan.For(milliseconds(own));
  const auto r = transport.Resolve(name, config, step.deadline);
  a.server = r.server;
  a.detail = r.detail;
  a.elapsed = r.elapsed;
  if (r.ok && !r.addresses.empty()) {
    a.addresses = r.addresses;
    return a;
  }
  a.error = r.error.empty() ? "no_data" : r.error;
  if (a.error == "timeout" && step.capped) {
    a.cut = true;
    a.detail = CutDetail(r.elapsed, own) + (a.detail.empty() ? "" : "; " + a.detail);
  }
  return a;
}

// Looks the payment host's name up as the terminal's C library would: the sources of the
// `hosts:` line of its /etc/nsswitch.conf, in order, with its /etc/hosts.
std::optional<net::IpAddress> WriteResolve(const ProbeContext& ctx, Plan& plan,
                                           net::NetworkTransport& transport,
                                           const net::HostPort& host, FactWriter& out) {
  if (host.literal) {
    out.Set("network.dns.needed", false);
    AllMissing(out, kDnsFacts, "not needed: payment_host is an address");
    return host.literal;
  }
  out.Set("network.dns.needed", true);
  const auto start = steady_clock::now();
  net::HostsOrder order = net::DefaultHostsOrder();
  if (ctx.fs.Exists("/etc/nsswitch.conf")) {
    if (auto text = ctx.fs.ReadText("/etc/nsswitch.conf")) order = net::ParseNsswitchHosts(*text);
  }
  out.Set("network.dns.order", net::HostsOrderText(order));
  auto elapsed = [&] {
    return Ms(std::chrono::duration_cast<std::chrono::microseconds>(steady_clock::now() - start));
  };

  std::string error;  // the reason to report if nothing answers
  std::string detail;
  for (const auto& step : order.steps) {
    net::NssStatus status = net::NssStatus::kNotFound;
    if (step.source == net::HostsSource::kFiles) {
      auto hosts = ctx.fs.ReadText("/etc/hosts", kMaxPemBytes);
      if (!hosts) {
        status = net::NssStatus::kUnavail;
        detail += (detail.empty() ? "" : "; ") +
                  std::string(hosts.error().kind == ErrorKind::kNotFound
                                  ? "no /etc/hosts"
                                  : "/etc/hosts cannot be read (" +
                                        std::string(ErrorKindName(hosts.error().kind)) + ")");
      } else if (auto found = net::LookupHostsFile(*hosts, host.host); !found.empty()) {
        out.Set("network.dns.ok", true);
        out.Set("network.dns.error", "none");
        out.Set("network.dns.source", "files");
        out.Set("network.dns.ms", elapsed(), "ms");
        out.Set("network.dns.address", found.front().text);
        return found.front();
      } else {
        detail += (detail.empty() ? "" : "; ") + ("/etc/hosts does not name " + host.host);
      }
      if (error.empty()) error = "not_in_hosts";
    } else {
      const DnsAnswer a = AskDns(ctx, plan, transport, host.host);
      if (a.not_started) {
        // Not asked is not failed: the lookup is not judged at all, and the check is incomplete.
        plan.NotTried(out, "dns");
        plan.CutOff(out, "dns");
        AllMissing(out, kDnsFacts, Plan::NoTime());
        return std::nullopt;
      }
      if (!a.server.empty()) out.Set("network.dns.server", a.server);
      if (a.cut) plan.CutOff(out, "dns");
      if (a.error.empty()) {
        out.Set("network.dns.ok", true);
        out.Set("network.dns.error", "none");
        out.Set("network.dns.source", "dns");
        out.Set("network.dns.ms", Ms(a.elapsed), "ms");
        out.Set("network.dns.address", a.addresses.front().text);
        return a.addresses.front();
      }
      status = DnsStatus(a.error);
      error = a.error;  // what DNS said outweighs a hosts file that does not name the host
      if (!a.detail.empty()) detail += (detail.empty() ? "" : "; ") + ("DNS: " + a.detail);
    }
    if (step.StopsOn(status)) break;
  }
  if (order.steps.empty()) {
    error = "no_sources";
    detail = "the hosts: line of /etc/nsswitch.conf names neither files nor dns";
  }
  out.Set("network.dns.ok", false);
  out.Set("network.dns.error", error);
  out.Set("network.dns.ms", elapsed(), "ms");
  if (!detail.empty()) out.Set("network.dns.detail", detail);
  out.Missing("network.dns.address", "the name did not resolve");
  out.Missing("network.dns.source", "no source answered");
  return std::nullopt;
}

// The route the payment host's traffic takes; the interface it leaves by is the one the link
// step judges.
Judged WriteRoute(Plan& plan, net::NetworkTransport& transport,
                  const Result<net::NetlinkSnapshot>& snap,
                  const std::optional<net::IpAddress>& address, const std::string& no_address,
                  FactWriter& out) {
  Judged judged;
  auto fallback = [&](const std::string& why) {
    AllMissing(out, kRouteFacts, why);
    const net::RouteInfo* def = snap ? DefaultRoute(*snap) : nullptr;
    if (def != nullptr && def->oif) {
      judged.index = def->oif;
      judged.basis = "default_route";
    } else {
      judged.basis = "any_interface";
    }
    return judged;
  };
  if (!address) return fallback(no_address);
  if (!plan.CanStart()) return fallback(Plan::NoTime());
  auto route = transport.RouteTo(*address, plan.For(kRouteTimeout).deadline);
  if (!route && route.error().kind != ErrorKind::kNotFound && snap) {
    // The kernel could not be asked: the main table decides as far as it can.
    if (auto from_table = net::RouteFor(*snap, address->family, address->bytes)) {
      route = *from_table;
    }
  }
  if (!route) {
    if (route.error().kind == ErrorKind::kNotFound) {
      out.Set("network.route.to_host", false);
      out.Set("network.route.detail", route.error().detail);
      out.Missing("network.route.interface", route.error().detail);
      const net::RouteInfo* def = snap ? DefaultRoute(*snap) : nullptr;
      judged.index = def != nullptr ? def->oif : std::nullopt;
      judged.basis = def != nullptr ? "default_route" : "any_interface";
      return judged;
    }
    return fallback("route to " + address->text + ": " + route.error().detail);
  }
  out.Set("network.route.to_host", true);
  const std::string dev = route->oif && snap ? LinkName(*snap, *route->oif) : "";
  if (!dev.empty()) {
    out.Set("network.route.interface", dev);
  } else {
    out.Missing("network.route.interface", "the route names no interface posdiag saw");
  }
  if (!route->gateway.empty()) {
    out.Set("network.route.gateway", route->gateway);
  } else {
    out.Missing("network.route.gateway", "none: the host is on the interface's own network");
  }
  if (!route->prefsrc.empty()) out.Set("network.route.source", route->prefsrc);
  if (route->oif && !dev.empty()) {
    judged.index = route->oif;
    judged.basis = "route_to_host";
  } else {
    judged.basis = "any_interface";
  }
  return judged;
}

// The terminal's TLS set-up as configured: the CA bundle and its own certificate, read from the
// terminal's files before anything is sent, so a broken set-up is reported as itself. Their texts
// are judged by the TLS companion in the same start as the handshake (CheckTls), or on their own
// when no handshake comes (FinishTlsSetup).
struct TlsSetup {
  std::filesystem::path ca_file;  // empty: none usable
  bool ca_readable = true;        // false: configured (or the system bundle) but unusable
  std::string ca_error;
  bool client_configured = false;
  std::filesystem::path client_cert;
  std::filesystem::path client_key;
  std::string client_error;  // "" when usable so far
  // Read, not yet judged.
  std::string ca_name;  // as configured
  std::optional<std::string> ca_text;
  std::string client_name;
  std::optional<std::string> client_text;
  bool client_key_exists = false;
  bool checked = false;  // the texts were judged (or there were none)
};

constexpr std::initializer_list<const char*> kCaFileFacts = {"network.tls.ca_file.readable",
                                                             "network.tls.ca_file.error",
                                                             "network.tls.ca_file.certificates"};

TlsSetup ReadTlsSetup(const ProbeContext& ctx, FactWriter& out) {
  TlsSetup s;
  std::string ca = ctx.section.Has("ca_file") ? ctx.section.GetString("ca_file") : "";
  if (ca.empty() && ctx.fs.Exists("/etc/ssl/certs/ca-certificates.crt")) {
    ca = "/etc/ssl/certs/ca-certificates.crt";
  }
  if (ca.empty()) {
    AllMissing(out, kCaFileFacts, "no ca_file configured and no system bundle");
  } else if (auto text = ReadTerminalFile(ctx, ca); text) {
    s.ca_name = ca;
    s.ca_text = std::move(*text);
    s.ca_file = ctx.fs.Path(ca);
  } else {
    s.ca_readable = false;
    s.ca_error = FileError(text.error());
    out.Set("network.tls.ca_file.readable", false);
    out.Set("network.tls.ca_file.error", s.ca_error);
    out.Set("network.tls.ca_file.detail", ca + ": " + text.error().detail);
    out.Missing("network.tls.ca_file.certificates", text.error().detail);
  }

  s.client_configured = ctx.section.Has("client_cert");
  out.Set("network.tls.client_cert.configured", s.client_configured);
  if (!s.client_configured) {
    AllMissing(out, kClientCertDates, "no client_cert configured");
    return s;
  }
  const std::string cert = ctx.section.GetString("client_cert");
  const std::string key = ctx.section.GetString("client_key");  // the schema needs both
  auto text = ReadTerminalFile(ctx, cert);
  if (!text) {
    s.client_error = FileError(text.error());
    out.Set("network.tls.client_cert.detail", cert + ": " + text.error().detail);
    AllMissing(out, kClientCertDates, "client_cert " + cert + ": " + text.error().detail);
    return s;
  }
  s.client_name = cert;
  s.client_text = std::move(*text);
  // The key is not read here: only OpenSSL opens it, at the handshake.
  s.client_key_exists = ctx.fs.Exists(key);
  s.client_cert = ctx.fs.Path(cert);
  s.client_key = ctx.fs.Path(key);
  return s;
}

// The request for what ReadTlsSetup read; the handshake's options as if both files were usable.
net::TlsCheckRequest TlsRequest(const TlsSetup& s) {
  net::TlsCheckRequest request;
  request.ca_pem = s.ca_text;
  request.client_pem = s.client_text;
  if (s.ca_text) request.options.ca_file = s.ca_file;
  if (s.client_text && s.client_key_exists) {
    request.options.client_cert = s.client_cert;
    request.options.client_key = s.client_key;
  }
  return request;
}

// The companion's judgement of the texts, as facts. Its failing is "not checked", never a verdict
// on a file.
void ApplyCertificates(const ProbeContext& ctx, const net::TlsCheckResult& result, TlsSetup& s,
                       FactWriter& out) {
  s.checked = true;
  if (s.ca_text && result.ca) {
    const auto& certs = *result.ca;
    if (certs) {
      out.Set("network.tls.ca_file.readable", true);
      out.Set("network.tls.ca_file.error", "none");
      out.Set("network.tls.ca_file.certificates", static_cast<std::int64_t>(certs->size()));
    } else if (certs.error().kind != ErrorKind::kParse) {
      AllMissing(out, kCaFileFacts, "not checked: " + certs.error().detail);
    } else {
      s.ca_file.clear();
      s.ca_readable = false;
      s.ca_error = "not_pem";
      out.Set("network.tls.ca_file.readable", false);
      out.Set("network.tls.ca_file.error", s.ca_error);
      out.Set("network.tls.ca_file.detail", s.ca_name + ": " + certs.error().detail);
      out.Missing("network.tls.ca_file.certificates", certs.error().detail);
    }
  }
  if (!s.client_text || !result.client) return;
  const auto& certs = *result.client;
  const std::string& cert = s.client_name;
  const auto unusable = [&s] {
    s.client_cert.clear();
    s.client_key.clear();
  };
  if (!certs && certs.error().kind != ErrorKind::kParse) {
    AllMissing(out, kClientCertDates, "not checked: " + certs.error().detail);
  } else if (!certs) {
    s.client_error = "not_pem";
    out.Set("network.tls.client_cert.detail", cert + ": " + certs.error().detail);
    AllMissing(out, kClientCertDates, "client_cert " + cert + ": " + certs.error().detail);
    unusable();
    return;
  } else {
    const net::CertificateInfo& leaf = certs->front();
    if (!leaf.subject.empty()) out.Set("network.tls.client_cert.subject", leaf.subject);
    if (leaf.not_before_epoch_s && leaf.not_after_epoch_s) {
      const std::int64_t now_s = NowSeconds(ctx);
      out.Set("network.tls.client_cert.not_before_epoch_s", *leaf.not_before_epoch_s, "s");
      out.Set("network.tls.client_cert.not_after_epoch_s", *leaf.not_after_epoch_s, "s");
      out.Set("network.tls.client_cert.days_to_expiry", DaysLeft(now_s, *leaf.not_after_epoch_s),
              "days");
      out.Set("network.tls.client_cert.expired", now_s > *leaf.not_after_epoch_s);
      out.Set("network.tls.client_cert.not_yet_valid", now_s < *leaf.not_before_epoch_s);
    } else {
      AllMissing(
          out,
          {"network.tls.client_cert.not_before_epoch_s",
           "network.tls.client_cert.not_after_epoch_s", "network.tls.client_cert.days_to_expiry",
           "network.tls.client_cert.expired", "network.tls.client_cert.not_yet_valid"},
          "the certificate's dates cannot be read");
    }
  }
  if (!s.client_key_exists) {
    s.client_error = "key_not_found";
    out.Set("network.tls.client_cert.detail",
            "client_key " + ctx.section.GetString("client_key") + " does not exist");
    unusable();
  }
}

// The texts judged on their own, when no handshake came to judge them with.
void FinishTlsSetup(const ProbeContext& ctx, Plan& plan, net::NetworkTransport& transport,
                    TlsSetup& s, FactWriter& out) {
  if (s.checked) return;
  net::TlsCheckRequest request = TlsRequest(s);
  if (!request.ca_pem && !request.client_pem) return;
  if (!plan.CanStart()) {
    ApplyCertificates(ctx, net::FailedCheck(request, Error{ErrorKind::kTimeout, Plan::NoTime()}), s,
                      out);
    return;
  }
  ApplyCertificates(
      ctx, transport.CheckTls(net::UniqueFd(), request, plan.For(kPemTimeout).deadline), s, out);
}

void WriteClientCertState(const TlsSetup& s, FactWriter& out) {
  if (!s.client_configured) {
    AllMissing(out, {"network.tls.client_cert.usable", "network.tls.client_cert.error"},
               "no client_cert configured");
    return;
  }
  out.Set("network.tls.client_cert.usable", s.client_error.empty());
  out.Set("network.tls.client_cert.error", s.client_error.empty() ? "none" : s.client_error);
}

void WriteTls(const ProbeContext& ctx, Plan& plan, net::NetworkTransport& transport,
              const net::HostPort& host, TlsSetup& setup, net::UniqueFd socket, FactWriter& out) {
  std::optional<std::string> server_name;
  if (ctx.section.Has("server_name")) server_name = ctx.section.GetString("server_name");
  const net::TlsTarget target = net::ChooseTlsTarget(host.host, server_name);
  out.Set("network.tls.identity", target.identity);
  if (!target.sni.empty()) {
    out.Set("network.tls.sni", target.sni);
  } else {
    out.Missing("network.tls.sni", "none sent");
  }
  if (!plan.CanStart()) {
    plan.NotTried(out, "tls");
    AllMissing(out, kTlsFacts, Plan::NoTime());
    return;
  }
  // The terminal's files and the handshake, in one start of the companion.
  net::TlsCheckRequest request = TlsRequest(setup);
  request.handshake = true;
  request.options.identity = target.identity;
  request.options.server_name = target.sni;
  const std::int64_t own = ctx.section.GetInt("tls_timeout_ms");
  const auto step = plan.For(milliseconds(own));
  net::TlsCheckResult checked = transport.CheckTls(std::move(socket), request, step.deadline);
  ApplyCertificates(ctx, checked, setup, out);
  const Result<net::TlsReading>& r = *checked.handshake;
  if (!r) {
    AllMissing(out, kTlsFacts, r.error().detail);
    return;
  }
  if (!r->client_cert_error.empty() && setup.client_error.empty()) {
    setup.client_error = r->client_cert_error;
  }
  out.Set("network.tls.handshake", r->handshake_ok);
  out.Set("network.tls.outcome", std::string(net::TlsOutcomeName(r->outcome)));
  out.Set("network.tls.ms", Ms(r->elapsed), "ms");
  out.Set("network.tls.bytes_received", static_cast<std::int64_t>(r->bytes_received), "bytes");
  out.Set("network.tls.client_cert_requested", r->client_cert_requested);
  out.Set("network.tls.client_cert_sent", r->client_cert_sent);
  if (r->alert) out.Set("network.tls.alert", net::TlsAlertName(*r->alert));
  if (!r->handshake_ok) {
    std::string error = r->error;
    if (r->outcome == net::TlsOutcome::kTimeout && step.capped) {
      plan.CutOff(out, "tls");
      error += ": " + CutDetail(r->elapsed, own);
    }
    out.Set("network.tls.error", error);
  }
  if (!r->certificate_seen) {
    out.Set("network.tls.ok", false);
    const std::string why = "handshake failed: " + r->error;
    for (const char* n : kCertificateFacts) out.Missing(n, why);
    return;
  }
  out.Set("network.tls.protocol", r->protocol);
  out.Set("network.tls.hostname_match", r->hostname_match);
  if (setup.ca_readable) {
    out.Set("network.tls.ok", r->handshake_ok && r->verify_code == 0);
    out.Set("network.tls.verify_result", r->verify_result);
    out.Set("network.tls.verify_code", static_cast<std::int64_t>(r->verify_code));
    out.Set("network.tls.chain_trusted", r->chain_trusted);
  } else {
    const std::string why = "not judged: the ca_file cannot be read (" + setup.ca_error + ")";
    AllMissing(out,
               {"network.tls.ok", "network.tls.verify_result", "network.tls.verify_code",
                "network.tls.chain_trusted"},
               why);
  }
  if (!r->not_before_epoch_s || !r->not_after_epoch_s) {
    AllMissing(out,
               {"network.tls.not_before_epoch_s", "network.tls.not_after_epoch_s",
                "network.tls.days_to_expiry", "network.tls.expired", "network.tls.not_yet_valid"},
               "the host sent no certificate dates that could be read");
    return;
  }
  const std::int64_t now_s = NowSeconds(ctx);
  const std::int64_t nb = *r->not_before_epoch_s;
  const std::int64_t na = *r->not_after_epoch_s;
  out.Set("network.tls.not_before_epoch_s", nb, "s");
  out.Set("network.tls.not_after_epoch_s", na, "s");
  out.Set("network.tls.days_to_expiry", DaysLeft(now_s, na), "days");
  out.Set("network.tls.expired", now_s > na);
  out.Set("network.tls.not_yet_valid", now_s < nb);
}

void WriteLatency(const ProbeContext& ctx, Plan& plan, net::NetworkTransport& transport,
                  const net::IpAddress& address, std::uint16_t port, FactWriter& out) {
  const std::int64_t attempts = ctx.section.GetInt("latency_attempts");
  if (attempts == 0) {
    AllMissing(out, kLatencyFacts, "latency_attempts = 0");
    return;
  }
  const milliseconds own(ctx.section.GetInt("connect_timeout_ms"));
  std::vector<double> times;
  std::int64_t tried = 0;
  for (; tried < attempts; ++tried) {
    if (!plan.CanStart()) break;
    const auto step = plan.For(own);
    auto r = transport.Connect(address, port, step.deadline);
    if (r.outcome == net::TcpOutcome::kTimeout && step.capped) {
      // Cut by the probe's deadline, not lost: it does not count.
      plan.CutOff(out, "latency");
      break;
    }
    if (r.outcome == net::TcpOutcome::kConnected) times.push_back(Ms(r.elapsed));
  }
  if (tried == 0) {
    plan.NotTried(out, "latency");
    AllMissing(out, kLatencyFacts, Plan::NoTime());
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

// TCP, TLS and latency to the payment host's address.
void WriteConnection(const ProbeContext& ctx, Plan& plan, net::NetworkTransport& transport,
                     const net::HostPort& host, const net::IpAddress& address, bool tls,
                     TlsSetup& setup, FactWriter& out) {
  if (!plan.CanStart()) {
    plan.NotTried(out, "tcp");
    AllMissing(out, kTcpFacts, Plan::NoTime());
    AllMissing(out, kTlsFacts, Plan::NoTime());
    AllMissing(out, kLatencyFacts, Plan::NoTime());
    return;
  }
  const std::int64_t own = ctx.section.GetInt("connect_timeout_ms");
  const auto step = plan.For(milliseconds(own));
  auto tcp = transport.Connect(address, host.port, step.deadline);
  const bool connected = tcp.outcome == net::TcpOutcome::kConnected;
  out.Set("network.tcp.ok", connected);
  out.Set("network.tcp.result", std::string(net::TcpOutcomeName(tcp.outcome)));
  out.Set("network.tcp.ms", Ms(tcp.elapsed), "ms");
  std::string detail = tcp.detail;
  if (tcp.outcome == net::TcpOutcome::kTimeout && step.capped) {
    plan.CutOff(out, "tcp");
    detail = CutDetail(tcp.elapsed, own);
  }
  if (!detail.empty()) out.Set("network.tcp.detail", detail);
  if (!connected) {
    const std::string why =
        "not tried: TCP connect " + std::string(net::TcpOutcomeName(tcp.outcome));
    AllMissing(out, kTlsFacts, why);
    AllMissing(out, kLatencyFacts, why);
    return;
  }
  if (tls) {
    WriteTls(ctx, plan, transport, host, setup, std::move(tcp.socket), out);
  } else {
    AllMissing(out, kTlsFacts, "not tried: [network] tls = false");
  }
  WriteLatency(ctx, plan, transport, address, host.port, out);
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
      {"network.link.carrier", FactType::kBool, "",
       "the judged interface (network.link.basis) is up with carrier"},
      {"network.link.basis", FactType::kText, "",
       "the interface judged: route_to_host (the one the payment host's route uses), "
       "default_route, or any_interface (any other than lo)"},
      {"network.address.present", FactType::kBool, "",
       "a global address on the judged interface, which is up"},
      {"network.route.default", FactType::kBool, "", "a default route exists"},
      {"network.route.default_dev", FactType::kText, "", "the default route's interface"},
      {"network.route.default_gateway", FactType::kText, "", "the default route's gateway"},
      {"network.route.to_host", FactType::kBool, "",
       "the kernel has a route to the payment host's address"},
      {"network.route.interface", FactType::kText, "",
       "the interface the route to the payment host leaves by (eth0, wlan0, ppp0, tun0, ...)"},
      {"network.route.gateway", FactType::kText, "", "the gateway of that route"},
      {"network.route.source", FactType::kText, "", "the source address the kernel picks"},
      {"network.route.detail", FactType::kText, "", "why there is no route to the host"},
      {"network.wifi.signal_dbm", FactType::kInt, "dBm",
       "the first Wi-Fi interface in /proc/net/wireless"},
      {"network.wifi.*.link_quality", FactType::kReal, "", "link quality, on the driver's scale"},
      {"network.wifi.*.signal_dbm", FactType::kInt, "dBm", "signal level"},
      {"network.wifi.*.noise_dbm", FactType::kInt, "dBm", "noise level"},
      {"network.payment_host.name", FactType::kText, "", "the payment host's name or address"},
      {"network.payment_host.port", FactType::kInt, "", "the payment host's TCP port"},
      {"network.dns.needed", FactType::kBool, "", "the payment host is a name, not an address"},
      {"network.dns.order", FactType::kText, "",
       "the sources followed, from the hosts: line of the terminal's /etc/nsswitch.conf "
       "(\"files dns\" without one)"},
      {"network.dns.ok", FactType::kBool, "", "the payment host's name resolved"},
      {"network.dns.source", FactType::kText, "", "which source answered: files or dns"},
      {"network.dns.error", FactType::kText, "",
       "none, nxdomain, no_data, servfail, refused (the DNS reply's own code), timeout (no "
       "reply), unreachable, no_servers, not_in_hosts, no_sources, ..."},
      {"network.dns.detail", FactType::kText, "", "what each source and server said"},
      {"network.dns.server", FactType::kText, "", "the DNS server whose reply decided"},
      {"network.dns.ms", FactType::kReal, "ms", "how long the lookup took"},
      {"network.dns.address", FactType::kText, "", "the first address it resolved to"},
      {"network.tcp.ok", FactType::kBool, "", "the TCP connect to the payment host succeeded"},
      {"network.tcp.result", FactType::kText, "",
       "connected, refused, timeout, unreachable or error"},
      {"network.tcp.ms", FactType::kReal, "ms", "how long the connect took"},
      {"network.tcp.detail", FactType::kText, "", "the system's words for a failure"},
      {"network.deadline.cut_step", FactType::kText, "",
       "the step the probe's deadline cut short (dns, tcp, tls, latency), reported as timed out"},
      {"network.tls.enabled", FactType::kBool, "", "[network] tls"},
      {"network.tls.expiry_warn_days", FactType::kInt, "days", "[network] cert_warn_days"},
      {"network.tls.ca_file.readable", FactType::kBool, "",
       "the CA bundle ([network] ca_file, else the system's) holds PEM certificates"},
      {"network.tls.ca_file.error", FactType::kText, "",
       "none, not_found, permission, unreadable or not_pem"},
      {"network.tls.ca_file.detail", FactType::kText, "", "why the CA bundle cannot be used"},
      {"network.tls.ca_file.certificates", FactType::kInt, "", "certificates in the CA bundle"},
      {"network.tls.identity", FactType::kText, "",
       "the name (or address) the host's certificate is checked against"},
      {"network.tls.sni", FactType::kText, "", "the server name sent in the handshake"},
      {"network.tls.ok", FactType::kBool, "", "the handshake succeeded and the chain verified"},
      {"network.tls.handshake", FactType::kBool, "",
       "a session was established and the host did not refuse it"},
      {"network.tls.outcome", FactType::kText, "",
       "ok, timeout, closed (the host hung up), reset (the connection was reset), not_tls (the "
       "host answered with bytes that are not TLS), failed (an alert or another TLS error), "
       "client_cert_required or client_cert_rejected"},
      {"network.tls.bytes_received", FactType::kInt, "bytes",
       "what the host sent during the handshake: 0 when it never answered"},
      {"network.tls.alert", FactType::kText, "", "the TLS alert the host sent"},
      {"network.tls.error", FactType::kText, "", "why the handshake failed"},
      {"network.tls.ms", FactType::kReal, "ms", "how long the handshake took"},
      {"network.tls.protocol", FactType::kText, "", "TLSv1.2, TLSv1.3"},
      {"network.tls.verify_result", FactType::kText, "", "\"ok\" or OpenSSL's verify error"},
      {"network.tls.verify_code", FactType::kInt, "", "OpenSSL's X509_V_ERR_* (0 when ok)"},
      {"network.tls.chain_trusted", FactType::kBool, "",
       "the chain leads to a trusted CA, the clock not considered"},
      {"network.tls.hostname_match", FactType::kBool, "",
       "the certificate names network.tls.identity"},
      {"network.tls.not_before_epoch_s", FactType::kInt, "s",
       "the chain is valid from (the latest notBefore)"},
      {"network.tls.not_after_epoch_s", FactType::kInt, "s",
       "the chain is valid until (the earliest notAfter)"},
      {"network.tls.days_to_expiry", FactType::kInt, "days",
       "whole days until the chain expires, negative after"},
      {"network.tls.expired", FactType::kBool, "", "the terminal's clock is past notAfter"},
      {"network.tls.not_yet_valid", FactType::kBool, "",
       "the terminal's clock is before notBefore"},
      {"network.tls.client_cert_requested", FactType::kBool, "",
       "the host asked for the terminal's certificate"},
      {"network.tls.client_cert_sent", FactType::kBool, "",
       "the terminal answered with its certificate"},
      {"network.tls.client_cert.configured", FactType::kBool, "",
       "[network] client_cert and client_key are set"},
      {"network.tls.client_cert.usable", FactType::kBool, "",
       "the terminal's certificate and key load and belong together"},
      {"network.tls.client_cert.error", FactType::kText, "",
       "none, not_found, permission, unreadable, not_pem, key_not_found, key_unreadable or "
       "key_mismatch"},
      {"network.tls.client_cert.detail", FactType::kText, "",
       "why the terminal's certificate cannot be used"},
      {"network.tls.client_cert.subject", FactType::kText, "",
       "the terminal certificate's subject (common name)"},
      {"network.tls.client_cert.not_before_epoch_s", FactType::kInt, "s",
       "the terminal's certificate is valid from"},
      {"network.tls.client_cert.not_after_epoch_s", FactType::kInt, "s",
       "the terminal's certificate is valid until"},
      {"network.tls.client_cert.days_to_expiry", FactType::kInt, "days",
       "whole days until the terminal's certificate expires, negative after"},
      {"network.tls.client_cert.expired", FactType::kBool, "",
       "the terminal's clock is past its certificate's notAfter"},
      {"network.tls.client_cert.not_yet_valid", FactType::kBool, "",
       "the terminal's clock is before its certificate's notBefore"},
      {"network.latency.attempts", FactType::kInt, "", "TCP connects tried for latency"},
      {"network.latency.loss_pct", FactType::kReal, "%", "of those, the share that failed"},
      {"network.latency.median_ms", FactType::kReal, "ms", "median connect time"},
      {"network.latency.max_ms", FactType::kReal, "ms", "slowest connect time"},
  });
}

Support NetworkProbe::CheckSupport(const ProbeContext&) { return Support::Yes(); }

Result<void> NetworkProbe::Measure(const ProbeContext& ctx, FactWriter& out) {
  Plan plan(ctx);
  net::NetworkTransport& transport = ctx.open.Network();
  const auto wireless = WriteWifi(ctx.fs, out);
  const auto snap = transport.ReadInterfaces(plan.For(kInterfacesTimeout).deadline);

  auto rest_missing = [&](const std::string& why) {
    AllMissing(out, kDnsFacts, why);
    AllMissing(out, kTcpFacts, why);
    AllMissing(out, kTlsFacts, why);
    AllMissing(out, kLatencyFacts, why);
  };
  if (!ctx.section.Has("payment_host")) {
    rest_missing("[network] names no payment_host");
    const Judged judged =
        WriteRoute(plan, transport, snap, std::nullopt, "[network] names no payment_host", out);
    WriteInterfaces(ctx, snap, wireless, judged, out);
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
  TlsSetup setup;
  if (tls) setup = ReadTlsSetup(ctx, out);

  // A step is tried whenever its input exists, even behind a broken link: what it meets is
  // measured, and the catalogue names the first break as the root cause and hides the rest.
  const auto address = WriteResolve(ctx, plan, transport, *host, out);
  // No address: the name did not resolve, or the lookup itself was not tried for lack of time.
  const bool unresolved = !address && !plan.out_of_time();
  const Judged judged = WriteRoute(plan, transport, snap, address,
                                   unresolved ? "not known: the name did not resolve"
                                              : "not known: the name was not looked up in time",
                                   out);
  WriteInterfaces(ctx, snap, wireless, judged, out);
  if (!address) {
    const std::string why = unresolved ? "not tried: the name did not resolve" : Plan::NoTime();
    AllMissing(out, kTcpFacts, why);
    AllMissing(out, kTlsFacts, why);
    AllMissing(out, kLatencyFacts, why);
  } else {
    WriteConnection(ctx, plan, transport, *host, *address, tls, setup, out);
  }
  if (tls) {
    FinishTlsSetup(ctx, plan, transport, setup, out);
    WriteClientCertState(setup, out);
  }
  return Ok();
}

}  // namespace posdiag::agent::probes
