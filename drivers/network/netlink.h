// The kernel's view of the network namespace posdiag runs in, read over rtnetlink: every link
// (RTM_GETLINK), address (RTM_GETADDR) and route (RTM_GETROUTE). Decoding is a pure function over
// the bytes of a dump, so it is tested from byte fixtures and fuzzed; ReadNetlinkSnapshot() is the
// transport (an AF_NETLINK socket polled against a deadline).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "drivers/base/clock.h"
#include "drivers/base/result.h"

namespace posdiag::drivers::network {

struct LinkInfo {
  int index = 0;
  std::string name;
  std::uint16_t arphrd = 0;               // ifi_type: ARPHRD_ETHER, ARPHRD_NONE, ...
  std::uint32_t flags = 0;                // IFF_UP, IFF_LOWER_UP, IFF_LOOPBACK, ...
  std::optional<std::uint8_t> operstate;  // IF_OPER_*, when the kernel sent IFLA_OPERSTATE
  std::optional<bool> carrier;            // IFLA_CARRIER, when sent
};

struct AddrInfo {
  int index = 0;   // the link it is on
  int family = 0;  // AF_INET / AF_INET6
  std::uint8_t prefix_len = 0;
  std::uint8_t scope = 0;  // RT_SCOPE_UNIVERSE (0) is a global address
  std::string address;     // text form ("10.77.0.2", "fe80::1")
};

struct RouteInfo {
  int family = 0;
  std::uint8_t dst_len = 0;                  // 0: a default route
  std::uint8_t type = 0;                     // RTN_UNICAST, RTN_BLACKHOLE, ...
  std::uint32_t table = 0;                   // RTA_TABLE when sent, else rtm_table
  std::optional<int> oif;                    // output interface index
  std::string gateway;                       // text form, empty when none
  std::string dst;                           // RTA_DST in text form, empty for a default route
  std::array<std::uint8_t, 16> dst_bytes{};  // RTA_DST, zero-filled
  std::uint32_t priority = 0;                // RTA_PRIORITY (the metric); 0 when not sent
  std::string prefsrc;                       // RTA_PREFSRC: the source address the kernel picks
};

struct NetlinkSnapshot {
  std::vector<LinkInfo> links;
  std::vector<AddrInfo> addrs;
  std::vector<RouteInfo> routes;
};

// Decodes one datagram of a netlink dump answer, appending what it holds to `out`. Returns true
// when the datagram ends the dump (NLMSG_DONE), false when more datagrams follow. A message the
// kernel answers with NLMSG_ERROR is an error of kind kIo; truncated or malformed bytes are kParse.
// Messages whose type is not a link, address or route are skipped.
Result<bool> DecodeNetlinkDatagram(std::span<const std::uint8_t> bytes, NetlinkSnapshot& out);

// The state names of RFC 2863 as the kernel writes them in operstate ("up", "down", ...).
std::string OperStateName(std::uint8_t operstate);

// The links, addresses and routes of the current network namespace: three dumps over one socket,
// each datagram awaited with poll() against the deadline.
Result<NetlinkSnapshot> ReadNetlinkSnapshot(io::Deadline deadline);

// The route of a snapshot that a packet to `address` (AF_INET / AF_INET6 bytes) takes, as the
// main table decides it: the longest matching prefix, then the lowest metric; unicast routes of
// the main table only (policy rules and other tables are the kernel's to apply: QueryRoute asks
// it). Nothing when no route matches. Pure.
std::optional<RouteInfo> RouteFor(const NetlinkSnapshot& snapshot, int family,
                                  const std::array<std::uint8_t, 16>& address);

// Asks the kernel which route a packet to `address` takes (RTM_GETROUTE for that one address, as
// `ip route get` does): policy rules, VPN tables and metrics included. The answer's oif, gateway
// and prefsrc are set. A destination the kernel has no route for (network unreachable, a
// blackhole or prohibit route) is a kNotFound error saying so.
Result<RouteInfo> QueryRoute(int family, const std::array<std::uint8_t, 16>& address,
                             io::Deadline deadline);

}  // namespace posdiag::drivers::network
