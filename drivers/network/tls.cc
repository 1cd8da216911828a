#include "drivers/network/tls.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <ctime>
#include <memory>
#include <vector>

namespace posdiag::drivers::network {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, Deleter<SSL_CTX, SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, Deleter<SSL, SSL_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;

std::string OpenSslError(std::string_view what) {
  const unsigned long e = ERR_get_error();
  ERR_clear_error();
  if (e == 0) return std::string(what);
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return std::string(what) + ": " + buf;
}

std::optional<std::int64_t> EpochSeconds(const ASN1_TIME* t) {
  std::tm tm{};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return std::nullopt;
  return static_cast<std::int64_t>(::timegm(&tm));
}

bool Names(X509* cert, std::string_view identity) {
  const std::string id(identity);
  if (ParseIpLiteral(identity)) return X509_check_ip_asc(cert, id.c_str(), 0) == 1;
  return X509_check_host(cert, id.c_str(), id.size(), 0, nullptr) == 1;
}

std::string SubjectText(X509* cert) {
  X509_NAME* subject = X509_get_subject_name(cert);
  if (subject == nullptr) return {};
  std::array<char, 256> cn{};
  const int n = X509_NAME_get_text_by_NID(subject, NID_commonName, cn.data(), cn.size());
  if (n > 0) return std::string(cn.data(), static_cast<std::size_t>(n));
  char* line = X509_NAME_oneline(subject, nullptr, 0);
  if (line == nullptr) return {};
  std::string out(line);
  OPENSSL_free(line);
  return out;
}

// The chain verified against the trust anchors with the time check off: "does it lead to a CA we
// trust" apart from "is it valid now". Returns the chain it built (or the peer's) for the dates.
bool VerifyIgnoringTime(SSL* ssl, X509* leaf, STACK_OF(X509) * peer_chain,
                        std::optional<std::int64_t>& not_before,
                        std::optional<std::int64_t>& not_after) {
  X509_STORE* store = SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl));
  StoreCtxPtr sctx(X509_STORE_CTX_new());
  bool trusted = false;
  STACK_OF(X509)* chain = peer_chain;
  if (sctx && X509_STORE_CTX_init(sctx.get(), store, leaf, peer_chain) == 1) {
    X509_STORE_CTX_set_default(sctx.get(), "ssl_server");
    X509_VERIFY_PARAM_set_flags(X509_STORE_CTX_get0_param(sctx.get()), X509_V_FLAG_NO_CHECK_TIME);
    trusted = X509_verify_cert(sctx.get()) == 1;
    if (trusted) chain = X509_STORE_CTX_get0_chain(sctx.get());
  }
  ERR_clear_error();
  auto window = [&](X509* cert) {
    const auto nb = EpochSeconds(X509_get0_notBefore(cert));
    const auto na = EpochSeconds(X509_get0_notAfter(cert));
    if (nb && (!not_before || *nb > *not_before)) not_before = nb;
    if (na && (!not_after || *na < *not_after)) not_after = na;
  };
  window(leaf);
  for (int i = 0; chain != nullptr && i < sk_X509_num(chain); ++i) window(sk_X509_value(chain, i));
  return trusted;
}

// What the message and read callbacks saw of the handshake.
struct Seen {
  bool cert_requested = false;
  bool ticket = false;  // a NewSessionTicket: a TLS 1.3 host that accepted the client
  std::optional<int> alert_received;
  std::uint64_t received = 0;            // bytes read from the host
  std::array<std::uint8_t, 32> first{};  // the first of them
  std::size_t first_len = 0;

  std::span<const std::uint8_t> First() const { return {first.data(), first_len}; }
};

// Counts and keeps the first bytes the socket BIO reads, before OpenSSL parses them: what a host
// that does not speak TLS sent is only known here.
long OnBioOperation(BIO* bio, int oper, const char* data, std::size_t /*len*/, int /*argi*/,
                    long /*argl*/, int ret, std::size_t* processed) {
  if (oper != (BIO_CB_READ | BIO_CB_RETURN) || ret <= 0 || processed == nullptr ||
      data == nullptr) {
    return ret;
  }
  auto* seen = reinterpret_cast<Seen*>(BIO_get_callback_arg(bio));
  const std::size_t n = std::min(*processed, seen->first.size() - seen->first_len);
  std::copy_n(reinterpret_cast<const std::uint8_t*>(data), n,
              seen->first.begin() + static_cast<std::ptrdiff_t>(seen->first_len));
  seen->first_len += n;
  seen->received += *processed;
  return ret;
}

