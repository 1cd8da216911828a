#include "drivers/network/netlink.h"

#include <arpa/inet.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string_view>

#include "drivers/base/unique_fd.h"

namespace posdiag::drivers::network {
namespace {

constexpr std::size_t kHeaderSize = sizeof(nlmsghdr);
constexpr std::size_t kAttrHeaderSize = sizeof(rtattr);
// A namespace with more objects than this is not a payment terminal; stop rather than grow.
constexpr std::size_t kMaxObjects = 4096;

constexpr std::size_t Align4(std::size_t n) { return (n + 3u) & ~std::size_t{3}; }

template <typename T>
T Load(std::span<const std::uint8_t> bytes, std::size_t at = 0) {
  T v{};
  std::memcpy(&v, bytes.data() + at, sizeof v);
  return v;
}

Error ParseError(std::string what) { return Error{ErrorKind::kParse, "netlink: " + what}; }

// Walks the rtattr list after a message's fixed header, calling fn(type, payload) for each.
template <typename Fn>
Result<void> ForEachAttr(std::span<const std::uint8_t> attrs, Fn fn) {
  std::size_t at = 0;
  while (at + kAttrHeaderSize <= attrs.size()) {
    const auto a = Load<rtattr>(attrs, at);
    if (a.rta_len < kAttrHeaderSize || a.rta_len > attrs.size() - at) {
      return ParseError("attribute length " + std::to_string(a.rta_len) + " out of bounds");
    }
    fn(static_cast<unsigned>(a.rta_type & NLA_TYPE_MASK),
       attrs.subspan(at + kAttrHeaderSize, a.rta_len - kAttrHeaderSize));
    at += Align4(a.rta_len);
  }
  return Ok();
}

std::string AddressText(int family, std::span<const std::uint8_t> raw) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (family == AF_INET && raw.size() == 4) {
    ::inet_ntop(AF_INET, raw.data(), buf, sizeof buf);
  } else if (family == AF_INET6 && raw.size() == 16) {
    ::inet_ntop(AF_INET6, raw.data(), buf, sizeof buf);
  }
  return buf;
}

Result<void> DecodeLink(std::span<const std::uint8_t> body, NetlinkSnapshot& out) {
  if (body.size() < sizeof(ifinfomsg)) return ParseError("link message shorter than ifinfomsg");
  const auto ifi = Load<ifinfomsg>(body);
  LinkInfo link;
  link.index = ifi.ifi_index;
  link.arphrd = ifi.ifi_type;
  link.flags = ifi.ifi_flags;
  auto attrs = ForEachAttr(body.subspan(Align4(sizeof(ifinfomsg))),
                           [&](unsigned type, std::span<const std::uint8_t> p) {
                             if (type == IFLA_IFNAME) {
                               const auto* c = reinterpret_cast<const char*>(p.data());
                               link.name.assign(c, ::strnlen(c, p.size()));
                             } else if (type == IFLA_OPERSTATE && p.size() >= 1) {
                               link.operstate = p[0];
                             } else if (type == IFLA_CARRIER && p.size() >= 1) {
                               link.carrier = p[0] != 0;
                             }
                           });
  if (!attrs) return attrs.error().Context("link");
  if (link.name.empty()) return ParseError("link " + std::to_string(link.index) + " has no name");
  out.links.push_back(std::move(link));
  return Ok();
}

Result<void> DecodeAddr(std::span<const std::uint8_t> body, NetlinkSnapshot& out) {
  if (body.size() < sizeof(ifaddrmsg)) return ParseError("address message shorter than ifaddrmsg");
  const auto ifa = Load<ifaddrmsg>(body);
  AddrInfo addr;
  addr.index = static_cast<int>(ifa.ifa_index);
  addr.family = ifa.ifa_family;
  addr.prefix_len = ifa.ifa_prefixlen;
  addr.scope = ifa.ifa_scope;
  std::string local;
  std::string address;
  auto attrs = ForEachAttr(body.subspan(Align4(sizeof(ifaddrmsg))),
                           [&](unsigned type, std::span<const std::uint8_t> p) {
                             if (type == IFA_LOCAL) local = AddressText(addr.family, p);
                             if (type == IFA_ADDRESS) address = AddressText(addr.family, p);
                           });
  if (!attrs) return attrs.error().Context("address");
  // On a point-to-point link IFA_ADDRESS is the peer; IFA_LOCAL is always our own end.
  addr.address = !local.empty() ? local : address;
  if (addr.address.empty()) return Ok();  // a family we do not read (AF_DECnet, ...)
  out.addrs.push_back(std::move(addr));
  return Ok();
}

Result<void> DecodeRoute(std::span<const std::uint8_t> body, NetlinkSnapshot& out) {
  if (body.size() < sizeof(rtmsg)) return ParseError("route message shorter than rtmsg");
  const auto rtm = Load<rtmsg>(body);
  RouteInfo route;
  route.family = rtm.rtm_family;
  route.dst_len = rtm.rtm_dst_len;
  route.type = rtm.rtm_type;
  route.table = rtm.rtm_table;
  auto attrs = ForEachAttr(body.subspan(Align4(sizeof(rtmsg))),
                           [&](unsigned type, std::span<const std::uint8_t> p) {
                             if (type == RTA_OIF && p.size() >= 4) {
                               route.oif = Load<std::int32_t>(p);
                             } else if (type == RTA_TABLE && p.size() >= 4) {
                               route.table = Load<std::uint32_t>(p);
                             } else if (type == RTA_GATEWAY) {
                               route.gateway = AddressText(route.family, p);
                             } else if (type == RTA_DST && (p.size() == 4 || p.size() == 16)) {
                               route.dst = AddressText(route.family, p);
                               std::memcpy(route.dst_bytes.data(), p.data(), p.size());
                             } else if (type == RTA_PRIORITY && p.size() >= 4) {
                               route.priority = Load<std::uint32_t>(p);
                             } else if (type == RTA_PREFSRC) {
                               route.prefsrc = AddressText(route.family, p);
                             }
                           });
  if (!attrs) return attrs.error().Context("route");
  out.routes.push_back(std::move(route));
  return Ok();
}

}  // namespace

