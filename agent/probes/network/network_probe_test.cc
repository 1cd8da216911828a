#include <gtest/gtest.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/probes/network/network_device.h"
#include "agent/probes/testing/fake_openers.h"
#include "agent/probes/testing/probe_harness.h"
#include "drivers/network/test_certificates.h"
#include "drivers/network/transport.h"

namespace posdiag::agent::probes {
namespace {

namespace net = drivers::network;
using posdiag::testing::FixtureTree;
using testing::AtEpoch;
using testing::FixedClock;
using testing::ProbeRun;
using testing::RunProbe;
using V = rules::FactValue;

constexpr std::int64_t kNow = 1'750'000'000;

// Answers each step from what the test set, and records what the probe asked.
class FakeNetwork final : public net::NetworkTransport {
 public:
  Result<net::NetlinkSnapshot> interfaces = Healthy();
  net::DnsResult dns = Resolved("10.77.0.1");
  net::TcpOutcome tcp = net::TcpOutcome::kConnected;
  std::vector<net::TcpOutcome> latency;  // outcomes of the attempts after the first connect
  bool tcp_hangs = false;                // every connect waits out its deadline: a black-holed host
  bool tls_hangs = false;  // the handshake waits out its deadline: a host that never answers
  std::uint64_t tls_hang_bytes = 0;  // what such a host had sent (a trickle) by then
  Result<net::TlsReading> tls = GoodTls();
  // The kernel's answer for the route to an address; unset: the main table of `interfaces`.
  std::optional<Result<net::RouteInfo>> route;

  int resolves = 0;
  int connects = 0;
  int handshakes = 0;
  int routes = 0;
  int certificate_reads = 0;
  // What reading certificates gives; unset: parsed from the text, as the companion would.
  std::optional<Result<std::vector<net::CertificateInfo>>> certificates;
  net::DnsConfig dns_config;
  net::TlsOptions tls_options;

  static net::NetlinkSnapshot Healthy() {
    net::NetlinkSnapshot s;
    s.links.push_back(
        {1, "lo", ARPHRD_LOOPBACK, IFF_UP | IFF_LOOPBACK | IFF_LOWER_UP, IF_OPER_UNKNOWN, true});
    s.links.push_back({2, "eth0", ARPHRD_ETHER, IFF_UP | IFF_LOWER_UP, IF_OPER_UP, true});
    s.addrs.push_back({2, AF_INET, 24, RT_SCOPE_UNIVERSE, "10.77.0.2"});
    s.addrs.push_back({2, AF_INET6, 64, RT_SCOPE_LINK, "fe80::1"});
    s.routes.push_back(Route(0, "", 2, "10.77.0.1"));
    return s;
  }
  // A unicast route of the main table to dst/len (len 0: the default route) through link `oif`.
  static net::RouteInfo Route(std::uint8_t len, const char* dst, int oif, const char* gateway,
                              std::uint32_t metric = 0) {
    net::RouteInfo r;
    r.family = AF_INET;
    r.dst_len = len;
    r.type = RTN_UNICAST;
    r.table = RT_TABLE_MAIN;
    r.oif = oif;
    r.gateway = gateway;
    r.priority = metric;
    if (len != 0) {
      const auto a = *net::ParseIpLiteral(dst);
      r.dst = a.text;
      r.dst_bytes = a.bytes;
    }
    return r;
  }
  static net::DnsResult Resolved(const char* ip) {
    net::DnsResult r;
    r.ok = true;
    r.addresses.push_back(*net::ParseIpLiteral(ip));
    r.elapsed = std::chrono::microseconds(1234);
    return r;
  }
  static net::TlsReading GoodTls() {
    net::TlsReading t;
    t.handshake_ok = true;
    t.outcome = net::TlsOutcome::kOk;
    t.certificate_seen = true;
    t.protocol = "TLSv1.3";
    t.verify_result = "ok";
    t.chain_trusted = true;
    t.hostname_match = true;
    t.not_before_epoch_s = kNow - 86400;
    t.not_after_epoch_s = kNow + 90 * 86400 + 3600;
    return t;
  }

