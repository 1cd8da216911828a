// The payment host as configured ("host:port") and the addresses and sockets the network driver
// passes between its steps. ParseHostPort and ParseIpLiteral are pure.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "drivers/base/result.h"
#include "drivers/base/unique_fd.h"

namespace posdiag::drivers::network {

struct IpAddress {
  int family = 0;  // AF_INET or AF_INET6
  std::array<std::uint8_t, 16> bytes{};
  std::string text;  // "10.77.0.1", "2001:db8::1"
};

// An IPv4 or IPv6 literal ("10.0.0.1", "::1"), or nothing.
std::optional<IpAddress> ParseIpLiteral(std::string_view text);

struct HostPort {
  std::string host;  // a DNS name or an address literal, without IPv6 brackets
  std::uint16_t port = 0;
  std::optional<IpAddress> literal;  // set when host is an address literal (no DNS needed)
};

// "pay.bank.test:8443", "10.0.0.1:443", "[2001:db8::1]:443". A missing or bad port, an IPv6
// literal without brackets or a host that is not a valid DNS name is a kInvalid error saying so.
Result<HostPort> ParseHostPort(std::string_view text);

using io::UniqueFd;

}  // namespace posdiag::drivers::network
