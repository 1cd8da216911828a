#include "drivers/network/dns.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <chrono>

namespace posdiag::drivers::network {
namespace {

TEST(ResolvConfHasNameserver, FindsOnlyRealEntries) {
  EXPECT_TRUE(ResolvConfHasNameserver("search bank.test\nnameserver 10.77.0.1\n"));
  EXPECT_TRUE(ResolvConfHasNameserver("  nameserver\t::1"));
  EXPECT_FALSE(ResolvConfHasNameserver(""));
  EXPECT_FALSE(ResolvConfHasNameserver("# nameserver 1.1.1.1\nsearch x\n"));
  EXPECT_FALSE(ResolvConfHasNameserver("nameserver\nnameservers 1.2.3.4\n"));
}

// A UDP socket that receives queries and never answers them.
std::uint16_t SilentServer(UniqueFd& keep) {
  keep = UniqueFd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(keep.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(keep.get(), reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

TEST(Resolve, DeadlineHoldsWhenTheServerIsSilent) {
  UniqueFd server;
  const auto port = SilentServer(server);
  DnsConfig config;
  config.servers = {"127.0.0.1:" + std::to_string(port)};
  const auto start = std::chrono::steady_clock::now();
  auto r = Resolve("pay.bank.test", config, io::Deadline::In(std::chrono::milliseconds(300)));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "timeout") << r.detail;
  // Generous: the point is that c-ares' own retry schedule (seconds) does not run on.
  EXPECT_LT(took, std::chrono::milliseconds(1500));
}

TEST(Resolve, BadServerListIsAConfigError) {
  DnsConfig config;
  config.servers = {"not an address"};
  auto r = Resolve("pay.bank.test", config, io::Deadline::In(std::chrono::milliseconds(500)));
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "bad_config");
}

}  // namespace
}  // namespace posdiag::drivers::network
