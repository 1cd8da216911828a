#include "drivers/network/dns.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

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
  EXPECT_TRUE(r.server.empty());
  // Generous: the point is that c-ares' own retry schedule (seconds) does not run on.
  EXPECT_LT(took, std::chrono::milliseconds(1500));
}

using Bytes = std::vector<std::uint8_t>;

// A reply to a query for `name`: header, the question, then A records for `addresses`, each
// pointing back at the question's name.
Bytes Reply(std::uint16_t id, int rcode, const std::string& name,
            const std::vector<std::array<std::uint8_t, 4>>& addresses, bool tc = false) {
  Bytes b = {static_cast<std::uint8_t>(id >> 8),
             static_cast<std::uint8_t>(id),
             0x81,
             static_cast<std::uint8_t>(0x80 | rcode),
             0,
             1,
             0,
             static_cast<std::uint8_t>(addresses.size()),
             0,
             0,
             0,
             0};
  if (tc) b[2] |= 0x02;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t dot = name.find('.', start);
    if (dot == std::string::npos) dot = name.size();
    b.push_back(static_cast<std::uint8_t>(dot - start));
    b.insert(b.end(), name.begin() + static_cast<long>(start),
             name.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  b.insert(b.end(), {0, 0, 1, 0, 1});
  for (const auto& a : addresses) {
    b.insert(b.end(), {0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4});
    b.insert(b.end(), a.begin(), a.end());
  }
  return b;
}

TEST(DecodeDnsReply, AnswerRecords) {
  const auto b = Reply(0x1234, 0, "pay.bank.test", {{10, 77, 0, 1}, {10, 77, 0, 2}});
  auto r = DecodeDnsReply(b);
  ASSERT_TRUE(r.ok()) << r.error().detail;
  EXPECT_EQ(r->id, 0x1234);
  EXPECT_EQ(r->rcode, 0);
  ASSERT_EQ(r->addresses.size(), 2u);
  EXPECT_EQ(r->addresses[0].text, "10.77.0.1");
  EXPECT_EQ(r->addresses[1].text, "10.77.0.2");
}

TEST(DecodeDnsReply, ReplyCodes) {
  for (int rcode : {2, 3, 5}) {
    auto r = DecodeDnsReply(Reply(1, rcode, "pay.bank.test", {}));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->rcode, rcode);
    EXPECT_TRUE(r->addresses.empty());
  }
}

TEST(DecodeDnsReply, BadBytesAreParseErrors) {
  EXPECT_FALSE(DecodeDnsReply(Bytes{0, 1, 0x81}).ok());
  auto query = Reply(1, 0, "pay.bank.test", {});
  query[2] = 0x01;  // QR clear: a query
  EXPECT_FALSE(DecodeDnsReply(query).ok());
  auto cut = Reply(1, 0, "pay.bank.test", {{10, 77, 0, 1}});
  cut.resize(cut.size() - 2);
  EXPECT_FALSE(DecodeDnsReply(cut).ok());
  auto truncated = Reply(1, 0, "pay.bank.test", {{10, 77, 0, 1}}, /*tc=*/true);
  truncated.resize(truncated.size() - 2);
  auto tc = DecodeDnsReply(truncated);
  ASSERT_TRUE(tc.ok());  // TC set: what came whole still counts
  EXPECT_TRUE(tc->truncated);
  Bytes loop = Reply(1, 0, "x", {});
  loop[12] = 0x40;  // a reserved label type
  EXPECT_FALSE(DecodeDnsReply(loop).ok());
}

TEST(RcodeError, NamesEachCode) {
  EXPECT_EQ(RcodeError(0), "");
  EXPECT_EQ(RcodeError(1), "formerr");
  EXPECT_EQ(RcodeError(2), "servfail");
  EXPECT_EQ(RcodeError(3), "nxdomain");
  EXPECT_EQ(RcodeError(4), "notimp");
  EXPECT_EQ(RcodeError(5), "refused");
  EXPECT_EQ(RcodeError(9), "rcode_9");
}

// A DNS server on loopback that answers every query with one reply code (and, for NOERROR, an
// A record of 10.77.0.1 for A queries), until destroyed.
class LoopbackDns {
 public:
  explicit LoopbackDns(int rcode) : rcode_(rcode) {
    port_ = SilentServer(fd_);
    timeval tv{0, 50'000};
    ::setsockopt(fd_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    thread_ = std::thread([this] { Serve(); });
  }
  ~LoopbackDns() {
    stop_ = true;
    thread_.join();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  int queries() const { return queries_; }

 private:
  void Serve() {
    std::uint8_t buf[512];
    while (!stop_) {
      sockaddr_in from{};
      socklen_t len = sizeof from;
      const ssize_t n =
          ::recvfrom(fd_.get(), buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
      if (n < 12) continue;
      ++queries_;
      Bytes reply(buf, buf + n);
      reply[2] = static_cast<std::uint8_t>(0x80 | (buf[2] & 0x01));  // QR, RD copied
      reply[3] = static_cast<std::uint8_t>(0x80 | rcode_);
      const bool a_query = n >= 4 && buf[n - 3] == 1;  // QTYPE A
      if (rcode_ == 0 && a_query) {
        reply[7] = 1;
        reply.insert(reply.end(), {0xC0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 77, 0, 1});
      }
      ::sendto(fd_.get(), reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    }
  }
  int rcode_;
  UniqueFd fd_;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> queries_{0};
  std::thread thread_;
};

// The reply's own code is what is reported: a SERVFAIL is not "refused", nor a REFUSED a timeout.
TEST(Resolve, ReportsTheReplysCode) {
  for (const auto& [rcode, error] :
       std::vector<std::pair<int, std::string>>{{2, "servfail"}, {3, "nxdomain"}, {5, "refused"}}) {
    LoopbackDns server(rcode);
    DnsConfig config;
    config.servers = {server.address()};
    auto r = Resolve("pay.bank.test", config, io::Deadline::In(std::chrono::seconds(2)));
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.error, error) << r.detail;
    EXPECT_EQ(r.server, server.address());
  }
}

TEST(Resolve, AnAnswerGivesTheAddress) {
  LoopbackDns server(0);
  DnsConfig config;
  config.servers = {server.address()};
  auto r = Resolve("pay.bank.test", config, io::Deadline::In(std::chrono::seconds(2)));
  ASSERT_TRUE(r.ok) << r.error << ": " << r.detail;
  ASSERT_EQ(r.addresses.size(), 1u);
  EXPECT_EQ(r.addresses[0].text, "10.77.0.1");
}

// Like the C library's resolver, a server that fails (SERVFAIL) hands over to the next.
TEST(Resolve, ASecondServerAnswersAfterAServfail) {
  LoopbackDns failing(2);
  LoopbackDns good(0);
  DnsConfig config;
  config.servers = {failing.address(), good.address()};
  auto r = Resolve("pay.bank.test", config, io::Deadline::In(std::chrono::seconds(2)));
  ASSERT_TRUE(r.ok) << r.error << ": " << r.detail;
  EXPECT_EQ(r.server, good.address());
  EXPECT_GE(failing.queries(), 1);
}

// NXDOMAIN is an answer: the next server is not asked.
TEST(Resolve, NxdomainIsDefinitive) {
  LoopbackDns no(3);
  LoopbackDns good(0);
  DnsConfig config;
  config.servers = {no.address(), good.address()};
  auto r = Resolve("pay.bank.test", config, io::Deadline::In(std::chrono::seconds(2)));
  EXPECT_EQ(r.error, "nxdomain");
  EXPECT_EQ(good.queries(), 0);
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
