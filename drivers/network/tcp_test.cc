#include "drivers/network/tcp.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace posdiag::drivers::network {
namespace {

// A listening socket on an ephemeral loopback port, or (listen = false) a port that was bound
// and closed again, so nothing listens there.
std::uint16_t LoopbackPort(UniqueFd& keep, bool listen) {
  UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
  if (listen) {
    EXPECT_EQ(::listen(fd.get(), 4), 0);
    keep = std::move(fd);
  }
  return ntohs(a.sin_port);
}

TEST(TcpConnect, ConnectsToAListener) {
  UniqueFd listener;
  const auto port = LoopbackPort(listener, true);
  auto r =
      TcpConnect(*ParseIpLiteral("127.0.0.1"), port, io::Deadline::In(std::chrono::seconds(2)));
  EXPECT_EQ(r.outcome, TcpOutcome::kConnected) << r.detail;
  EXPECT_TRUE(r.socket.valid());
}

TEST(TcpConnect, NothingListeningIsRefused) {
  UniqueFd unused;
  const auto port = LoopbackPort(unused, false);
  auto r =
      TcpConnect(*ParseIpLiteral("127.0.0.1"), port, io::Deadline::In(std::chrono::seconds(2)));
  EXPECT_EQ(r.outcome, TcpOutcome::kRefused) << r.detail;
  EXPECT_FALSE(r.socket.valid());
  EXPECT_EQ(TcpOutcomeName(r.outcome), "refused");
}

TEST(TcpConnect, ExpiredDeadlineIsATimeoutUnlessAlreadyConnected) {
  UniqueFd unused;
  const auto port = LoopbackPort(unused, false);
  auto r = TcpConnect(*ParseIpLiteral("127.0.0.1"), port,
                      io::Deadline(std::chrono::steady_clock::now()));
  // Loopback answers connect() at once; either way the outcome is decided, never a hang.
  EXPECT_TRUE(r.outcome == TcpOutcome::kRefused || r.outcome == TcpOutcome::kTimeout);
}

TEST(ClassifyConnectErrno, SortsTheRemedies) {
  EXPECT_EQ(ClassifyConnectErrno(ECONNREFUSED), TcpOutcome::kRefused);
  EXPECT_EQ(ClassifyConnectErrno(ETIMEDOUT), TcpOutcome::kTimeout);
  EXPECT_EQ(ClassifyConnectErrno(ENETUNREACH), TcpOutcome::kUnreachable);
  EXPECT_EQ(ClassifyConnectErrno(EHOSTUNREACH), TcpOutcome::kUnreachable);
  EXPECT_EQ(ClassifyConnectErrno(EACCES), TcpOutcome::kError);
}

}  // namespace
}  // namespace posdiag::drivers::network
