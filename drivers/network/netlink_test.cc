#include "drivers/network/netlink.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <array>
#include <cstring>
#include <string>
#include <vector>

namespace posdiag::drivers::network {
namespace {

using Bytes = std::vector<std::uint8_t>;

// Builds netlink datagrams byte by byte, as the kernel lays them out (host byte order, 4-byte
// alignment), so each test states exactly the bytes it decodes.
class Datagram {
 public:
  template <typename T>
  Datagram& Message(std::uint16_t type, const T& fixed) {
    start_ = bytes_.size();
    nlmsghdr h{};
    h.nlmsg_type = type;
    h.nlmsg_seq = 1;
    Append(&h, sizeof h);
    Append(&fixed, sizeof fixed);
    return Finish();
  }
  Datagram& Attr(std::uint16_t type, const void* data, std::size_t len) {
    rtattr a{};
    a.rta_len = static_cast<std::uint16_t>(sizeof a + len);
    a.rta_type = type;
    Append(&a, sizeof a);
    Append(data, len);
    while (bytes_.size() % 4 != 0) bytes_.push_back(0);
    return Finish();
  }
  Datagram& StrAttr(std::uint16_t type, const std::string& s) {
    return Attr(type, s.c_str(), s.size() + 1);
  }
  Datagram& U8Attr(std::uint16_t type, std::uint8_t v) { return Attr(type, &v, 1); }
  Datagram& U32Attr(std::uint16_t type, std::uint32_t v) { return Attr(type, &v, 4); }
  Datagram& Ip4Attr(std::uint16_t type, const char* text) {
    std::uint8_t a[4];
    inet_pton(AF_INET, text, a);
    return Attr(type, a, 4);
  }
  Datagram& Done() {
    start_ = bytes_.size();
    nlmsghdr h{};
    h.nlmsg_type = NLMSG_DONE;
    Append(&h, sizeof h);
    int zero = 0;
    Append(&zero, sizeof zero);
    return Finish();
  }
  Bytes& bytes() { return bytes_; }

