// posdiag-mqtt.so: the MQTT client of mqtt_client.h through libmosquitto, the only file that
// includes mosquitto.h. Built as the module and, for programs that link it instead, as objects
// (drivers/mqtt/CMakeLists.txt).
#include <arpa/inet.h>
#include <mosquitto.h>
#include <mqtt_protocol.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>
#include <utility>

#include "drivers/mqtt/mqtt_client.h"

namespace posdiag::drivers::mqtt {
namespace {

using std::chrono::seconds;
using std::chrono::steady_clock;

// While a lookup runs, the owner's loop looks at it this often.
constexpr std::chrono::milliseconds kLookupPoll{50};
// A lookup not over by then is given up (its thread is left to end by itself).
constexpr seconds kLookupLimit{30};

Result<void> SystemLookup(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (found != nullptr) ::freeaddrinfo(found);
  if (rc == 0) return Ok();
  return Error{ErrorKind::kNotFound, ::gai_strerror(rc)};
}

// An address needs no lookup; a name, even one in /etc/hosts, is looked up first.
bool NeedsLookup(const std::string& host) {
  in6_addr v6{};
  in_addr v4{};
  return ::inet_pton(AF_INET, host.c_str(), &v4) != 1 &&
         ::inet_pton(AF_INET6, host.c_str(), &v6) != 1;
}

void InitLibrary() {
  static std::once_flag once;
  std::call_once(once, [] {
    mosquitto_lib_init();
    // libmosquitto writes to sockets the broker may have closed (through OpenSSL, without
    // MSG_NOSIGNAL): a write error must be an error, not the death of the process.
    struct sigaction current {};
    if (::sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) {
      std::signal(SIGPIPE, SIG_IGN);
    }
  });
}

// A certificate that has run out: said before connecting, so the error names the file and the
// date rather than the broker's TLS alert alone.
std::optional<std::string> ExpiredCertificate(const std::string& path) {
  std::FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) return std::nullopt;
  X509* cert = PEM_read_X509(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  if (cert == nullptr) return std::nullopt;
  std::optional<std::string> expired;
  const ASN1_TIME* not_after = X509_get0_notAfter(cert);
  if (X509_cmp_current_time(not_after) < 0) {
    struct tm when {};
    if (ASN1_TIME_to_tm(not_after, &when) == 1) {
      char text[32];
      std::strftime(text, sizeof text, "%Y-%m-%d", &when);
      expired = "the client certificate " + path + " expired on " + text;
    } else {
      expired = "the client certificate " + path + " has expired";
    }
  }
  X509_free(cert);
  return expired;
}

Result<void> Readable(const std::string& what, const std::string& path) {
  if (path.empty()) return Ok();
  std::FILE* file = std::fopen(path.c_str(), "r");
  if (file == nullptr) return ErrnoError(what + " " + path, errno);
  std::fclose(file);
  return Ok();
}

// The Client of mqtt_client.h on one libmosquitto handle at a time.
class MosquittoClient final : public Client {
 public:
  static Result<std::unique_ptr<Client>> Create(const Options& options, Callbacks callbacks);
  ~MosquittoClient() override;

  Result<void> Connect() override;
  void Disconnect() override;
  bool connected() const override { return connected_; }
  Result<int> Publish(const std::string& topic, std::string_view payload, bool retain) override;
  Result<void> Subscribe(const std::string& pattern) override;
  int fd() const override;
  bool WantWrite() const override;
  void OnReadable() override;
  void OnWritable() override;
  std::optional<std::chrono::steady_clock::time_point> NextService() const override;
  void Service() override;
  Result<void> WaitFor(const std::function<bool()>& done, io::Deadline deadline) override;

 private:
  struct Impl;
  explicit MosquittoClient(std::unique_ptr<Impl> impl);
  void Dropped(const std::string& why);
  void Abort(const std::string& why);
  bool ConnectFailed();
  void Check(int rc);
  // The TCP and TLS part of Connect(), once the name is known to resolve.
  Result<void> ConnectNow();
  // While the lookup runs: whether it has ended (then connects or says why not).
  void CheckLookup();

  std::unique_ptr<Impl> impl_;
  bool connected_ = false;
  // While a connection is being made: when it is given up.
  std::optional<std::chrono::steady_clock::time_point> connect_by_;
};

struct MosquittoClient::Impl {
  // A lookup on its own thread; the thread keeps it alive, so the client may go first.
  struct Lookup {
    std::mutex mutex;
    std::optional<Result<void>> result;
  };