std::string OperStateName(std::uint8_t operstate) {
  switch (operstate) {
    case IF_OPER_UNKNOWN:
      return "unknown";
    case IF_OPER_NOTPRESENT:
      return "notpresent";
    case IF_OPER_DOWN:
      return "down";
    case IF_OPER_LOWERLAYERDOWN:
      return "lowerlayerdown";
    case IF_OPER_TESTING:
      return "testing";
    case IF_OPER_DORMANT:
      return "dormant";
    case IF_OPER_UP:
      return "up";
    default:
      return "unknown";
  }
}

Result<bool> DecodeNetlinkDatagram(std::span<const std::uint8_t> bytes, NetlinkSnapshot& out) {
  std::size_t at = 0;
  while (at < bytes.size()) {
    if (bytes.size() - at < kHeaderSize) return ParseError("truncated message header");
    const auto h = Load<nlmsghdr>(bytes, at);
    if (h.nlmsg_len < kHeaderSize || h.nlmsg_len > bytes.size() - at) {
      return ParseError("message length " + std::to_string(h.nlmsg_len) + " out of bounds");
    }
    const auto body = bytes.subspan(at + kHeaderSize, h.nlmsg_len - kHeaderSize);
    Result<void> r = Ok();
    switch (h.nlmsg_type) {
      case NLMSG_DONE:
        return true;
      case NLMSG_ERROR: {
        if (body.size() < sizeof(int)) return ParseError("truncated error message");
        const int err = Load<int>(body);
        if (err != 0) return ErrnoError("netlink dump", -err);
        break;  // an acknowledgement
      }
      case RTM_NEWLINK:
        r = DecodeLink(body, out);
        break;
      case RTM_NEWADDR:
        r = DecodeAddr(body, out);
        break;
      case RTM_NEWROUTE:
        r = DecodeRoute(body, out);
        break;
      default:
        break;  // NLMSG_NOOP, NLMSG_OVERRUN and types we do not ask for
    }
    if (!r) return r.error();
    if (out.links.size() + out.addrs.size() + out.routes.size() > kMaxObjects) {
      return ParseError("more than " + std::to_string(kMaxObjects) +
                        " links, addresses and routes");
    }
    at += Align4(h.nlmsg_len);
  }
  return false;
}

