// Resolving the payment host's name with c-ares, under a hard deadline: the resolver's sockets
// are polled here (ares_process_fd, ares_timeout) and the query is cancelled when time is up, so
// no retry schedule of the library can outlast the deadline.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/base/clock.h"
#include "drivers/network/endpoint.h"

namespace posdiag::drivers::network {

struct DnsConfig {
  // The resolv.conf to read nameservers from (the terminal's, under the root). Used when
  // `servers` is empty.
  std::filesystem::path resolv_conf;
  // Explicit servers ("10.0.0.53", "10.0.0.53:5353", "[2001:db8::53]:53"); replace resolv.conf.
  std::vector<std::string> servers;
};

struct DnsResult {
  bool ok = false;
  // Why it failed: "nxdomain", "no_data", "timeout", "refused", "servfail", "no_servers",
  // "bad_response", "bad_config", "error".
  std::string error;
  std::string detail;  // c-ares' own words, for the engineer
  std::vector<IpAddress> addresses;
  std::chrono::microseconds elapsed{0};
};

// True when a resolv.conf text names at least one nameserver. c-ares falls back to 127.0.0.1 for
// a file without one, which would hide a terminal that has no DNS configured at all.
bool ResolvConfHasNameserver(std::string_view text);

DnsResult Resolve(const std::string& name, const DnsConfig& config, io::Deadline deadline);

}  // namespace posdiag::drivers::network