// How the connection ended under a failed SSL_connect or SSL_read: `why` is SSL_get_error's
// answer, `err` the errno the call left. OpenSSL 3 reports an orderly close in the handshake as
// its "unexpected eof" error; before 3.0, as SSL_ERROR_SYSCALL with nothing queued and errno 0.
TlsConnectionEnd ConnectionEnd(int why, int err) {
  const unsigned long queued = ERR_peek_error();
  if (why == SSL_ERROR_ZERO_RETURN) return TlsConnectionEnd::kClosed;
  if (why == SSL_ERROR_SYSCALL) {
    if (queued != 0 && ERR_GET_LIB(queued) == ERR_LIB_SYS) err = ERR_GET_REASON(queued);
    if (err == ECONNRESET) return TlsConnectionEnd::kReset;
    if (queued == 0 && err == 0) return TlsConnectionEnd::kClosed;
    return TlsConnectionEnd::kOpen;
  }
#ifdef SSL_R_UNEXPECTED_EOF_WHILE_READING
  if (why == SSL_ERROR_SSL && ERR_GET_LIB(queued) == ERR_LIB_SSL &&
      ERR_GET_REASON(queued) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
    return TlsConnectionEnd::kClosed;
  }
#endif
  return TlsConnectionEnd::kOpen;
}

// The host's first bytes for a message: those OpenSSL read, and what else is waiting unread.
std::vector<std::uint8_t> FirstBytes(const Seen& seen, int fd) {
  std::vector<std::uint8_t> out(seen.First().begin(), seen.First().end());
  if (seen.received > seen.first_len) return out;  // more was read than kept: no gap to fill
  std::array<std::uint8_t, 32> more{};
  const std::size_t room = more.size() - std::min(out.size(), more.size());
  const ssize_t n = ::recv(fd, more.data(), room, MSG_PEEK | MSG_DONTWAIT);
  if (n > 0) out.insert(out.end(), more.begin(), more.begin() + n);
  return out;
}

void OnMessage(int write_p, int /*version*/, int content_type, const void* buf, std::size_t len,
               SSL* /*ssl*/, void* arg) {
  auto* seen = static_cast<Seen*>(arg);
  const auto* bytes = static_cast<const unsigned char*>(buf);
  if (write_p != 0 || len == 0) return;
  if (content_type == SSL3_RT_HANDSHAKE) {
    if (bytes[0] == SSL3_MT_CERTIFICATE_REQUEST) seen->cert_requested = true;
    if (bytes[0] == SSL3_MT_NEWSESSION_TICKET) seen->ticket = true;
  } else if (content_type == SSL3_RT_ALERT && len >= 2 && !seen->alert_received) {
    seen->alert_received = bytes[1];
  }
}

// Refuses every passphrase prompt: a key that needs one cannot be used unattended.
int NoPassphrase(char*, int, int, void*) { return 0; }

// Waits until the socket is ready for `events` or the deadline passes: 1 ready, 0 timeout, -1
// error.
int WaitFor(int fd, short events, io::Deadline deadline) {
  int ready = 0;
  do {
    pollfd p{fd, events, 0};
    ready = ::poll(&p, 1, static_cast<int>(deadline.Remaining().count()));
  } while ((ready < 0 && errno == EINTR) || (ready == 0 && !deadline.Expired()));
  return ready;
}

}  // namespace