 private:
  void Append(const void* p, std::size_t n) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    bytes_.insert(bytes_.end(), b, b + n);
  }
  Datagram& Finish() {
    const auto len = static_cast<std::uint32_t>(bytes_.size() - start_);
    std::memcpy(bytes_.data() + start_, &len, sizeof len);
    return *this;
  }
  Bytes bytes_;
  std::size_t start_ = 0;
};

ifinfomsg Link(int index, std::uint16_t type, unsigned flags) {
  ifinfomsg m{};
  m.ifi_family = AF_UNSPEC;
  m.ifi_index = index;
  m.ifi_type = type;
  m.ifi_flags = flags;
  return m;
}

TEST(DecodeNetlinkDatagram, LinksWithOperstateAndCarrier) {
  Datagram d;
  d.Message(RTM_NEWLINK, Link(1, ARPHRD_LOOPBACK, IFF_UP | IFF_LOOPBACK | IFF_LOWER_UP))
      .StrAttr(IFLA_IFNAME, "lo")
      .U8Attr(IFLA_OPERSTATE, IF_OPER_UNKNOWN)
      .U8Attr(IFLA_CARRIER, 1);
  d.Message(RTM_NEWLINK, Link(7, ARPHRD_ETHER, IFF_UP))
      .StrAttr(IFLA_IFNAME, "eth0")
      .U8Attr(IFLA_OPERSTATE, IF_OPER_LOWERLAYERDOWN)
      .U8Attr(IFLA_CARRIER, 0);
  NetlinkSnapshot snap;
  auto done = DecodeNetlinkDatagram(d.bytes(), snap);
  ASSERT_TRUE(done.ok()) << done.error().detail;
  EXPECT_FALSE(*done);  // no NLMSG_DONE yet
  ASSERT_EQ(snap.links.size(), 2u);
  EXPECT_EQ(snap.links[1].name, "eth0");
  EXPECT_EQ(snap.links[1].index, 7);
  EXPECT_EQ(snap.links[1].arphrd, ARPHRD_ETHER);
  EXPECT_EQ(snap.links[1].operstate, IF_OPER_LOWERLAYERDOWN);
  EXPECT_EQ(snap.links[1].carrier, false);
  EXPECT_EQ(OperStateName(*snap.links[1].operstate), "lowerlayerdown");
}

TEST(DecodeNetlinkDatagram, AddressesPreferLocal) {
  ifaddrmsg a{};
  a.ifa_family = AF_INET;
  a.ifa_prefixlen = 24;
  a.ifa_scope = RT_SCOPE_UNIVERSE;
  a.ifa_index = 7;
  Datagram d;
  d.Message(RTM_NEWADDR, a).Ip4Attr(IFA_ADDRESS, "10.0.0.9").Ip4Attr(IFA_LOCAL, "10.77.0.2");
  d.Done();
  NetlinkSnapshot snap;
  auto done = DecodeNetlinkDatagram(d.bytes(), snap);
  ASSERT_TRUE(done.ok()) << done.error().detail;
  EXPECT_TRUE(*done);
  ASSERT_EQ(snap.addrs.size(), 1u);
  EXPECT_EQ(snap.addrs[0].address, "10.77.0.2");
  EXPECT_EQ(snap.addrs[0].prefix_len, 24);
  EXPECT_EQ(snap.addrs[0].index, 7);
}

TEST(DecodeNetlinkDatagram, DefaultRouteWithGatewayAndTable) {
  rtmsg r{};
  r.rtm_family = AF_INET;
  r.rtm_dst_len = 0;
  r.rtm_table = RT_TABLE_UNSPEC;
  r.rtm_type = RTN_UNICAST;
  Datagram d;
  d.Message(RTM_NEWROUTE, r)
      .U32Attr(RTA_TABLE, RT_TABLE_MAIN)
      .Ip4Attr(RTA_GATEWAY, "10.77.0.1")
      .U32Attr(RTA_OIF, 7);
  NetlinkSnapshot snap;
  ASSERT_TRUE(DecodeNetlinkDatagram(d.bytes(), snap).ok());
  ASSERT_EQ(snap.routes.size(), 1u);
  EXPECT_EQ(snap.routes[0].dst_len, 0);
  EXPECT_EQ(snap.routes[0].table, RT_TABLE_MAIN);
  EXPECT_EQ(snap.routes[0].gateway, "10.77.0.1");
  EXPECT_EQ(snap.routes[0].oif, 7);
}

TEST(DecodeNetlinkDatagram, KernelErrorIsAnError) {
  nlmsgerr e{};
  e.error = -EPERM;
  Datagram d;
  d.Message(NLMSG_ERROR, e);
  NetlinkSnapshot snap;
  auto r = DecodeNetlinkDatagram(d.bytes(), snap);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kPermission);
}

TEST(DecodeNetlinkDatagram, TruncatedBytesAreParseErrors) {
  Datagram d;
  d.Message(RTM_NEWLINK, Link(2, ARPHRD_ETHER, IFF_UP)).StrAttr(IFLA_IFNAME, "eth0");
  const Bytes whole = d.bytes();
  for (std::size_t n = 1; n < whole.size(); ++n) {
    NetlinkSnapshot snap;
    auto r = DecodeNetlinkDatagram(std::span(whole.data(), n), snap);
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.error().kind, ErrorKind::kParse) << n;
  }
  // An attribute claiming more bytes than its message holds.
  Bytes bad = whole;
  const std::size_t attr_len_at = sizeof(nlmsghdr) + sizeof(ifinfomsg);
  bad[attr_len_at] = 0xff;
  NetlinkSnapshot snap;
  EXPECT_FALSE(DecodeNetlinkDatagram(bad, snap).ok());
}

TEST(DecodeNetlinkDatagram, LinkWithoutNameIsAnError) {
  Datagram d;
  d.Message(RTM_NEWLINK, Link(3, ARPHRD_ETHER, 0)).U8Attr(IFLA_OPERSTATE, IF_OPER_DOWN);
  NetlinkSnapshot snap;
  EXPECT_FALSE(DecodeNetlinkDatagram(d.bytes(), snap).ok());
}

