// Resolving the payment host's name over DNS with c-ares, under a hard deadline: the resolver's
// sockets are polled here (ares_process_fd, ares_timeout) and the query is cancelled when time is
// up, so no retry schedule of the library can outlast the deadline. The servers are asked one
// after the other as the C library's resolver does (a SERVFAIL or REFUSED moves on to the next),
// and each reply is decoded here (DecodeDnsReply, pure), so the reply's own code — NXDOMAIN,
// SERVFAIL, REFUSED — is reported as the server said it, apart from a server that never answered.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/base/clock.h"
#include "drivers/base/result.h"
#include "drivers/network/endpoint.h"

namespace posdiag::drivers::network {

struct DnsConfig {
  // The resolv.conf to read nameservers, search domains and ndots from (the terminal's, under
  // the root). Used when `servers` is empty.
  std::filesystem::path resolv_conf;
  // Explicit servers ("10.0.0.53", "10.0.0.53:5353", "[2001:db8::53]:53"); replace resolv.conf.
  std::vector<std::string> servers;
};

struct DnsResult {
  bool ok = false;
  // Why it failed: "nxdomain", "no_data", "servfail", "refused" (each the reply's own code),
  // "timeout" (no reply before the deadline), "unreachable" (the server's address could not be
  // reached: nothing listens there, or no route), "bad_response", "bad_config", "bad_name",
  // "error", or "rcode_N" for another reply code.
  std::string error;
  std::string detail;  // what each server said, for the engineer
  std::string server;  // the server whose reply decided ("10.77.0.1:53"); empty when none
  std::vector<IpAddress> addresses;
  std::chrono::microseconds elapsed{0};
};

// True when a resolv.conf text names at least one nameserver. c-ares falls back to 127.0.0.1 for
// a file without one, which would hide a terminal that has no DNS configured at all.
bool ResolvConfHasNameserver(std::string_view text);

// A DNS reply as far as the probe needs it.
struct DnsReply {
  std::uint16_t id = 0;
  int rcode = 0;           // RFC 1035 4.1.1 (0 no error, 2 SERVFAIL, 3 NXDOMAIN, 5 REFUSED)
  bool truncated = false;  // TC
  std::vector<IpAddress> addresses;  // the A and AAAA records of the answer section, in order
};

// Decodes a reply's header, skips its questions and reads its answer records; any bytes give a
// reply or a kParse error, never an over-read.
Result<DnsReply> DecodeDnsReply(std::span<const std::uint8_t> bytes);

// The DnsResult::error for a reply code: "" for NOERROR, "nxdomain", "servfail", "refused",
// "formerr", "notimp", else "rcode_N".
std::string RcodeError(int rcode);

DnsResult Resolve(const std::string& name, const DnsConfig& config, io::Deadline deadline);

}  // namespace posdiag::drivers::network
