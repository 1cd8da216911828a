#include "drivers/network/endpoint.h"

#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <cstring>

namespace posdiag::drivers::network {
namespace {

constexpr std::size_t kMaxHostLength = 253;
constexpr std::size_t kMaxLabelLength = 63;

Error Invalid(std::string_view text, std::string why) {
  return Error{ErrorKind::kInvalid, "payment_host \"" + std::string(text) + "\": " + why};
}

// RFC 1123 host names; '_' is accepted too, as private zones use it.
bool IsDnsName(std::string_view host) {
  if (host.empty() || host.size() > kMaxHostLength) return false;
  if (host.back() == '.') host.remove_suffix(1);
  std::size_t label = 0;
  for (std::size_t i = 0; i <= host.size(); ++i) {
    if (i == host.size() || host[i] == '.') {
      if (label == 0 || label > kMaxLabelLength) return false;
      if (host[i - 1] == '-' || host[i - label] == '-') return false;
      label = 0;
      continue;
    }
    const char c = host[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_';
    if (!ok) return false;
    ++label;
  }
  return true;
}

}  // namespace

std::optional<IpAddress> ParseIpLiteral(std::string_view text) {
  if (text.empty() || text.size() >= INET6_ADDRSTRLEN) return std::nullopt;
  const std::string s(text);
  IpAddress a;
  if (::inet_pton(AF_INET, s.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET;
  } else if (::inet_pton(AF_INET6, s.c_str(), a.bytes.data()) == 1) {
    a.family = AF_INET6;
  } else {
    return std::nullopt;
  }
  char buf[INET6_ADDRSTRLEN] = {};
  ::inet_ntop(a.family, a.bytes.data(), buf, sizeof buf);
  a.text = buf;
  return a;
}

Result<HostPort> ParseHostPort(std::string_view text) {
  if (text.empty()) return Invalid(text, "empty; expected host:port");
  std::string_view host;
  std::string_view port;
  if (text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return Invalid(text, "'[' without ']'");
    host = text.substr(1, close - 1);
    if (close + 1 >= text.size() || text[close + 1] != ':') {
      return Invalid(text, "expected :port after ']'");
    }
    port = text.substr(close + 2);
    const auto lit = ParseIpLiteral(host);
    if (!lit || lit->family != AF_INET6) return Invalid(text, "not an IPv6 address in brackets");
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) return Invalid(text, "no port; expected host:port");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return Invalid(text, "an IPv6 address needs brackets: [address]:port");
    }
  }
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value == 0 ||
      value > 65535) {
    return Invalid(text, "port must be a number from 1 to 65535");
  }
  HostPort hp;
  hp.host = std::string(host);
  hp.port = static_cast<std::uint16_t>(value);
  hp.literal = ParseIpLiteral(host);
  if (!hp.literal && !IsDnsName(host)) return Invalid(text, "host is not a valid name or address");
  return hp;
}

}  // namespace posdiag::drivers::network