namespace {

template <typename Body>
Result<void> SendDump(int fd, std::uint16_t type, std::uint32_t seq, const Body& body) {
  struct {
    nlmsghdr h;
    Body b;
  } req{};
  req.h.nlmsg_len = static_cast<std::uint32_t>(NLMSG_LENGTH(sizeof(Body)));
  req.h.nlmsg_type = type;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.h.nlmsg_seq = seq;
  req.b = body;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  const ssize_t n =
      ::sendto(fd, &req, req.h.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel);
  if (n < 0) return ErrnoError("netlink send", errno);
  return Ok();
}

Result<void> ReceiveDump(int fd, std::uint32_t seq, io::Deadline deadline, NetlinkSnapshot& out) {
  // The kernel sizes dump datagrams to the reader's buffer up to 32 KiB (NLMSG_GOODSIZE).
  std::array<std::uint8_t, 32768> buf{};
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(deadline.Remaining().count()));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("netlink poll", errno);
    }
    if (ready == 0) return Error{ErrorKind::kTimeout, "netlink: no answer before the deadline"};
    sockaddr_nl from{};
    socklen_t from_len = sizeof from;
    const ssize_t n = ::recvfrom(fd, buf.data(), buf.size(), MSG_TRUNC,
                                 reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return ErrnoError("netlink receive", errno);
    }
    if (static_cast<std::size_t>(n) > buf.size()) {
      return Error{ErrorKind::kIo, "netlink: datagram larger than the receive buffer"};
    }
    if (from.nl_pid != 0) continue;  // only the kernel answers a dump
    const auto bytes = std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(n));
    if (bytes.size() >= kHeaderSize && Load<nlmsghdr>(bytes).nlmsg_seq != seq) continue;
    auto done = DecodeNetlinkDatagram(bytes, out);
    if (!done) return done.error();
    if (*done) return Ok();
  }
}

}  // namespace

std::optional<RouteInfo> RouteFor(const NetlinkSnapshot& snapshot, int family,
                                  const std::array<std::uint8_t, 16>& address) {
  const std::size_t bits = family == AF_INET ? 32 : family == AF_INET6 ? 128 : 0;
  if (bits == 0) return std::nullopt;
  auto matches = [&](const RouteInfo& r) {
    if (r.dst_len > bits) return false;
    const std::size_t whole = r.dst_len / 8;
    const unsigned rest = r.dst_len % 8;
    if (std::memcmp(r.dst_bytes.data(), address.data(), whole) != 0) return false;
    if (rest == 0) return true;
    const auto mask = static_cast<std::uint8_t>(0xFF << (8 - rest));
    return (r.dst_bytes[whole] & mask) == (address[whole] & mask);
  };
  const RouteInfo* best = nullptr;
  for (const auto& r : snapshot.routes) {
    if (r.family != family || r.type != RTN_UNICAST || r.table != RT_TABLE_MAIN) continue;
    if (!matches(r)) continue;
    if (best == nullptr || r.dst_len > best->dst_len ||
        (r.dst_len == best->dst_len && r.priority < best->priority)) {
      best = &r;
    }
  }
  if (best == nullptr) return std::nullopt;
  return *best;
}

