#include "drivers/network/tcp.h"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

namespace posdiag::drivers::network {

std::string_view TcpOutcomeName(TcpOutcome outcome) {
  switch (outcome) {
    case TcpOutcome::kConnected:
      return "connected";
    case TcpOutcome::kRefused:
      return "refused";
    case TcpOutcome::kTimeout:
      return "timeout";
    case TcpOutcome::kUnreachable:
      return "unreachable";
    case TcpOutcome::kError:
      return "error";
  }
  return "error";
}

TcpOutcome ClassifyConnectErrno(int err) {
  switch (err) {
    case ECONNREFUSED:
      return TcpOutcome::kRefused;
    case ETIMEDOUT:
      return TcpOutcome::kTimeout;
    case ENETUNREACH:
    case EHOSTUNREACH:
    case EHOSTDOWN:
    case ENETDOWN:
    case EADDRNOTAVAIL:
      return TcpOutcome::kUnreachable;
    default:
      return TcpOutcome::kError;
  }
}

TcpConnectResult TcpConnect(const IpAddress& address, std::uint16_t port, io::Deadline deadline) {
  TcpConnectResult r;
  const auto start = std::chrono::steady_clock::now();
  auto finish = [&](TcpOutcome outcome, std::string detail) {
    r.outcome = outcome;
    r.detail = std::move(detail);
    r.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start);
    if (outcome != TcpOutcome::kConnected) r.socket = UniqueFd();
    return std::move(r);
  };

  sockaddr_storage ss{};
  socklen_t len = 0;
  if (address.family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    std::memcpy(&sin->sin_addr, address.bytes.data(), 4);
    len = sizeof(sockaddr_in);
  } else if (address.family == AF_INET6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    std::memcpy(&sin6->sin6_addr, address.bytes.data(), 16);
    len = sizeof(sockaddr_in6);
  } else {
    return finish(TcpOutcome::kError, "not an IPv4 or IPv6 address");
  }

  r.socket = UniqueFd(::socket(address.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!r.socket.valid()) return finish(TcpOutcome::kError, ErrnoError("socket", errno).detail);
  if (::connect(r.socket.get(), reinterpret_cast<sockaddr*>(&ss), len) == 0) {
    return finish(TcpOutcome::kConnected, {});
  }
  if (errno != EINPROGRESS) {
    const int err = errno;
    return finish(ClassifyConnectErrno(err), ErrnoError("connect", err).detail);
  }
  for (;;) {
    pollfd p{r.socket.get(), POLLOUT, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(deadline.Remaining().count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return finish(TcpOutcome::kError, ErrnoError("poll", errno).detail);
    if (ready == 0) {
      if (!deadline.Expired()) continue;  // poll rounds down to whole milliseconds
      return finish(TcpOutcome::kTimeout, "no answer before the deadline");
    }
    break;
  }
  int err = 0;
  socklen_t err_len = sizeof err;
  if (::getsockopt(r.socket.get(), SOL_SOCKET, SO_ERROR, &err, &err_len) != 0) {
    return finish(TcpOutcome::kError, ErrnoError("getsockopt", errno).detail);
  }
  if (err != 0) return finish(ClassifyConnectErrno(err), ErrnoError("connect", err).detail);
  return finish(TcpOutcome::kConnected, {});
}

}  // namespace posdiag::drivers::network