TEST(DecodeNetlinkDatagram, RouteDestinationMetricAndSource) {
  rtmsg r{};
  r.rtm_family = AF_INET;
  r.rtm_dst_len = 24;
  r.rtm_table = RT_TABLE_MAIN;
  r.rtm_type = RTN_UNICAST;
  Datagram d;
  d.Message(RTM_NEWROUTE, r)
      .Ip4Attr(RTA_DST, "10.77.0.0")
      .U32Attr(RTA_PRIORITY, 600)
      .Ip4Attr(RTA_PREFSRC, "172.16.0.2")
      .U32Attr(RTA_OIF, 5);
  NetlinkSnapshot snap;
  ASSERT_TRUE(DecodeNetlinkDatagram(d.bytes(), snap).ok());
  ASSERT_EQ(snap.routes.size(), 1u);
  EXPECT_EQ(snap.routes[0].dst, "10.77.0.0");
  EXPECT_EQ(snap.routes[0].dst_bytes[1], 77);
  EXPECT_EQ(snap.routes[0].priority, 600u);
  EXPECT_EQ(snap.routes[0].prefsrc, "172.16.0.2");
}

RouteInfo V4Route(std::uint8_t len, const char* dst, int oif, std::uint32_t metric = 0,
                  std::uint32_t table = RT_TABLE_MAIN, std::uint8_t type = RTN_UNICAST) {
  RouteInfo r;
  r.family = AF_INET;
  r.dst_len = len;
  r.type = type;
  r.table = table;
  r.oif = oif;
  r.priority = metric;
  inet_pton(AF_INET, dst, r.dst_bytes.data());
  return r;
}

std::array<std::uint8_t, 16> V4(const char* text) {
  std::array<std::uint8_t, 16> a{};
  inet_pton(AF_INET, text, a.data());
  return a;
}

TEST(RouteFor, LongestPrefixThenLowestMetric) {
  NetlinkSnapshot snap;
  snap.routes.push_back(V4Route(0, "0.0.0.0", 2, 100));  // eth0 default
  snap.routes.push_back(V4Route(0, "0.0.0.0", 3, 700));  // wwan0 default, backup
  snap.routes.push_back(V4Route(24, "10.77.0.0", 5));    // tun0
  snap.routes.push_back(V4Route(32, "10.77.0.9", 9, 0, RT_TABLE_LOCAL, RTN_LOCAL));
  snap.routes.push_back(V4Route(16, "10.77.0.0", 7, 0, RT_TABLE_MAIN, RTN_BLACKHOLE));
  EXPECT_EQ(RouteFor(snap, AF_INET, V4("10.77.0.1"))->oif, 5);
  EXPECT_EQ(RouteFor(snap, AF_INET, V4("10.77.0.9"))->oif, 5);
  EXPECT_EQ(RouteFor(snap, AF_INET, V4("192.0.2.1"))->oif, 2);
  EXPECT_EQ(RouteFor(snap, AF_INET, V4("10.77.1.1"))->oif, 2);
  EXPECT_FALSE(RouteFor(snap, AF_INET6, V4("10.77.0.1")).has_value());
  snap.routes.erase(snap.routes.begin(), snap.routes.begin() + 2);
  EXPECT_FALSE(RouteFor(snap, AF_INET, V4("192.0.2.1")).has_value());
}

TEST(RouteFor, PrefixesThatEndInsideAByte) {
  NetlinkSnapshot snap;
  snap.routes.push_back(V4Route(20, "10.77.16.0", 4));
  EXPECT_EQ(RouteFor(snap, AF_INET, V4("10.77.31.255"))->oif, 4);
  EXPECT_FALSE(RouteFor(snap, AF_INET, V4("10.77.32.0")).has_value());
}

// The live kernel: loopback routes through lo; an address with no route is kNotFound.
TEST(QueryRoute, AsksTheKernel) {
  auto r = QueryRoute(AF_INET, V4("127.0.0.1"), io::Deadline::In(std::chrono::seconds(2)));
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_TRUE(r->oif.has_value());
}

// The live kernel: every namespace has a loopback link.
TEST(ReadNetlinkSnapshot, SeesLoopback) {
  auto snap = ReadNetlinkSnapshot(io::Deadline::In(std::chrono::seconds(2)));
  ASSERT_TRUE(snap.ok()) << snap.error().detail;
  bool lo = false;
  for (const auto& l : snap->links) lo = lo || ((l.flags & IFF_LOOPBACK) != 0 && l.name == "lo");
  EXPECT_TRUE(lo);
}

}  // namespace
}  // namespace posdiag::drivers::network