Result<RouteInfo> QueryRoute(int family, const std::array<std::uint8_t, 16>& address,
                             io::Deadline deadline) {
  const std::size_t len = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
  if (len == 0) return Error{ErrorKind::kInvalid, "route: not an IPv4 or IPv6 address"};
  io::UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE));
  if (fd.get() < 0) return ErrnoError("netlink socket", errno);
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    return ErrnoError("netlink bind", errno);
  }
  constexpr std::uint32_t kSeq = 1;
  struct {
    nlmsghdr h;
    rtmsg r;
    rtattr a;
    std::array<std::uint8_t, 16> dst;
  } req{};
  req.h.nlmsg_len = static_cast<std::uint32_t>(NLMSG_LENGTH(sizeof(rtmsg)) + RTA_LENGTH(len));
  req.h.nlmsg_type = RTM_GETROUTE;
  req.h.nlmsg_flags = NLM_F_REQUEST;
  req.h.nlmsg_seq = kSeq;
  req.r.rtm_family = static_cast<unsigned char>(family);
  req.r.rtm_dst_len = static_cast<unsigned char>(len * 8);
  req.a.rta_type = RTA_DST;
  req.a.rta_len = static_cast<unsigned short>(RTA_LENGTH(len));
  std::memcpy(req.dst.data(), address.data(), len);
  static_assert(offsetof(decltype(req), a) == NLMSG_LENGTH(sizeof(rtmsg)));
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (::sendto(fd.get(), &req, req.h.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel),
               sizeof kernel) < 0) {
    return ErrnoError("netlink send", errno);
  }
  std::array<std::uint8_t, 8192> buf{};
  for (;;) {
    pollfd p{fd.get(), POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(deadline.Remaining().count()));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("netlink poll", errno);
    }
    if (ready == 0) return Error{ErrorKind::kTimeout, "route: no answer before the deadline"};
    sockaddr_nl from{};
    socklen_t from_len = sizeof from;
    const ssize_t n = ::recvfrom(fd.get(), buf.data(), buf.size(), 0,
                                 reinterpret_cast<sockaddr*>(&from), &from_len);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return ErrnoError("netlink receive", errno);
    }
    if (from.nl_pid != 0) continue;
    const auto bytes = std::span<const std::uint8_t>(buf.data(), static_cast<std::size_t>(n));
    if (bytes.size() < kHeaderSize || Load<nlmsghdr>(bytes).nlmsg_seq != kSeq) continue;
    if (Load<nlmsghdr>(bytes).nlmsg_type == NLMSG_ERROR && bytes.size() >= kHeaderSize + 4) {
      const int err = -Load<int>(bytes, kHeaderSize);
      if (err == ENETUNREACH || err == EHOSTUNREACH || err == EINVAL || err == EACCES) {
        return Error{ErrorKind::kNotFound, std::string("no route: ") + std::strerror(err)};
      }
      if (err != 0) return ErrnoError("route", err);
      continue;
    }
    NetlinkSnapshot snap;
    auto decoded = DecodeNetlinkDatagram(bytes, snap);
    if (!decoded) return decoded.error().Context("route");
    if (snap.routes.empty()) return Error{ErrorKind::kParse, "route: the answer holds no route"};
    return snap.routes.front();
  }
}

Result<NetlinkSnapshot> ReadNetlinkSnapshot(io::Deadline deadline) {
  io::UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE));
  if (fd.get() < 0) return ErrnoError("netlink socket", errno);
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
    return ErrnoError("netlink bind", errno);
  }
  NetlinkSnapshot snap;
  std::uint32_t seq = 1;
  ifinfomsg link_req{};
  link_req.ifi_family = AF_UNSPEC;
  if (auto r = SendDump(fd.get(), RTM_GETLINK, seq, link_req); !r) return r.error();
  if (auto r = ReceiveDump(fd.get(), seq, deadline, snap); !r) return r.error().Context("links");
  ++seq;
  ifaddrmsg addr_req{};
  addr_req.ifa_family = AF_UNSPEC;
  if (auto r = SendDump(fd.get(), RTM_GETADDR, seq, addr_req); !r) return r.error();
  if (auto r = ReceiveDump(fd.get(), seq, deadline, snap); !r)
    return r.error().Context("addresses");
  ++seq;
  rtmsg route_req{};
  route_req.rtm_family = AF_UNSPEC;
  if (auto r = SendDump(fd.get(), RTM_GETROUTE, seq, route_req); !r) return r.error();
  if (auto r = ReceiveDump(fd.get(), seq, deadline, snap); !r) return r.error().Context("routes");
  return snap;
}

}  // namespace posdiag::drivers::network