Result<TlsReading> TlsHandshake(UniqueFd socket, const TlsOptions& options, io::Deadline deadline) {
  const auto start = std::chrono::steady_clock::now();
  TlsReading r;
  auto done = [&]() -> Result<TlsReading> {
    r.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - start);
    return std::move(r);
  };
  ERR_clear_error();
  auto make_ctx = [&]() -> Result<SslCtxPtr> {
    SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
    if (!ctx) return Error{ErrorKind::kIo, OpenSslError("TLS context")};
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
    // Verification must not abort the handshake: its result is read afterwards, as a fact.
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
    SSL_CTX_set_default_passwd_cb(ctx.get(), NoPassphrase);
    if (!options.ca_file.empty() &&
        SSL_CTX_load_verify_locations(ctx.get(), options.ca_file.c_str(), nullptr) != 1) {
      return Error{ErrorKind::kNotFound,
                   OpenSslError("ca_file " + options.ca_file.string() + " cannot be loaded")};
    }
    return ctx;
  };
  auto ctx = make_ctx();
  if (!ctx) return ctx.error();
  bool have_client_cert = false;
  if (!options.client_cert.empty() && !options.client_key.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx->get(), options.client_cert.c_str()) != 1) {
      r.client_cert_error = "unreadable";
    } else if (SSL_CTX_use_PrivateKey_file(ctx->get(), options.client_key.c_str(),
                                           SSL_FILETYPE_PEM) != 1) {
      r.client_cert_error = "key_unreadable";
    } else if (SSL_CTX_check_private_key(ctx->get()) != 1) {
      r.client_cert_error = "key_mismatch";
    } else {
      have_client_cert = true;
    }
    ERR_clear_error();
    if (!have_client_cert) {
      ctx = make_ctx();  // on without the half-loaded certificate
      if (!ctx) return ctx.error();
    }
  }
  Seen seen;
  SSL_CTX_set_msg_callback(ctx->get(), OnMessage);
  SSL_CTX_set_msg_callback_arg(ctx->get(), &seen);

  SslPtr ssl(SSL_new(ctx->get()));
  if (!ssl) return Error{ErrorKind::kIo, OpenSslError("TLS session")};
  if (!options.server_name.empty()) {
    SSL_set_tlsext_host_name(ssl.get(), options.server_name.c_str());
  }
  if (SSL_set_fd(ssl.get(), socket.get()) != 1) {
    return Error{ErrorKind::kIo, OpenSslError("TLS socket")};
  }
  BIO_set_callback_ex(SSL_get_rbio(ssl.get()), OnBioOperation);
  BIO_set_callback_arg(SSL_get_rbio(ssl.get()), reinterpret_cast<char*>(&seen));

  auto record = [&] {
    r.handshake_ok = false;
    r.alert = seen.alert_received;
    r.client_cert_requested = seen.cert_requested;
    r.client_cert_sent = seen.cert_requested && have_client_cert;
    r.bytes_received = seen.received;
  };
  auto answered = [&] {
    return seen.received == 0 ? std::string(", before the host answered")
                              : ", after " + std::to_string(seen.received) + " bytes from the host";
  };
  // A handshake that failed with the connection ended so; `after`: once the client had finished
  // its side (TLS 1.3, the host judging the terminal's certificate).
  auto failed = [&](TlsConnectionEnd end, bool after) {
    record();
    const TlsAnswerShape answer = ClassifyServerAnswer(seen.First());
    r.outcome = ClassifyTlsFailure({.cert_requested = r.client_cert_requested,
                                    .cert_sent = r.client_cert_sent,
                                    .alert = r.alert,
                                    .end = end,
                                    .answer = answer});
    const std::string when = after ? " after the handshake" : " during the handshake";
    if (answer == TlsAnswerShape::kNotTls) {
      r.error = "the host answered with bytes that are not TLS: " +
                DescribeBytes(FirstBytes(seen, socket.get()));
    } else if (r.alert) {
      r.error = "the host sent the alert " + TlsAlertName(*r.alert) + (after ? when : "");
    } else if (end == TlsConnectionEnd::kReset) {
      r.error = "the connection was reset (a TCP RST)" + when + answered();
    } else if (end == TlsConnectionEnd::kClosed) {
      r.error = "the host closed the connection" + when + answered();
    } else {
      r.error = OpenSslError("handshake failed");
    }
    ERR_clear_error();
  };

  for (;;) {
    errno = 0;
    const int rc = SSL_connect(ssl.get());
    const int err = errno;
    if (rc == 1) break;
    const int why = SSL_get_error(ssl.get(), rc);
    short events = 0;
    if (why == SSL_ERROR_WANT_READ) events = POLLIN;
    if (why == SSL_ERROR_WANT_WRITE) events = POLLOUT;
    if (events == 0) {
      failed(ConnectionEnd(why, err), false);
      return done();
    }
    const int ready = WaitFor(socket.get(), events, deadline);
    if (ready < 0) {
      const int poll_err = errno;
      failed(TlsConnectionEnd::kOpen, false);
      r.error = ErrnoError("poll", poll_err).detail;
      return done();
    }
    if (ready == 0) {
      // No whole answer in time: nothing at all, or a host (or a path) too slow to finish.
      record();
      r.outcome = TlsOutcome::kTimeout;
      r.error = "timeout";
      if (seen.received > 0) {
        r.error += " (the host had sent " + std::to_string(seen.received) + " bytes";
        if (ClassifyServerAnswer(seen.First()) == TlsAnswerShape::kNotTls) {
          r.error += ", not TLS: " + DescribeBytes(seen.First());
        }
        r.error += ")";
      }
      ERR_clear_error();
      return done();
    }
  }
  r.handshake_ok = true;
  r.outcome = TlsOutcome::kOk;
  r.protocol = SSL_get_version(ssl.get());
  r.client_cert_requested = seen.cert_requested;
  r.client_cert_sent = seen.cert_requested && have_client_cert;
  r.verify_code = SSL_get_verify_result(ssl.get());
  r.verify_result =
      r.verify_code == X509_V_OK ? "ok" : X509_verify_cert_error_string(r.verify_code);
  X509* leaf = SSL_get0_peer_certificate(ssl.get());
  if (leaf != nullptr) {
    r.certificate_seen = true;
    r.hostname_match = Names(leaf, options.identity);
    r.chain_trusted = VerifyIgnoringTime(ssl.get(), leaf, SSL_get_peer_cert_chain(ssl.get()),
                                         r.not_before_epoch_s, r.not_after_epoch_s);
  }

  // TLS 1.3: a host that asked for a certificate judges it only now. Its verdict is an alert, or
  // session tickets once it accepted the client; wait briefly for either.
  if (seen.cert_requested && SSL_version(ssl.get()) == TLS1_3_VERSION) {
    const io::Deadline verdict(
        std::min(deadline.at(), std::chrono::steady_clock::now() + options.verdict_wait));
    std::array<char, 256> sink{};
    while (!seen.ticket && !seen.alert_received) {
      errno = 0;
      const int n = SSL_read(ssl.get(), sink.data(), static_cast<int>(sink.size()));
      const int err = errno;
      if (n > 0) break;  // application data: the host took the session
      const int why = SSL_get_error(ssl.get(), n);
      if (why == SSL_ERROR_WANT_READ || why == SSL_ERROR_WANT_WRITE) {
        if (WaitFor(socket.get(), why == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, verdict) <= 0) {
          break;  // no verdict in time: the session stands
        }
        continue;
      }
      failed(ConnectionEnd(why, err), true);
      return done();
    }
    if (seen.alert_received) {
      failed(TlsConnectionEnd::kOpen, true);
      return done();
    }
  }
  r.bytes_received = seen.received;
  // A polite close; its answer is not awaited.
  SSL_shutdown(ssl.get());
  ERR_clear_error();
  return done();
}