  Options options;
  Callbacks callbacks;
  mosquitto* mosq = nullptr;
  std::shared_ptr<Lookup> lookup;  // set while the broker's name is being looked up
  steady_clock::time_point lookup_by;
  steady_clock::time_point lookup_check;  // when the owner's loop looks at it next
  std::string last_error;                 // the library's last error line (OpenSSL's reason, say)
  std::string expired_note;               // the client certificate has run out
  steady_clock::time_point last_io = steady_clock::now();
  MosquittoClient* owner = nullptr;

  // A new libmosquitto handle with every option set: one per connection attempt, so an attempt
  // that goes nowhere can be dropped whole (libmosquitto cannot abandon a connect in progress).
  Result<void> Open();
  void Close() {
    if (mosq != nullptr) mosquitto_destroy(mosq);
    mosq = nullptr;
  }
  ~Impl() { Close(); }
};

Result<void> MosquittoClient::Impl::Open() {
  Close();
  mosq = mosquitto_new(options.client_id.empty() ? nullptr : options.client_id.c_str(),
                       !options.persistent_session, this);
  if (mosq == nullptr) return ErrnoError("mosquitto_new", errno);
  mosquitto* m = mosq;
  mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION,
                       options.persistent_session ? MQTT_PROTOCOL_V311 : MQTT_PROTOCOL_V5);
  // A report is one small write, then a wait for its PUBACK: with Nagle's algorithm it waited for
  // the peer's delayed ACK of the previous packet, some 40 ms a hop (tests/bench/fleet_latency.sh).
  mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
  if (options.broker.tls) {
    const char* ca = options.tls.ca_file.empty() ? nullptr : options.tls.ca_file.c_str();
    const char* capath = ca == nullptr ? "/etc/ssl/certs" : nullptr;
    const char* cert = options.tls.cert_file.empty() ? nullptr : options.tls.cert_file.c_str();
    const char* key = options.tls.key_file.empty() ? nullptr : options.tls.key_file.c_str();
    if (int rc = mosquitto_tls_set(m, ca, capath, cert, key, nullptr); rc != MOSQ_ERR_SUCCESS) {
      return Error{ErrorKind::kInvalid, std::string("TLS files: ") + mosquitto_strerror(rc) +
                                            " (is the key the certificate's, and are both PEM?)"};
    }
    mosquitto_tls_opts_set(m, 1, "tlsv1.2", nullptr);
  }
  if (options.will) {
    const Will& will = *options.will;
    if (int rc = mosquitto_will_set_v5(m, will.topic.c_str(), static_cast<int>(will.payload.size()),
                                       will.payload.data(), 1, will.retain, nullptr);
        rc != MOSQ_ERR_SUCCESS) {
      return Error{ErrorKind::kInvalid, std::string("last will: ") + mosquitto_strerror(rc)};
    }
  }
  mosquitto_log_callback_set(m, [](mosquitto*, void* self, int level, const char* line) {
    if (level == MOSQ_LOG_ERR || level == MOSQ_LOG_WARNING) {
      static_cast<Impl*>(self)->last_error = line;
    }
  });
  mosquitto_connect_v5_callback_set(
      m, [](mosquitto*, void* self, int rc, int /*flags*/, const mosquitto_property*) {
        auto* state = static_cast<Impl*>(self);
        if (rc == 0) {
          state->owner->connected_ = true;
          state->owner->connect_by_.reset();
          state->last_error.clear();
          if (state->callbacks.connected) state->callbacks.connected();
          return;
        }
        state->owner->Dropped(std::string("the broker refused the connection: ") +
                              mosquitto_reason_string(rc));
      });
  mosquitto_disconnect_v5_callback_set(
      m, [](mosquitto*, void* self, int rc, const mosquitto_property*) {
        auto* state = static_cast<Impl*>(self);
        std::string why = rc == MOSQ_ERR_SUCCESS ? std::string("disconnected")
                                                 : std::string(mosquitto_strerror(rc));
        state->owner->Dropped(why);
      });
  mosquitto_publish_v5_callback_set(
      m, [](mosquitto*, void* self, int mid, int reason, const mosquitto_property*) {
        auto* state = static_cast<Impl*>(self);
        std::optional<std::string> refused;
        if (reason >= 0x80) refused = mosquitto_reason_string(reason);
        if (state->callbacks.acknowledged) state->callbacks.acknowledged(mid, refused);
      });
  mosquitto_message_v5_callback_set(
      m, [](mosquitto*, void* self, const mosquitto_message* msg, const mosquitto_property*) {
        auto* state = static_cast<Impl*>(self);
        if (!state->callbacks.message || msg == nullptr || msg->topic == nullptr) return;
        Message out;
        out.topic = msg->topic;
        if (msg->payload != nullptr && msg->payloadlen > 0) {
          out.payload.assign(static_cast<const char*>(msg->payload),
                             static_cast<std::size_t>(msg->payloadlen));
        }
        out.retained = msg->retain;
        state->callbacks.message(out);
      });
  return Ok();
}

MosquittoClient::MosquittoClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {
  impl_->owner = this;
}

MosquittoClient::~MosquittoClient() {
  if (!impl_) return;
  impl_->callbacks = {};  // the owner may be half destroyed: tell it nothing now
  Disconnect();
}

Result<std::unique_ptr<Client>> MosquittoClient::Create(const Options& options,
                                                        Callbacks callbacks) {
  InitLibrary();
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->callbacks = std::move(callbacks);
  if (options.persistent_session && options.client_id.empty()) {
    return Error{ErrorKind::kInvalid, "a persistent session needs a client ID"};
  }
  if (options.tls.cert_file.empty() != options.tls.key_file.empty()) {
    return Error{ErrorKind::kInvalid,
                 "a client certificate needs its key, and a key its certificate"};
  }
  if (options.broker.tls) {
    if (auto r = Readable("CA file", options.tls.ca_file); !r) return r.error();
    if (auto r = Readable("client certificate", options.tls.cert_file); !r) return r.error();
    if (auto r = Readable("client key", options.tls.key_file); !r) return r.error();
    if (!options.tls.cert_file.empty()) {
      impl->expired_note = ExpiredCertificate(options.tls.cert_file).value_or("");
    }
  }
  if (auto opened = impl->Open(); !opened) return opened.error();
  return std::unique_ptr<Client>(new MosquittoClient(std::move(impl)));
}

void MosquittoClient::Dropped(const std::string& why) {
  connected_ = false;
  connect_by_.reset();
  std::string text = why;
  if (!impl_->last_error.empty() && impl_->last_error.find("OpenSSL") != std::string::npos) {
    text += " (" + impl_->last_error + ")";
  }
  if (!impl_->expired_note.empty()) text += "; " + impl_->expired_note;
  impl_->last_error = text;
  if (impl_->callbacks.disconnected) impl_->callbacks.disconnected(text);
}

void MosquittoClient::Abort(const std::string& why) {
  impl_->Close();
  Dropped(why);
}

bool MosquittoClient::ConnectFailed() {
  if (connected_ || !connect_by_) return false;
  const int sock = fd();
  if (sock < 0) return false;
  int err = 0;
  socklen_t len = sizeof err;
  if (::getsockopt(sock, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
  std::string why = std::strerror(err);
  if (err == 0) {
    // The error may have been taken already by the library's first TLS write. A socket hung up
    // before the MQTT session: refused, unless its TCP handshake completed (the kernel measured a
    // round trip on the SYN-ACK), in which case the broker, or something in the way, reset it in
    // the middle of the TLS handshake.
    pollfd p{sock, POLLOUT, 0};
    if (::poll(&p, 1, 0) != 1 || !(p.revents & (POLLHUP | POLLERR))) return false;
    tcp_info info{};
    socklen_t info_len = sizeof info;
    const bool known = ::getsockopt(sock, IPPROTO_TCP, TCP_INFO, &info, &info_len) == 0 &&
                       info_len >= offsetof(tcp_info, tcpi_rtt) + sizeof info.tcpi_rtt;
    if (!known) {
      // No TCP_INFO (an emulator's): which of the two it was cannot be told.
      why = "Connection refused, or reset before the session began";
    } else if (info.tcpi_rtt > 0) {
      why = std::string(std::strerror(ECONNRESET)) +
            (impl_->options.broker.tls ? " during the TLS handshake" : "");
    } else {
      why = std::strerror(ECONNREFUSED);
    }
  }
  // libmosquitto would wait on a refused TLS connect for ever: the attempt is dropped here.
  Abort("connect " + BrokerUrlText(impl_->options.broker) + ": " + why);
  return true;
}

Result<void> MosquittoClient::Connect() {
  const Options& o = impl_->options;
  if (!NeedsLookup(o.broker.host)) return ConnectNow();
  impl_->Close();
  connected_ = false;
  connect_by_.reset();
  auto lookup = std::make_shared<Impl::Lookup>();
  std::function<Result<void>(const std::string&)> how = SystemLookup;
  if (o.lookup) how = o.lookup;
  try {
    std::thread([lookup, how, host = o.broker.host] {
      Result<void> result = how(host);
      const std::lock_guard lock(lookup->mutex);
      lookup->result = std::move(result);
    }).detach();
  } catch (const std::system_error& e) {
    return Error{ErrorKind::kIo, "connect " + BrokerUrlText(o.broker) + ": lookup: " + e.what()};
  }
  impl_->lookup = std::move(lookup);
  impl_->lookup_by = steady_clock::now() + kLookupLimit;
  impl_->lookup_check = steady_clock::now() + kLookupPoll;
  return Ok();
}

void MosquittoClient::CheckLookup() {
  if (!impl_->lookup) return;
  std::optional<Result<void>> result;
  {
    const std::lock_guard lock(impl_->lookup->mutex);
    result = impl_->lookup->result;
  }
  const std::string where = "connect " + BrokerUrlText(impl_->options.broker);
  if (!result) {
    impl_->lookup_check = steady_clock::now() + kLookupPoll;
    if (steady_clock::now() < impl_->lookup_by) return;
    impl_->lookup.reset();
    Dropped(where + ": the name did not resolve within " + std::to_string(kLookupLimit.count()) +
            " s");
    return;
  }
  impl_->lookup.reset();
  if (!*result) {
    Dropped(where + ": the name does not resolve (" + result->error().detail + ")");
    return;
  }
  // libmosquitto looks the name up again, as the server has just answered it.
  if (auto started = ConnectNow(); !started) Dropped(started.error().detail);
}

Result<void> MosquittoClient::ConnectNow() {
  if (auto opened = impl_->Open(); !opened) return opened.error();
  impl_->last_error.clear();
  const Options& o = impl_->options;
  const int rc = mosquitto_connect_async(impl_->mosq, o.broker.host.c_str(), o.broker.port,
                                         static_cast<int>(o.keepalive.count()));
  impl_->last_io = steady_clock::now();
  if (rc == MOSQ_ERR_SUCCESS) {
    connect_by_ = steady_clock::now() +
                  std::min<std::chrono::steady_clock::duration>(o.keepalive, seconds(30));
    return Ok();
  }
  const int err = errno;
  impl_->Close();
  const std::string where = BrokerUrlText(o.broker);
  Error error{ErrorKind::kIo, ""};
  if (rc == MOSQ_ERR_ERRNO) {
    error = ErrnoError("connect " + where, err);
  } else if (rc == MOSQ_ERR_EAI) {
    error = Error{ErrorKind::kNotFound, "connect " + where + ": the name does not resolve"};
  } else {
    error.detail = "connect " + where + ": " + mosquitto_strerror(rc);
    if (!impl_->last_error.empty()) error.detail += " (" + impl_->last_error + ")";
  }
  if (!impl_->expired_note.empty()) error.detail += "; " + impl_->expired_note;
  impl_->last_error = error.detail;  // what WaitFor says when asked to wait on no connection
  return error;
}

void MosquittoClient::Disconnect() {
  impl_->lookup.reset();  // its thread ends by itself
  if (impl_->mosq != nullptr && connected_) mosquitto_disconnect(impl_->mosq);
  impl_->Close();
  connected_ = false;
  connect_by_.reset();
}

Result<int> MosquittoClient::Publish(const std::string& topic, std::string_view payload,
                                     bool retain) {
  if (impl_->mosq == nullptr || !connected_) {
    return Error{ErrorKind::kIo, "publish " + topic + ": not connected"};
  }
  int mid = 0;
  const int rc =
      mosquitto_publish_v5(impl_->mosq, &mid, topic.c_str(), static_cast<int>(payload.size()),
                           payload.data(), 1, retain, nullptr);
  if (rc != MOSQ_ERR_SUCCESS) {
    return Error{rc == MOSQ_ERR_NO_CONN ? ErrorKind::kIo : ErrorKind::kInvalid,
                 "publish " + topic + ": " + mosquitto_strerror(rc)};
  }
  impl_->last_io = steady_clock::now();
  return mid;
}

Result<void> MosquittoClient::Subscribe(const std::string& pattern) {
  if (impl_->mosq == nullptr || !connected_) {
    return Error{ErrorKind::kIo, "subscribe " + pattern + ": not connected"};
  }
  const int rc = mosquitto_subscribe_v5(impl_->mosq, nullptr, pattern.c_str(), 1, 0, nullptr);
  if (rc != MOSQ_ERR_SUCCESS) {
    return Error{ErrorKind::kIo, "subscribe " + pattern + ": " + mosquitto_strerror(rc)};
  }
  impl_->last_io = steady_clock::now();
  return Ok();
}

int MosquittoClient::fd() const {
  return impl_->mosq == nullptr ? -1 : mosquitto_socket(impl_->mosq);
}

bool MosquittoClient::WantWrite() const {
  if (impl_->mosq == nullptr) return false;
  // While connecting, the first writable moment is when the TCP connection is made (or fails).
  return mosquitto_want_write(impl_->mosq) || (!connected_ && connect_by_.has_value());
}

void MosquittoClient::OnReadable() {
  if (impl_->mosq == nullptr || ConnectFailed()) return;
  impl_->last_io = steady_clock::now();
  Check(mosquitto_loop_read(impl_->mosq, 16));
}

void MosquittoClient::OnWritable() {
  if (impl_->mosq == nullptr || ConnectFailed()) return;
  impl_->last_io = steady_clock::now();
  Check(mosquitto_loop_write(impl_->mosq, 16));
}

void MosquittoClient::Check(int rc) {
  // A TLS handshake that fails closes the socket without the disconnect callback.
  if (rc != MOSQ_ERR_SUCCESS && fd() < 0 && (connected_ || connect_by_)) {
    Dropped(std::string(mosquitto_strerror(rc)));
  }
}

std::optional<steady_clock::time_point> MosquittoClient::NextService() const {
  if (impl_->lookup) return impl_->lookup_check;
  if (fd() < 0) return std::nullopt;
  if (!connected_ && connect_by_) return connect_by_;
  // libmosquitto counts whole seconds: a second past the keepalive, the PINGREQ is surely due.
  return impl_->last_io + impl_->options.keepalive + seconds(1);
}

void MosquittoClient::Service() {
  if (impl_->lookup) {
    CheckLookup();
    return;
  }
  if (impl_->mosq == nullptr) return;
  if (!connected_ && connect_by_) {
    if (steady_clock::now() >= *connect_by_) {
      Abort("connect " + BrokerUrlText(impl_->options.broker) + ": no answer in time");
    }
    return;
  }
  impl_->last_io = steady_clock::now();
  mosquitto_loop_misc(impl_->mosq);
}

Result<void> MosquittoClient::WaitFor(const std::function<bool()>& done, io::Deadline deadline) {
  while (!done()) {
    if (impl_->lookup) {
      if (deadline.Expired()) {
        return Error{ErrorKind::kTimeout, "connect " + BrokerUrlText(impl_->options.broker) +
                                              ": the name was not resolved in time"};
      }
      std::this_thread::sleep_for(std::min<std::chrono::milliseconds>(
          kLookupPoll, std::max(deadline.Remaining(), std::chrono::milliseconds(1))));
      CheckLookup();
      continue;
    }
    const int sock = fd();
    if (sock < 0) {
      return Error{ErrorKind::kIo, impl_->last_error.empty() ? "not connected" : impl_->last_error};
    }
    if (deadline.Expired()) return Error{ErrorKind::kTimeout, "no answer from the broker in time"};
    pollfd p{sock, static_cast<short>(POLLIN | (WantWrite() ? POLLOUT : 0)), 0};
    auto wait = deadline.Remaining();
    if (auto next = NextService()) {
      const auto until =
          std::chrono::duration_cast<std::chrono::milliseconds>(*next - steady_clock::now());
      wait = std::max(std::chrono::milliseconds(0), std::min(wait, until));
    }
    const int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(wait.count(), 1000)));
    if (n < 0 && errno != EINTR) return ErrnoError("poll", errno);
    if (n > 0) {
      if (p.revents & (POLLIN | POLLERR | POLLHUP)) OnReadable();
      if (fd() >= 0 && (p.revents & POLLOUT)) OnWritable();
    }
    if (fd() >= 0) {
      if (auto next = NextService(); next && steady_clock::now() >= *next) Service();
    }
  }
  return Ok();
}

class MosquittoModule final : public ClientModule {
 public:
  Result<std::unique_ptr<Client>> Create(const Options& options,
                                         Client::Callbacks callbacks) const override {
    return MosquittoClient::Create(options, std::move(callbacks));
  }
};

}  // namespace
}  // namespace posdiag::drivers::mqtt

extern "C" __attribute__((visibility("default"))) const posdiag::drivers::mqtt::ClientModule*
posdiag_mqtt_module_v1() {
  static const posdiag::drivers::mqtt::MosquittoModule module{};
  return &module;
}
