#include <arpa/inet.h>

#include "drivers/mqtt/mqtt_client.h"

namespace posdiag::drivers::mqtt {
namespace {

Result<int> ParsePort(std::string_view text, std::string_view url) {
  int port = 0;
  if (text.empty() || text.size() > 5) {
    return Error{ErrorKind::kInvalid, "broker " + std::string(url) + ": bad port"};
  }
  for (char c : text) {
    if (c < '0' || c > '9') {
      return Error{ErrorKind::kInvalid, "broker " + std::string(url) + ": bad port"};
    }
    port = port * 10 + (c - '0');
  }
  if (port < 1 || port > 65535) {
    return Error{ErrorKind::kInvalid, "broker " + std::string(url) + ": port out of range"};
  }
  return port;
}

}  // namespace

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr v4{};
  const std::string text(host);
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  return false;
}

Result<BrokerUrl> ParseBrokerUrl(std::string_view url) {
  BrokerUrl out;
  std::string_view rest;
  if (url.rfind("mqtts://", 0) == 0) {
    out.tls = true;
    out.port = 8883;
    rest = url.substr(8);
  } else if (url.rfind("mqtt://", 0) == 0) {
    out.tls = false;
    out.port = 1883;
    rest = url.substr(7);
  } else {
    return Error{ErrorKind::kInvalid, "broker " + std::string(url) +
                                          ": expected mqtts://HOST:PORT (or mqtt:// on loopback)"};
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos || rest.find('@') != std::string_view::npos) {
    return Error{ErrorKind::kInvalid,
                 "broker " + std::string(url) + ": only HOST:PORT may follow the scheme"};
  }
  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string_view::npos) {
      return Error{ErrorKind::kInvalid, "broker " + std::string(url) + ": unclosed ["};
    }
    out.host = std::string(rest.substr(1, close - 1));
    std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return Error{ErrorKind::kInvalid, "broker " + std::string(url) + ": bad port"};
      }
      port_text = after.substr(1);
      if (port_text.empty()) {
        return Error{ErrorKind::kInvalid, "broker " + std::string(url) + ": bad port"};
      }
    }
  } else {
    const auto colon = rest.rfind(':');
    if (colon != std::string_view::npos) {
      out.host = std::string(rest.substr(0, colon));
      port_text = rest.substr(colon + 1);
      if (port_text.empty()) {
        return Error{ErrorKind::kInvalid, "broker " + std::string(url) + ": bad port"};
      }
    } else {
      out.host = std::string(rest);
    }
  }
  if (out.host.empty()) {
    return Error{ErrorKind::kInvalid, "broker " + std::string(url) + ": no host"};
  }
  if (!port_text.empty()) {
    auto port = ParsePort(port_text, url);
    if (!port) return port.error();
    out.port = *port;
  }
  if (!out.tls && !IsLoopbackHost(out.host)) {
    return Error{ErrorKind::kInvalid, "broker " + std::string(url) +
                                          ": mqtt:// (no TLS) is allowed only on loopback; use "
                                          "mqtts://"};
  }
  return out;
}

std::string BrokerUrlText(const BrokerUrl& url) {
  const bool v6 = url.host.find(':') != std::string::npos;
  return std::string(url.tls ? "mqtts://" : "mqtt://") + (v6 ? "[" : "") + url.host +
         (v6 ? "]" : "") + ":" + std::to_string(url.port);
}

}  // namespace posdiag::drivers::mqtt
