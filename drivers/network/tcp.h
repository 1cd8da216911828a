// A TCP connect to the payment host: non-blocking connect() and poll() against a deadline, with
// the outcome sorted the way a merchant's remedy differs (refused, timed out, unreachable).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "drivers/base/clock.h"
#include "drivers/network/endpoint.h"

namespace posdiag::drivers::network {

enum class TcpOutcome { kConnected, kRefused, kTimeout, kUnreachable, kError };

// "connected", "refused", "timeout", "unreachable", "error".
std::string_view TcpOutcomeName(TcpOutcome outcome);

// The outcome of a connect() that failed with errno `err`.
TcpOutcome ClassifyConnectErrno(int err);

struct TcpConnectResult {
  TcpOutcome outcome = TcpOutcome::kError;
  std::chrono::microseconds elapsed{0};
  std::string detail;  // the system's words for a failure
  UniqueFd socket;     // the connected, non-blocking socket when outcome is kConnected
};

TcpConnectResult TcpConnect(const IpAddress& address, std::uint16_t port, io::Deadline deadline);

}  // namespace posdiag::drivers::network