  Result<std::vector<net::CertificateInfo>> ReadCertificates(std::string_view pem,
                                                             io::Deadline) override {
    ++certificate_reads;
    if (certificates) return *certificates;
    return net::ParsePemCertificates(pem);
  }
  Result<net::NetlinkSnapshot> ReadInterfaces(io::Deadline) override { return interfaces; }
  Result<net::RouteInfo> RouteTo(const net::IpAddress& address, io::Deadline) override {
    ++routes;
    if (route) return *route;
    if (!interfaces) return interfaces.error();
    if (auto r = net::RouteFor(*interfaces, address.family, address.bytes)) return *r;
    return Error{ErrorKind::kNotFound, "no route: Network is unreachable"};
  }
  net::DnsResult Resolve(const std::string&, const net::DnsConfig& config, io::Deadline) override {
    ++resolves;
    dns_config = config;
    return dns;
  }
  net::TcpConnectResult Connect(const net::IpAddress&, std::uint16_t,
                                io::Deadline deadline) override {
    net::TcpConnectResult r;
    const int n = connects++;
    if (tcp_hangs) {
      const auto start = std::chrono::steady_clock::now();
      std::this_thread::sleep_until(deadline.at());
      r.outcome = net::TcpOutcome::kTimeout;
      r.detail = "no answer before the deadline";
      r.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - start);
      return r;
    }
    r.outcome =
        n == 0 ? tcp : (static_cast<std::size_t>(n - 1) < latency.size() ? latency[n - 1] : tcp);
    r.elapsed = std::chrono::microseconds(1000 * (n + 1));
    return r;
  }
  Result<net::TlsReading> Handshake(net::UniqueFd, const net::TlsOptions& options,
                                    io::Deadline deadline) override {
    ++handshakes;
    tls_options = options;
    if (tls_hangs) {
      std::this_thread::sleep_until(deadline.at());
      net::TlsReading t;
      t.outcome = net::TlsOutcome::kTimeout;
      t.error = "timeout";
      t.bytes_received = tls_hang_bytes;
      if (tls_hang_bytes > 0) {
        t.error += " (the host had sent " + std::to_string(tls_hang_bytes) + " bytes)";
      }
      return t;
    }
    return tls;
  }
};

class NetworkProbeTest : public ::testing::Test {
 protected:
  NetworkProbeTest() {
    open_.network = fake_;
    tree_.Put("/etc/resolv.conf", "nameserver 10.77.0.1\n");
    tree_.Put("/etc/posdiag/ca.pem", std::string(net::testing::kTestCaPem));
  }
  ProbeRun Run(const std::string& extra = "") {
    return RunConfig(
        "[network]\npayment_host = \"pay.bank.test:8443\"\nca_file = "
        "\"/etc/posdiag/ca.pem\"\n" +
        extra);
  }
  ProbeRun RunConfig(std::string_view config) {
    return RunProbe(device_, tree_, config, clock_, open_);
  }
  FixtureTree tree_;
  FixedClock clock_{AtEpoch(kNow)};
  std::shared_ptr<FakeNetwork> fake_ = std::make_shared<FakeNetwork>();
  testing::FakeOpeners open_;
  NetworkDevice device_;
};

TEST_F(NetworkProbeTest, DeclaresItsSectionAndProbe) {
  const auto sections = device_.ConfigSections();
  ASSERT_EQ(sections.size(), 1u);
  EXPECT_EQ(sections[0].name, "network");
  auto probe = device_.MakeProbe();
  ASSERT_NE(probe, nullptr);
  EXPECT_EQ(probe->Name(), "network");
  EXPECT_EQ(probe->Levels(), kAllLevels);
  EXPECT_TRUE(probe->NeedsConfigSection());
}

TEST_F(NetworkProbeTest, DefaultsAreTheSchemas) {
  auto config = testing::DeviceConfig(device_, "[network]\n");
  ASSERT_TRUE(config.ok()) << config.error().detail;
  const ConfigSection& s = config->Section("network");
  EXPECT_FALSE(s.Has("payment_host"));
  EXPECT_TRUE(s.GetStringList("dns_servers").empty());
  EXPECT_TRUE(s.GetBool("tls"));
  EXPECT_EQ(s.GetInt("cert_warn_days"), 30);
  EXPECT_EQ(s.GetInt("latency_attempts"), 3);
  EXPECT_EQ(s.GetInt("dns_timeout_ms"), 2000);
  EXPECT_EQ(s.GetInt("connect_timeout_ms"), 3000);
  EXPECT_EQ(s.GetInt("tls_timeout_ms"), 3000);
  EXPECT_EQ(s.GetInt("timeout_ms"), 10000);
}

TEST_F(NetworkProbeTest, HealthyChainIsMeasuredToTheEnd) {
  const auto run = Run();
  ASSERT_TRUE(run.measured);
  ASSERT_TRUE(run.result.ok()) << run.result.error().detail;
  EXPECT_FALSE(run.Has("network.payment_host.valid"));
  EXPECT_EQ(run.Value("network.payment_host.name"), V(std::string("pay.bank.test")));
  EXPECT_EQ(run.Value("network.payment_host.port"), V(std::int64_t{8443}));
  EXPECT_EQ(run.Value("network.link.up_count"), V(std::int64_t{1}));
  EXPECT_EQ(run.Value("network.link.carrier"), V(true));
  EXPECT_EQ(run.Value("network.address.present"), V(true));
  EXPECT_EQ(run.Value("network.route.default"), V(true));
  EXPECT_EQ(run.Value("network.route.default_dev"), V(std::string("eth0")));
  EXPECT_EQ(run.Value("network.if.eth0.type"), V(std::string("ethernet")));
  EXPECT_EQ(run.Value("network.if.eth0.operstate"), V(std::string("up")));
  EXPECT_EQ(run.Value("network.if.eth0.ipv4"), V(std::string("10.77.0.2/24")));
  EXPECT_FALSE(run.Has("network.if.lo.type"));
  EXPECT_EQ(run.Value("network.dns.needed"), V(true));
  EXPECT_EQ(run.Value("network.dns.ok"), V(true));
  EXPECT_EQ(run.Value("network.dns.address"), V(std::string("10.77.0.1")));
  EXPECT_EQ(run.Value("network.dns.ms"), V(1.2));
  EXPECT_EQ(run.Value("network.tcp.result"), V(std::string("connected")));
  EXPECT_EQ(run.Value("network.tls.ok"), V(true));
  EXPECT_EQ(run.Value("network.tls.days_to_expiry"), V(std::int64_t{90}));
  EXPECT_EQ(run.Value("network.tls.expired"), V(false));
  EXPECT_EQ(run.Value("network.tls.not_yet_valid"), V(false));
  EXPECT_EQ(run.Value("network.tls.expiry_warn_days"), V(std::int64_t{30}));
  EXPECT_EQ(run.Value("network.latency.loss_pct"), V(0.0));
  EXPECT_EQ(run.Value("network.latency.median_ms"), V(3.0));  // attempts took 2, 3, 4 ms
  EXPECT_EQ(run.Value("network.latency.max_ms"), V(4.0));
  // resolv.conf and the CA file are the terminal's, under the root.
  EXPECT_EQ(fake_->dns_config.resolv_conf, tree_.At("/etc/resolv.conf"));
  EXPECT_EQ(fake_->tls_options.ca_file, tree_.At("/etc/posdiag/ca.pem"));
  EXPECT_EQ(fake_->tls_options.server_name, "pay.bank.test");
  EXPECT_EQ(fake_->connects, 4);
}

TEST_F(NetworkProbeTest, TlsOkReportsTheChain) {
  const auto run = Run();
  EXPECT_EQ(fake_->handshakes, 1);
  EXPECT_EQ(run.Value("network.tls.enabled"), V(true));
  EXPECT_EQ(run.Value("network.tls.handshake"), V(true));
  EXPECT_EQ(run.Value("network.tls.protocol"), V(std::string("TLSv1.3")));
  EXPECT_EQ(run.Value("network.tls.verify_result"), V(std::string("ok")));
  EXPECT_EQ(run.Value("network.tls.verify_code"), V(std::int64_t{0}));
  EXPECT_EQ(run.Value("network.tls.chain_trusted"), V(true));
  EXPECT_EQ(run.Value("network.tls.hostname_match"), V(true));
  EXPECT_EQ(run.Value("network.tls.not_after_epoch_s"), V(kNow + 90 * 86400 + 3600));
  EXPECT_EQ(run.Unit("network.tls.ms"), "ms");
  EXPECT_FALSE(run.Has("network.tls.error"));
}

// Behind a broken link the later steps are still tried and measured as they are; the catalogue
// makes the link the root cause and hides what follows from it.
TEST_F(NetworkProbeTest, NoCarrierIsMeasuredAndTheLaterStepsStillTried) {
  auto s = FakeNetwork::Healthy();
  s.links[1].flags = IFF_UP;
  s.links[1].carrier = false;
  s.links[1].operstate = IF_OPER_LOWERLAYERDOWN;
  fake_->interfaces = s;
  const auto run = Run();
  EXPECT_EQ(run.Value("network.link.carrier"), V(false));
  EXPECT_EQ(run.Value("network.link.up_count"), V(std::int64_t{0}));
  EXPECT_EQ(fake_->resolves, 1);
  EXPECT_TRUE(run.Has("network.dns.ok"));
  EXPECT_TRUE(run.Has("network.tcp.result"));
}

TEST_F(NetworkProbeTest, NoAddressAndNoRoute) {
  auto s = FakeNetwork::Healthy();
  s.addrs.erase(s.addrs.begin());  // only the link-local one is left
  s.routes.clear();
  fake_->interfaces = s;
  auto run = Run();
  EXPECT_EQ(run.Value("network.address.present"), V(false));
  EXPECT_EQ(run.Value("network.route.default"), V(false));

  s = FakeNetwork::Healthy();
  s.routes.clear();
  fake_->interfaces = s;
  run = Run();
  EXPECT_EQ(run.Value("network.route.default"), V(false));
  // A host on the terminal's own subnet needs no default route: the connect decides.
  EXPECT_TRUE(run.Has("network.tcp.ok"));
}

TEST_F(NetworkProbeTest, InterfacesUnreadableStillTriesTheHost) {
  fake_->interfaces = Error{ErrorKind::kPermission, "netlink socket: permission denied"};
  const auto run = Run();
  EXPECT_EQ(run.Why("network.link.carrier"), "netlink socket: permission denied");
  EXPECT_EQ(run.Value("network.tcp.ok"), V(true));
}

TEST_F(NetworkProbeTest, DnsFailureStopsBeforeTcp) {
  fake_->dns = net::DnsResult{};
  fake_->dns.error = "nxdomain";
  const auto run = Run();
  EXPECT_EQ(run.Value("network.dns.ok"), V(false));
  EXPECT_EQ(run.Value("network.dns.error"), V(std::string("nxdomain")));
  EXPECT_EQ(run.Why("network.tcp.ok"), "not tried: the name did not resolve");
  EXPECT_EQ(fake_->connects, 0);
}

TEST_F(NetworkProbeTest, NoNameserverIsNoServers) {
  tree_.Put("/etc/resolv.conf", "search bank.test\n");
  const auto run = Run();
  EXPECT_EQ(run.Value("network.dns.error"), V(std::string("no_servers")));
  EXPECT_EQ(fake_->resolves, 0);
  tree_.Remove("/etc/resolv.conf");
  EXPECT_EQ(Run().Value("network.dns.error"), V(std::string("no_servers")));
}

TEST_F(NetworkProbeTest, ConfiguredServersReplaceResolvConf) {
  tree_.Remove("/etc/resolv.conf");
  const auto run = Run("dns_servers = [\"10.0.0.53:5353\"]\n");
  EXPECT_EQ(run.Value("network.dns.ok"), V(true));
  ASSERT_EQ(fake_->dns_config.servers.size(), 1u);
  EXPECT_EQ(fake_->dns_config.servers[0], "10.0.0.53:5353");
}

TEST_F(NetworkProbeTest, LiteralSkipsDns) {
  const auto run = RunConfig("[network]\npayment_host = \"10.77.0.1:8443\"\n");
  EXPECT_EQ(run.Value("network.dns.needed"), V(false));
  EXPECT_FALSE(run.Has("network.dns.ok"));
  EXPECT_EQ(fake_->resolves, 0);
  EXPECT_EQ(run.Value("network.tcp.ok"), V(true));
  EXPECT_EQ(fake_->tls_options.server_name, "");  // no SNI for an address
}

TEST_F(NetworkProbeTest, ServerNameReplacesTheHostsForSni) {
  Run("server_name = \"front.bank.test\"\n");
  EXPECT_EQ(fake_->tls_options.server_name, "front.bank.test");
  EXPECT_EQ(fake_->tls_options.identity, "front.bank.test");
}

TEST_F(NetworkProbeTest, WithoutCaFileTheSystemBundle) {
  tree_.Put("/etc/ssl/certs/ca-certificates.crt", std::string(net::testing::kTestCaPem));
  RunConfig("[network]\npayment_host = \"pay.bank.test:8443\"\n");
  EXPECT_EQ(fake_->tls_options.ca_file, tree_.At("/etc/ssl/certs/ca-certificates.crt"));
}

// Wrong values never reach the probe: the schema refuses them, with where and why.
TEST_F(NetworkProbeTest, WrongValuesAreConfigErrors) {
  for (const char* text :
       {"[network]\npayment_host = \"pay.bank.test\"\n",
        "[network]\npayment_host = \"pay.bank.test:0x20\"\n",
        "[network]\npayment_host = \"2001:db8::1:443\"\n", "[network]\npayment_host = \"\"\n",
        "[network]\ndns_servers = [\"dns.bank.test\"]\n",
        "[network]\ndns_servers = [\"10.0.0.53\", \"10.0.0.x\"]\n",
        "[network]\ndns_servers = \"10.0.0.53\"\n", "[network]\nca_file = \"ca.pem\"\n",
        "[network]\ntls = \"yes\"\n", "[network]\ncert_warn_days = -1\n",
        "[network]\nlatency_attempts = 21\n", "[network]\ndns_timeout_ms = 0\n",
        "[network]\nconnect_timeout_ms = 60001\n", "[network]\ntls_timeout_ms = 0\n",
        "[network]\nhost = \"pay.bank.test:443\"\n"}) {
    auto config = testing::DeviceConfig(device_, text);
    ASSERT_FALSE(config.ok()) << text;
    EXPECT_NE(config.error().detail.find("test.toml:"), std::string::npos) << config.error().detail;
    EXPECT_NE(config.error().detail.find("[network] "), std::string::npos) << config.error().detail;
  }
  auto no_port = testing::DeviceConfig(device_, "[network]\npayment_host = \"pay.bank.test\"\n");
  ASSERT_FALSE(no_port.ok());
  EXPECT_NE(no_port.error().detail.find("port"), std::string::npos) << no_port.error().detail;
}

TEST_F(NetworkProbeTest, ServerAddressesWithAndWithoutPortsAreAccepted) {
  auto config =
      testing::DeviceConfig(device_,
                            "[network]\npayment_host = \"[2001:db8::1]:443\"\n"
                            "dns_servers = [\"10.0.0.53\", \"10.0.0.53:5353\", \"2001:db8::53\", "
                            "\"[2001:db8::53]:53\"]\n");
  ASSERT_TRUE(config.ok()) << config.error().detail;
  EXPECT_EQ(config->Section("network").GetStringList("dns_servers").size(), 4u);
}

TEST_F(NetworkProbeTest, RefusedStopsBeforeTls) {
  fake_->tcp = net::TcpOutcome::kRefused;
  const auto run = Run();
  EXPECT_EQ(run.Value("network.tcp.ok"), V(false));
  EXPECT_EQ(run.Value("network.tcp.result"), V(std::string("refused")));
  EXPECT_EQ(run.Why("network.tls.ok"), "not tried: TCP connect refused");
  EXPECT_EQ(run.Why("network.latency.loss_pct"), "not tried: TCP connect refused");
  EXPECT_EQ(fake_->handshakes, 0);
}

TEST_F(NetworkProbeTest, ExpiredAndWrongHostCertificate) {
  auto t = FakeNetwork::GoodTls();
  t.not_after_epoch_s = kNow - 3600;
  t.verify_code = 10;
  t.verify_result = "certificate has expired";
  t.hostname_match = false;
  fake_->tls = t;
  const auto run = Run("cert_warn_days = 14\n");
  EXPECT_EQ(run.Value("network.tls.ok"), V(false));
  EXPECT_EQ(run.Value("network.tls.expired"), V(true));
  EXPECT_EQ(run.Value("network.tls.days_to_expiry"), V(std::int64_t{-1}));
  EXPECT_EQ(run.Value("network.tls.hostname_match"), V(false));
  EXPECT_EQ(run.Value("network.tls.verify_code"), V(std::int64_t{10}));
  EXPECT_EQ(run.Value("network.tls.expiry_warn_days"), V(std::int64_t{14}));
}

TEST_F(NetworkProbeTest, FailedHandshakeLeavesCertificateFactsMissing) {
  net::TlsReading t;
  t.error = "timeout";
  fake_->tls = t;
  const auto run = Run();
  EXPECT_EQ(run.Value("network.tls.handshake"), V(false));
  EXPECT_EQ(run.Value("network.tls.ok"), V(false));
  EXPECT_EQ(run.Why("network.tls.expired"), "handshake failed: timeout");
}

TEST_F(NetworkProbeTest, TlsOffSkipsTheHandshake) {
  const auto run = Run("tls = false\n");
  EXPECT_EQ(run.Value("network.tls.enabled"), V(false));
  EXPECT_EQ(run.Why("network.tls.ok"), "not tried: [network] tls = false");
  EXPECT_EQ(fake_->handshakes, 0);
  EXPECT_TRUE(run.Has("network.latency.median_ms"));
}

TEST_F(NetworkProbeTest, LatencyLoss) {
  fake_->latency = {net::TcpOutcome::kTimeout, net::TcpOutcome::kConnected,
                    net::TcpOutcome::kTimeout, net::TcpOutcome::kConnected};
  const auto run = Run("latency_attempts = 4\n");
  EXPECT_EQ(run.Value("network.latency.loss_pct"), V(50.0));
  EXPECT_EQ(run.Value("network.latency.median_ms"), V(4.0));  // 3 and 5 ms connected
}

TEST_F(NetworkProbeTest, WifiSignalAndType) {
  auto s = FakeNetwork::Healthy();
  s.links[1].name = "wlan0";
  fake_->interfaces = s;
  tree_.Put("/proc/net/wireless",
            "Inter-| sta-|   Quality        |   Discarded packets               | Missed | WE\n"
            " face | tus | link level noise |  nwid  crypt   frag  retry   misc | beacon | 22\n"
            " wlan0: 0000   25.  -85.  -256        0      0      0      0      0        0\n");
  const auto run = Run();
  EXPECT_EQ(run.Value("network.if.wlan0.type"), V(std::string("wifi")));
  EXPECT_EQ(run.Value("network.wifi.signal_dbm"), V(std::int64_t{-85}));
  EXPECT_EQ(run.Unit("network.wifi.signal_dbm"), "dBm");
  EXPECT_EQ(run.Value("network.wifi.wlan0.link_quality"), V(25.0));
}

TEST_F(NetworkProbeTest, InterfaceKinds) {
  auto s = FakeNetwork::Healthy();
  s.links.push_back({3, "wwan0", ARPHRD_NONE, IFF_UP, IF_OPER_DOWN, false});
  s.links.push_back({4, "wlp2s0", ARPHRD_ETHER, 0, IF_OPER_DOWN, false});
  s.links.push_back({5, "tun0", ARPHRD_TUNNEL, 0, IF_OPER_DOWN, false});
  fake_->interfaces = s;
  tree_.MakeDir("/sys/class/net/wlp2s0/wireless");
  const auto run = Run();
  EXPECT_EQ(run.Value("network.if.wwan0.type"), V(std::string("cellular")));
  EXPECT_EQ(run.Value("network.if.wlp2s0.type"), V(std::string("wifi")));
  EXPECT_EQ(run.Value("network.if.tun0.type"), V(std::string("other")));
  EXPECT_EQ(run.Value("network.if.wlp2s0.up"), V(false));
}

TEST_F(NetworkProbeTest, WithoutPaymentHostOnlyTheLinkIsMeasured) {
  const auto run = RunConfig("[network]\n");
  EXPECT_EQ(run.Value("network.link.carrier"), V(true));
  EXPECT_EQ(run.Why("network.tcp.ok"), "[network] names no payment_host");
}

// --- deadlines ------------------------------------------------------------------------------

// A black-holed host under a tight deadline: the connect is cut by the probe's own end, which
// keeps a reserve, so the probe answers in time with the connect timed out and what came before.
TEST_F(NetworkProbeTest, DeadlineCutsTheConnectAndLeavesAnAnswer) {
  fake_->tcp_hangs = true;
  const auto run = RunProbe(device_, tree_,
                            "[network]\npayment_host = \"10.77.0.1:8443\"\n"
                            "connect_timeout_ms = 5000\n",
                            clock_, open_, {Level::kBoot, std::chrono::milliseconds(400)});
  ASSERT_TRUE(run.result.ok()) << run.result.error().detail;
  EXPECT_LT(run.took, std::chrono::milliseconds(400));
  EXPECT_GE(run.took, std::chrono::milliseconds(300));
  EXPECT_EQ(run.Value("network.tcp.result"), V(std::string("timeout")));
  EXPECT_EQ(run.Value("network.deadline.cut_step"), V(std::string("tcp")));
  const auto& detail = std::get<std::string>(run.Value("network.tcp.detail"));
  EXPECT_NE(detail.find("cut off after"), std::string::npos) << detail;
  EXPECT_EQ(run.Value("network.route.interface"), V(std::string("eth0")));
  EXPECT_EQ(run.Why("network.tls.handshake"), "not tried: TCP connect timeout");
  EXPECT_EQ(fake_->connects, 1);
}

TEST_F(NetworkProbeTest, DeadlineCutsAHangingHandshake) {
  fake_->tls_hangs = true;
  const auto run = RunProbe(device_, tree_,
                            "[network]\npayment_host = \"pay.bank.test:8443\"\n"
                            "ca_file = \"/etc/posdiag/ca.pem\"\ntls_timeout_ms = 5000\n",
                            clock_, open_, {Level::kBoot, std::chrono::milliseconds(400)});
  ASSERT_TRUE(run.result.ok()) << run.result.error().detail;
  EXPECT_LT(run.took, std::chrono::milliseconds(400));
  EXPECT_EQ(run.Value("network.tls.handshake"), V(false));
  EXPECT_EQ(run.Value("network.tls.outcome"), V(std::string("timeout")));
  EXPECT_EQ(run.Value("network.deadline.cut_step"), V(std::string("tls")));
  EXPECT_EQ(run.Value("network.tcp.result"), V(std::string("connected")));
  // No time was left for latency: not tried, not "lost"; the cut handshake is the finding, so
  // the check is not incomplete for it.
  EXPECT_FALSE(run.Has("network.latency.loss_pct"));
  EXPECT_TRUE(run.incomplete.empty());
  EXPECT_EQ(fake_->connects, 1);
}

// A host trickling its answer is cut like one that never answers; what it had sent is kept.
TEST_F(NetworkProbeTest, DeadlineCutsATrickledHandshakeAndKeepsWhatCame) {
  fake_->tls_hangs = true;
  fake_->tls_hang_bytes = 2;
  const auto run = RunProbe(device_, tree_,
                            "[network]\npayment_host = \"pay.bank.test:8443\"\n"
                            "ca_file = \"/etc/posdiag/ca.pem\"\ntls_timeout_ms = 5000\n",
                            clock_, open_, {Level::kBoot, std::chrono::milliseconds(400)});
  ASSERT_TRUE(run.result.ok()) << run.result.error().detail;
  EXPECT_EQ(run.Value("network.tls.outcome"), V(std::string("timeout")));
  EXPECT_EQ(run.Value("network.deadline.cut_step"), V(std::string("tls")));
  EXPECT_EQ(run.Value("network.tls.bytes_received"), V(std::int64_t{2}));
  const auto& error = std::get<std::string>(run.Value("network.tls.error"));
  EXPECT_EQ(error.rfind("timeout (the host had sent 2 bytes): cut off after ", 0), 0u) << error;
}

// A step's own timeout inside the probe's deadline is no cut: a timeout is the host's.
TEST_F(NetworkProbeTest, OwnTimeoutIsNotACut) {
  fake_->tcp_hangs = true;
  const auto run = RunProbe(device_, tree_,
                            "[network]\npayment_host = \"10.77.0.1:8443\"\n"
                            "connect_timeout_ms = 100\n",
                            clock_, open_, {Level::kBoot, std::chrono::milliseconds(2000)});
  EXPECT_EQ(run.Value("network.tcp.result"), V(std::string("timeout")));
  EXPECT_FALSE(run.Has("network.deadline.cut_step"));
  EXPECT_LT(run.took, std::chrono::milliseconds(1000));
}

// With no time left a step is not tried rather than failed: no false DNS fault, and the steps
// after it say why they were not tried. But the check is incomplete, never all clear.
TEST_F(NetworkProbeTest, NoTimeLeftIsNotTriedNotFailed) {
  const auto run = RunProbe(device_, tree_, "[network]\npayment_host = \"pay.bank.test:8443\"\n",
                            clock_, open_, {Level::kBoot, std::chrono::milliseconds(40)});
  ASSERT_TRUE(run.result.ok());
  EXPECT_FALSE(run.Has("network.dns.ok"));
  EXPECT_NE(run.Why("network.dns.ok").find("left no time"), std::string::npos);
  EXPECT_NE(run.Why("network.tcp.ok").find("left no time"), std::string::npos);
  EXPECT_NE(run.Why("network.tls.ok").find("left no time"), std::string::npos);
  EXPECT_EQ(run.Why("network.tcp.ok").find("did not resolve"), std::string::npos);
  ASSERT_EQ(run.incomplete.size(), 1u);
  EXPECT_NE(run.incomplete[0].find("dns: not tried"), std::string::npos) << run.incomplete[0];
  EXPECT_EQ(fake_->resolves, 0);
  EXPECT_EQ(fake_->connects, 0);
}

// Every step tried: nothing is incomplete. A step cut off by the deadline is the finding, and
// the steps it leaves no time for do not make the check incomplete.
TEST_F(NetworkProbeTest, OnlyAStepNotTriedForLackOfTimeIsIncomplete) {
  EXPECT_TRUE(Run().incomplete.empty());
  fake_->dns = net::DnsResult{};
  fake_->dns.error = "nxdomain";
  EXPECT_TRUE(Run().incomplete.empty());  // not tried because the name did not resolve
}

// --- resolving as the terminal does -----------------------------------------------------------

TEST_F(NetworkProbeTest, HostsFileAnswersFirstWithoutNsswitch) {
  tree_.Put("/etc/hosts", "127.0.0.1 localhost\n10.77.0.9\tpay.bank.test pay # pinned\n");
  fake_->dns = net::DnsResult{};
  fake_->dns.error = "timeout";  // DNS is down: the pin still answers
  const auto run = Run();
  EXPECT_EQ(run.Value("network.dns.ok"), V(true));
  EXPECT_EQ(run.Value("network.dns.source"), V(std::string("files")));
  EXPECT_EQ(run.Value("network.dns.address"), V(std::string("10.77.0.9")));
  EXPECT_EQ(run.Value("network.dns.order"), V(std::string("files dns")));
  EXPECT_EQ(run.Value("network.dns.error"), V(std::string("none")));
  EXPECT_EQ(fake_->resolves, 0);
  EXPECT_EQ(run.Value("network.tcp.ok"), V(true));
}

TEST_F(NetworkProbeTest, WithoutThePinDnsIsAsked) {
  tree_.Put("/etc/hosts", "127.0.0.1 localhost\n");
  fake_->dns = net::DnsResult{};
  fake_->dns.error = "timeout";
  const auto run = Run();
  EXPECT_EQ(run.Value("network.dns.ok"), V(false));
  EXPECT_EQ(run.Value("network.dns.error"), V(std::string("timeout")));
  EXPECT_EQ(fake_->resolves, 1);
}

TEST_F(NetworkProbeTest, NsswitchOrderDnsFirst) {
  tree_.Put("/etc/nsswitch.conf", "passwd: files\nhosts: dns files\n");
  tree_.Put("/etc/hosts", "10.77.0.9 pay.bank.test\n");
  auto run = Run();
  EXPECT_EQ(run.Value("network.dns.source"), V(std::string("dns")));
  EXPECT_EQ(run.Value("network.dns.address"), V(std::string("10.77.0.1")));
  EXPECT_EQ(run.Value("network.dns.order"), V(std::string("dns files")));

  fake_->dns = net::DnsResult{};
  fake_->dns.error = "nxdomain";  // NOTFOUND continues to files
  run = Run();
  EXPECT_EQ(run.Value("network.dns.source"), V(std::string("files")));
  EXPECT_EQ(run.Value("network.dns.address"), V(std::string("10.77.0.9")));
}

TEST_F(NetworkProbeTest, NsswitchActionsStopTheLookup) {
  tree_.Put("/etc/nsswitch.conf", "hosts: dns [!UNAVAIL=return] files\n");
  tree_.Put("/etc/hosts", "10.77.0.9 pay.bank.test\n");
  fake_->dns = net::DnsResult{};
  fake_->dns.error = "servfail";  // TRYAGAIN: not UNAVAIL, so the lookup ends here
  auto run = Run();
  EXPECT_EQ(run.Value("network.dns.ok"), V(false));
  EXPECT_EQ(run.Value("network.dns.error"), V(std::string("servfail")));

  fake_->dns.error = "unreachable";  // UNAVAIL: on to the hosts file
  run = Run();
  EXPECT_EQ(run.Value("network.dns.source"), V(std::string("files")));
}

TEST_F(NetworkProbeTest, FilesOnlyAndNotPinned) {
  tree_.Put("/etc/nsswitch.conf", "hosts: files\n");
  tree_.Put("/etc/hosts", "127.0.0.1 localhost\n");
  const auto run = Run();
  EXPECT_EQ(run.Value("network.dns.ok"), V(false));
  EXPECT_EQ(run.Value("network.dns.error"), V(std::string("not_in_hosts")));
  EXPECT_EQ(fake_->resolves, 0);
}

TEST_F(NetworkProbeTest, NsswitchWithoutAnySourceWeFollow) {
  tree_.Put("/etc/nsswitch.conf", "hosts: ldap\n");
  const auto run = Run();
  EXPECT_EQ(run.Value("network.dns.error"), V(std::string("no_sources")));
}

// The reply's own code is reported, and the server that gave it.
TEST_F(NetworkProbeTest, DnsReplyCodesPassThrough) {
  for (const char* error : {"servfail", "refused", "nxdomain", "timeout", "unreachable"}) {
    fake_->dns = net::DnsResult{};
    fake_->dns.error = error;
    fake_->dns.server = "10.77.0.1:53";
    const auto run = Run();
    EXPECT_EQ(run.Value("network.dns.error"), V(std::string(error)));
    EXPECT_EQ(run.Value("network.dns.server"), V(std::string("10.77.0.1:53")));
  }
}

// --- following the route ----------------------------------------------------------------------

// A mobile terminal: eth0 down and without routes, ppp0 carries the default route.
TEST_F(NetworkProbeTest, CellularRouteIsJudgedNotTheDeadEthernet) {
  net::NetlinkSnapshot s;
  s.links.push_back(
      {1, "lo", ARPHRD_LOOPBACK, IFF_UP | IFF_LOOPBACK | IFF_LOWER_UP, IF_OPER_UNKNOWN, true});
  s.links.push_back({2, "eth0", ARPHRD_ETHER, 0, IF_OPER_DOWN, false});
  s.links.push_back({3, "ppp0", ARPHRD_PPP, IFF_UP | IFF_LOWER_UP, IF_OPER_UNKNOWN, true});
  s.addrs.push_back({3, AF_INET, 32, RT_SCOPE_UNIVERSE, "100.64.1.7"});
  s.routes.push_back(FakeNetwork::Route(0, "", 3, ""));
  fake_->interfaces = s;
  const auto run = Run();
  EXPECT_EQ(run.Value("network.route.interface"), V(std::string("ppp0")));
  EXPECT_EQ(run.Value("network.link.basis"), V(std::string("route_to_host")));
  EXPECT_EQ(run.Value("network.link.carrier"), V(true));
  EXPECT_EQ(run.Value("network.address.present"), V(true));
  EXPECT_EQ(run.Value("network.if.ppp0.type"), V(std::string("cellular")));
  EXPECT_EQ(run.Value("network.if.eth0.carrier"), V(false));
  EXPECT_FALSE(run.Has("network.route.gateway"));
}

// A VPN carries the payment host's network while eth0 keeps the default route.
TEST_F(NetworkProbeTest, VpnRouteToTheHost) {
  auto s = FakeNetwork::Healthy();
  s.links.push_back({5, "tun0", ARPHRD_NONE, IFF_UP | IFF_LOWER_UP, IF_OPER_UNKNOWN, true});
  s.addrs.push_back({5, AF_INET, 32, RT_SCOPE_UNIVERSE, "172.16.0.2"});
  s.routes.push_back(FakeNetwork::Route(24, "10.77.0.0", 5, "172.16.0.1"));
  fake_->interfaces = s;
  const auto run = Run();
  EXPECT_EQ(run.Value("network.route.interface"), V(std::string("tun0")));
  EXPECT_EQ(run.Value("network.route.gateway"), V(std::string("172.16.0.1")));
  EXPECT_EQ(run.Value("network.route.default_dev"), V(std::string("eth0")));
}

// The route to the host goes through eth0, which has lost its carrier: that is link_down, even
// though another interface is up.
TEST_F(NetworkProbeTest, TheRoutesInterfaceDecidesTheLink) {
  auto s = FakeNetwork::Healthy();
  s.links[1].flags = IFF_UP;
  s.links[1].carrier = false;
  s.links.push_back({3, "wlan0", ARPHRD_ETHER, IFF_UP | IFF_LOWER_UP, IF_OPER_UP, true});
  fake_->interfaces = s;
  const auto run = Run();
  EXPECT_EQ(run.Value("network.route.interface"), V(std::string("eth0")));
  EXPECT_EQ(run.Value("network.link.carrier"), V(false));
}

TEST_F(NetworkProbeTest, KernelRouteAnswerIsUsed) {
  auto s = FakeNetwork::Healthy();
  s.links.push_back({7, "wwan0", ARPHRD_NONE, IFF_UP | IFF_LOWER_UP, IF_OPER_UNKNOWN, true});
  fake_->interfaces = s;
  auto r = FakeNetwork::Route(32, "10.77.0.1", 7, "");
  r.prefsrc = "100.64.0.9";
  fake_->route = r;  // policy routing the main table does not show
  auto run = Run();
  EXPECT_EQ(run.Value("network.route.interface"), V(std::string("wwan0")));
  EXPECT_EQ(run.Value("network.route.source"), V(std::string("100.64.0.9")));

  fake_->route = Error{ErrorKind::kNotFound, "no route: Network is unreachable"};
  run = Run();
  EXPECT_EQ(run.Value("network.route.to_host"), V(false));
  EXPECT_EQ(run.Value("network.link.basis"), V(std::string("default_route")));
}

TEST_F(NetworkProbeTest, WithoutTheHostsAddressTheDefaultRouteIsJudged) {
  fake_->dns = net::DnsResult{};
  fake_->dns.error = "timeout";
  const auto run = Run();
  EXPECT_EQ(run.Value("network.link.basis"), V(std::string("default_route")));
  EXPECT_EQ(fake_->routes, 0);
  EXPECT_EQ(run.Why("network.route.to_host"), "not known: the name did not resolve");
}

// --- the certificate's name -------------------------------------------------------------------

TEST_F(NetworkProbeTest, AddressWithServerNameChecksTheName) {
  const auto run =
      RunConfig("[network]\npayment_host = \"10.77.0.1:8443\"\nserver_name = \"pay.bank.test\"\n");
  EXPECT_EQ(fake_->tls_options.identity, "pay.bank.test");
  EXPECT_EQ(fake_->tls_options.server_name, "pay.bank.test");
  EXPECT_EQ(run.Value("network.tls.identity"), V(std::string("pay.bank.test")));
  EXPECT_EQ(run.Value("network.tls.sni"), V(std::string("pay.bank.test")));
}

TEST_F(NetworkProbeTest, AddressWithoutServerNameChecksTheIpSan) {
  const auto run = RunConfig("[network]\npayment_host = \"10.77.0.1:8443\"\n");
  EXPECT_EQ(fake_->tls_options.identity, "10.77.0.1");
  EXPECT_EQ(run.Value("network.tls.identity"), V(std::string("10.77.0.1")));
  EXPECT_EQ(run.Why("network.tls.sni"), "none sent");
}

TEST_F(NetworkProbeTest, EmptyServerNameSendsNoSniButChecksTheHost) {
  Run("server_name = \"\"\n");
  EXPECT_EQ(fake_->tls_options.server_name, "");
  EXPECT_EQ(fake_->tls_options.identity, "pay.bank.test");
}

// --- the CA bundle ----------------------------------------------------------------------------

TEST_F(NetworkProbeTest, MissingCaFileIsItsOwnFact) {
  tree_.Remove("/etc/posdiag/ca.pem");
  const auto run = Run();
  EXPECT_EQ(run.Value("network.tls.ca_file.readable"), V(false));
  EXPECT_EQ(run.Value("network.tls.ca_file.error"), V(std::string("not_found")));
  // The handshake still runs and reports what does not depend on the trust anchors.
  EXPECT_EQ(fake_->handshakes, 1);
  EXPECT_TRUE(fake_->tls_options.ca_file.empty());
  EXPECT_EQ(run.Value("network.tls.hostname_match"), V(true));
  EXPECT_NE(run.Why("network.tls.chain_trusted").find("ca_file cannot be read"), std::string::npos);
}

TEST_F(NetworkProbeTest, CaFileThatIsNotPem) {
  tree_.Put("/etc/posdiag/ca.pem", "not a certificate\n");
  const auto run = Run();
  EXPECT_EQ(run.Value("network.tls.ca_file.readable"), V(false));
  EXPECT_EQ(run.Value("network.tls.ca_file.error"), V(std::string("not_pem")));
}

TEST_F(NetworkProbeTest, CaFileCertificatesAreCounted) {
  const auto run = Run();
  EXPECT_EQ(run.Value("network.tls.ca_file.readable"), V(true));
  EXPECT_EQ(run.Value("network.tls.ca_file.certificates"), V(std::int64_t{1}));
}

// Without the TLS companion (not installed, killed) the certificates and the handshake are not
// checked, and say why: nothing about them is judged either way.
TEST_F(NetworkProbeTest, WithoutTheTlsCompanionTheTlsFactsAreNotCheckedNotJudged) {
  const Error gone{ErrorKind::kNotFound, "posdiag-tls: not found beside the binary"};
  fake_->certificates = Result<std::vector<net::CertificateInfo>>(gone);
  fake_->tls = Result<net::TlsReading>(gone);
  const auto run = Run();
  EXPECT_FALSE(run.Has("network.tls.ca_file.readable"));
  EXPECT_NE(run.Why("network.tls.ca_file.readable").find("not checked: posdiag-tls"),
            std::string::npos)
      << run.Why("network.tls.ca_file.readable");
  EXPECT_EQ(fake_->handshakes, 1);
  EXPECT_FALSE(fake_->tls_options.ca_file.empty());  // the handshake would still load it
  for (const char* fact : {"network.tls.ok", "network.tls.handshake", "network.tls.expired"}) {
    EXPECT_FALSE(run.Has(fact)) << fact;
    EXPECT_NE(run.Why(fact).find("posdiag-tls"), std::string::npos) << fact;
  }
  EXPECT_EQ(run.Value("network.tcp.ok"), V(true));
}

// --- mutual TLS -------------------------------------------------------------------------------

class ClientCertTest : public NetworkProbeTest {
 protected:
  ClientCertTest() {
    tree_.Put("/etc/posdiag/terminal.pem", std::string(net::testing::kTestClientPem));
    tree_.Put("/etc/posdiag/terminal.key", "(a key: the probe never reads it)\n");
  }
  ProbeRun RunMtls(const std::string& extra = "") {
    return Run(
        "client_cert = \"/etc/posdiag/terminal.pem\"\nclient_key = "
        "\"/etc/posdiag/terminal.key\"\n" +
        extra);
  }
};

TEST_F(ClientCertTest, CertificateAndKeyGoToTheHandshake) {
  const auto run = RunMtls();
  EXPECT_EQ(fake_->tls_options.client_cert, tree_.At("/etc/posdiag/terminal.pem"));
  EXPECT_EQ(fake_->tls_options.client_key, tree_.At("/etc/posdiag/terminal.key"));
  EXPECT_EQ(run.Value("network.tls.client_cert.configured"), V(true));
  EXPECT_EQ(run.Value("network.tls.client_cert.usable"), V(true));
  EXPECT_EQ(run.Value("network.tls.client_cert.subject"), V(std::string("terminal-00042")));
  EXPECT_EQ(run.Value("network.tls.client_cert.not_after_epoch_s"),
            V(net::testing::kTestClientNotAfter));
  EXPECT_EQ(run.Value("network.tls.client_cert.days_to_expiry"), V(std::int64_t{199}));
  EXPECT_EQ(run.Value("network.tls.client_cert.expired"), V(false));
  EXPECT_EQ(run.Value("network.tls.client_cert.not_yet_valid"), V(false));
  // Nothing of the key is a fact.
  for (const auto& [name, fact] : run.facts.facts()) {
    if (const auto* text = std::get_if<std::string>(&fact.value)) {
      EXPECT_EQ(text->find("never reads"), std::string::npos) << name;
    }
  }
}

TEST_F(ClientCertTest, ExpiredAndNotYetValid) {
  FixedClock late(AtEpoch(net::testing::kTestClientNotAfter + 3600));
  auto run = RunProbe(device_, tree_,
                      "[network]\npayment_host = \"pay.bank.test:8443\"\n"
                      "client_cert = \"/etc/posdiag/terminal.pem\"\n"
                      "client_key = \"/etc/posdiag/terminal.key\"\n",
                      late, open_);
  EXPECT_EQ(run.Value("network.tls.client_cert.expired"), V(true));
  EXPECT_EQ(run.Value("network.tls.client_cert.days_to_expiry"), V(std::int64_t{-1}));
  FixedClock early(AtEpoch(net::testing::kTestClientNotBefore - 86400));
  run = RunProbe(device_, tree_,
                 "[network]\npayment_host = \"pay.bank.test:8443\"\n"
                 "client_cert = \"/etc/posdiag/terminal.pem\"\n"
                 "client_key = \"/etc/posdiag/terminal.key\"\n",
                 early, open_);
  EXPECT_EQ(run.Value("network.tls.client_cert.not_yet_valid"), V(true));
}

// The certificate's dates are the terminal's own state: read even when the host is unreachable.
TEST_F(ClientCertTest, DatesAreReadWithoutTheNetwork) {
  fake_->dns = net::DnsResult{};
  fake_->dns.error = "timeout";
  const auto run = RunMtls();
  EXPECT_EQ(run.Value("network.tls.client_cert.days_to_expiry"), V(std::int64_t{199}));
  EXPECT_EQ(fake_->handshakes, 0);
}

TEST_F(ClientCertTest, MissingKeyOrCertificate) {
  tree_.Remove("/etc/posdiag/terminal.key");
  auto run = RunMtls();
  EXPECT_EQ(run.Value("network.tls.client_cert.usable"), V(false));
  EXPECT_EQ(run.Value("network.tls.client_cert.error"), V(std::string("key_not_found")));
  EXPECT_TRUE(fake_->tls_options.client_cert.empty());

  tree_.Remove("/etc/posdiag/terminal.pem");
  run = RunMtls();
  EXPECT_EQ(run.Value("network.tls.client_cert.error"), V(std::string("not_found")));
}

TEST_F(ClientCertTest, KeyTheDriverCannotUse) {
  auto t = FakeNetwork::GoodTls();
  t.client_cert_error = "key_mismatch";
  fake_->tls = t;
  const auto run = RunMtls();
  EXPECT_EQ(run.Value("network.tls.client_cert.usable"), V(false));
  EXPECT_EQ(run.Value("network.tls.client_cert.error"), V(std::string("key_mismatch")));
}

// TLS 1.3: the handshake completed, then the host said it wants a certificate.
TEST_F(NetworkProbeTest, HostRequiresAClientCertificate) {
  auto t = FakeNetwork::GoodTls();
  t.handshake_ok = false;
  t.outcome = net::TlsOutcome::kClientCertRequired;
  t.client_cert_requested = true;
  t.alert = 116;
  t.error = "the host sent the alert certificate_required after the handshake";
  fake_->tls = t;
  const auto run = Run();
  EXPECT_EQ(run.Value("network.tls.handshake"), V(false));
  EXPECT_EQ(run.Value("network.tls.outcome"), V(std::string("client_cert_required")));
  EXPECT_EQ(run.Value("network.tls.alert"), V(std::string("certificate_required")));
  EXPECT_EQ(run.Value("network.tls.client_cert_requested"), V(true));
  EXPECT_EQ(run.Value("network.tls.client_cert_sent"), V(false));
  EXPECT_EQ(run.Value("network.tls.client_cert.configured"), V(false));
  // The host's certificate was seen before the refusal: its facts are measured.
  EXPECT_EQ(run.Value("network.tls.chain_trusted"), V(true));
}

// How the connection under the handshake ended reaches the facts as the driver decoded it.
TEST_F(NetworkProbeTest, AResetAndAnAnswerThatIsNotTlsAreTheirOwnOutcomes) {
  net::TlsReading t;
  t.outcome = net::TlsOutcome::kReset;
  t.error = "the connection was reset (a TCP RST) during the handshake, before the host answered";
  fake_->tls = t;
  auto run = Run();
  EXPECT_EQ(run.Value("network.tls.handshake"), V(false));
  EXPECT_EQ(run.Value("network.tls.outcome"), V(std::string("reset")));
  EXPECT_EQ(run.Value("network.tls.error"), V(t.error));
  EXPECT_EQ(run.Value("network.tls.bytes_received"), V(std::int64_t{0}));
  EXPECT_EQ(run.Why("network.tls.expired"), "handshake failed: " + t.error);

  t.outcome = net::TlsOutcome::kNotTls;
  t.bytes_received = 48;
  t.error = "the host answered with bytes that are not TLS: 48 54 54 50 2f \"HTTP/\"";
  fake_->tls = t;
  run = Run();
  EXPECT_EQ(run.Value("network.tls.outcome"), V(std::string("not_tls")));
  EXPECT_EQ(run.Value("network.tls.error"), V(t.error));
  EXPECT_EQ(run.Value("network.tls.bytes_received"), V(std::int64_t{48}));
  EXPECT_FALSE(run.Has("network.tls.alert"));
}

TEST_F(NetworkProbeTest, ClientCertKeysGoTogether) {
  for (const char* text : {"[network]\nclient_cert = \"/etc/posdiag/terminal.pem\"\n",
                           "[network]\nclient_key = \"/etc/posdiag/terminal.key\"\n",
                           "[network]\nclient_cert = \"terminal.pem\"\nclient_key = \"/k\"\n"}) {
    auto config = testing::DeviceConfig(device_, text);
    EXPECT_FALSE(config.ok()) << text;
  }
  EXPECT_TRUE(testing::DeviceConfig(device_,
                                    "[network]\nclient_cert = \"/etc/posdiag/terminal.pem\"\n"
                                    "client_key = \"/etc/posdiag/terminal.key\"\n")
                  .ok());
}

}  // namespace
}  // namespace posdiag::agent::probes