Result<std::vector<CertificateInfo>> ParsePemCertificates(std::string_view pem) {
  if (pem.size() > static_cast<std::size_t>(INT_MAX)) {
    return Error{ErrorKind::kParse, "too large for a PEM file"};
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Error{ErrorKind::kIo, "out of memory"};
  std::vector<CertificateInfo> out;
  for (;;) {
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr));
    if (!cert) break;
    CertificateInfo info;
    info.subject = SubjectText(cert.get());
    info.not_before_epoch_s = EpochSeconds(X509_get0_notBefore(cert.get()));
    info.not_after_epoch_s = EpochSeconds(X509_get0_notAfter(cert.get()));
    out.push_back(std::move(info));
  }
  ERR_clear_error();  // the end of the text reads as "no start line"
  if (out.empty()) return Error{ErrorKind::kParse, "no PEM certificate"};
  return out;
}

Result<bool> PemCertificateNames(std::string_view pem, std::string_view identity) {
  if (pem.size() > static_cast<std::size_t>(INT_MAX)) {
    return Error{ErrorKind::kParse, "too large for a PEM file"};
  }
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return Error{ErrorKind::kIo, "out of memory"};
  X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr));
  ERR_clear_error();
  if (!cert) return Error{ErrorKind::kParse, "no PEM certificate"};
  return Names(cert.get(), identity);
}

}  // namespace posdiag::drivers::network
