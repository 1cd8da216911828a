// One MQTT 5 connection through libmosquitto, which comes from the module posdiag-mqtt.so
// (mosquitto_client.cc, io/module.h): Client::Create loads it the first time, so a terminal
// without [fleet] never maps libmosquitto or the OpenSSL it brings. A program that links the
// module's code (posdiag::mqtt_mosquitto: the tests, the desk's posdiag-fleet) uses it directly.
// The broker URL is pure and needs no module.
// The owner's thread drives a client, either from an epoll loop (fd(), WantWrite(), OnReadable(),
// OnWritable(), NextService()/Service()) or, in a command-line tool, with WaitFor(), which does
// the same with a deadline. Nothing in it blocks past the deadline it is given: the broker's name
// is looked up on a thread of its own first (docs/fleet.md). The first client sets SIGPIPE to
// ignored when it was left at its default.
// Example:
//   auto client = mqtt::Client::Create(options, callbacks);
//   (*client)->Connect();                                  // starts; `connected` says when it is
//   up
//   (*client)->WaitFor([&] { return up; }, deadline);
//   auto mid = (*client)->Publish("posdiag/v1/t1/report", json, /*retain=*/false);
//   (*client)->WaitFor([&] { return acked.count(*mid); }, deadline);
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "drivers/base/clock.h"
#include "drivers/base/result.h"

namespace posdiag::drivers::mqtt {

struct BrokerUrl {
  bool tls = true;
  std::string host;
  int port = 8883;
};

// "mqtts://HOST[:PORT]" (port 8883 by default) or "mqtt://HOST[:PORT]" (1883), the latter only
// when HOST is loopback (localhost, 127.0.0.0/8, ::1): reports never cross a network in clear.
// An IPv6 address is written in brackets: mqtts://[::1]:8883.
Result<BrokerUrl> ParseBrokerUrl(std::string_view url);
std::string BrokerUrlText(const BrokerUrl& url);

// True for localhost, 127.0.0.0/8 and ::1.
bool IsLoopbackHost(std::string_view host);

// File paths as this process opens them (the caller has put terminal paths under [system] root).
struct TlsFiles {
  std::string ca_file;    // the broker's CA; empty: the system's CA store
  std::string cert_file;  // this client's certificate (mutual TLS); empty: none
  std::string key_file;
};

struct Will {
  std::string topic;
  std::string payload;
  bool retain = true;  // QoS 1
};

struct Options {
  BrokerUrl broker;
  TlsFiles tls;
  std::string client_id;
  std::chrono::seconds keepalive{60};
  std::optional<Will> will;
  // A session the broker keeps while this client is away: its subscriptions stay and QoS 1
  // messages for it are queued (the desk's collectors: a report published while they are down
  // is not lost). Needs a client_id that stays the same across restarts. Spoken as MQTT 3.1.1
  // with clean_session false: libmosquitto can give MQTT 5's session expiry only to a blocking
  // connect. A terminal never sets it (it needs MQTT 5's refusal codes).
  bool persistent_session = false;
  // Looks the broker's host name up: Ok when it resolves. Runs on a thread of its own, for a
  // name (not an address) only. Empty: the system resolver (getaddrinfo).
  std::function<Result<void>(const std::string& host)> lookup;
};

struct Message {
  std::string topic;
  std::string payload;
  bool retained = false;
};

class Client {
 public:
  // Called from inside Connect/OnReadable/OnWritable/Service: they must not call Connect() or
  // destroy the client (schedule a reconnection instead).
  struct Callbacks {
    std::function<void()> connected;
    // The connection went or could not be made; `why` is readable ("TLS: certificate expired").
    std::function<void(const std::string& why)> disconnected;
    // The broker's PUBACK for a QoS 1 publish; `refused` when its reason code is a failure (0x87
    // not authorized: the ACL did not allow the topic). Not called for a message the broker never
    // acknowledged (the connection went first): the caller sends it again.
    std::function<void(int mid, const std::optional<std::string>& refused)> acknowledged;
    std::function<void(const Message&)> message;
  };

  // A client, from posdiag-mqtt.so: an error names the module and why it could not be loaded
  // ("posdiag-mqtt.so: not found beside the binary (...) nor in ..."), or what is wrong with
  // the options.
  static Result<std::unique_ptr<Client>> Create(const Options& options, Callbacks callbacks);
  virtual ~Client() = default;

  // Starts connecting: a broker given by name is first looked up on a thread of its own (the
  // system resolver has no deadline: a DNS server that does not answer holds it for ten seconds
  // and more), then the TCP and TLS connection is made without blocking. An error when it cannot
  // even start (bad files, no route, an address that does not resolve); otherwise `connected` or
  // `disconnected` follows (`disconnected` also when the name does not resolve).
  virtual Result<void> Connect() = 0;
  virtual void Disconnect() = 0;
  virtual bool connected() const = 0;

  // QoS 1. Returns the message id that `acknowledged` will name.
  virtual Result<int> Publish(const std::string& topic, std::string_view payload,
                              bool retain = false) = 0;
  virtual Result<void> Subscribe(const std::string& pattern) = 0;

  // For an epoll loop.
  virtual int fd() const = 0;
  virtual bool WantWrite() const = 0;
  virtual void OnReadable() = 0;
  virtual void OnWritable() = 0;
  // When the keepalive (a PINGREQ, or the check that a PINGRESP came) is next due.
  virtual std::optional<std::chrono::steady_clock::time_point> NextService() const = 0;
  virtual void Service() = 0;

  // Drives the connection until `done()` or the deadline (poll(2) on fd()): kTimeout, or the
  // error that ended the connection.
  virtual Result<void> WaitFor(const std::function<bool()>& done, io::Deadline deadline) = 0;
};

// What posdiag-mqtt.so gives: its entry kModuleEntry returns one.
inline constexpr std::string_view kModuleFile = "posdiag-mqtt.so";
inline constexpr const char* kModuleEntry = "posdiag_mqtt_module_v1";
class ClientModule {
 public:
  virtual Result<std::unique_ptr<Client>> Create(const Options& options,
                                                 Client::Callbacks callbacks) const = 0;

 protected:
  ~ClientModule() = default;
};

}  // namespace posdiag::drivers::mqtt
