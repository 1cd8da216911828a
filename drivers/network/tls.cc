#include "drivers/network/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>
#include <poll.h>

#include <cerrno>
#include <ctime>
#include <memory>

namespace posdiag::drivers::network {
namespace {

template <typename T, void (*Free)(T*)>
struct Deleter {
  void operator()(T* p) const { Free(p); }
};
using SslCtxPtr = std::unique_ptr<SSL_CTX, Deleter<SSL_CTX, SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, Deleter<SSL, SSL_free>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;

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
  SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (!ctx) return Error{ErrorKind::kIo, OpenSslError("TLS context")};
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // Verification must not abort the handshake: its result is read afterwards, as a fact.
  SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_NONE, nullptr);
  if (!options.ca_file.empty() &&
      SSL_CTX_load_verify_locations(ctx.get(), options.ca_file.c_str(), nullptr) != 1) {
    return Error{ErrorKind::kNotFound,
                 OpenSslError("ca_file " + options.ca_file.string() + " cannot be loaded")};
  }
  SslPtr ssl(SSL_new(ctx.get()));
  if (!ssl) return Error{ErrorKind::kIo, OpenSslError("TLS session")};
  const auto literal = ParseIpLiteral(options.host);
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl.get());
  if (literal) {
    X509_VERIFY_PARAM_set1_ip_asc(param, options.host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_host(param, options.host.c_str(), 0);
  }
  if (!options.server_name.empty()) {
    SSL_set_tlsext_host_name(ssl.get(), options.server_name.c_str());
  }
  if (SSL_set_fd(ssl.get(), socket.get()) != 1) {
    return Error{ErrorKind::kIo, OpenSslError("TLS socket")};
  }

  for (;;) {
    const int rc = SSL_connect(ssl.get());
    if (rc == 1) break;
    const int why = SSL_get_error(ssl.get(), rc);
    short events = 0;
    if (why == SSL_ERROR_WANT_READ) events = POLLIN;
    if (why == SSL_ERROR_WANT_WRITE) events = POLLOUT;
    if (events == 0) {
      r.error = why == SSL_ERROR_SYSCALL && ERR_peek_error() == 0
                    ? "the host closed the connection during the handshake"
                    : OpenSslError("handshake failed");
      return done();
    }
    int ready = 0;
    do {
      pollfd p{socket.get(), events, 0};
      ready = ::poll(&p, 1, static_cast<int>(deadline.Remaining().count()));
    } while ((ready < 0 && errno == EINTR) || (ready == 0 && !deadline.Expired()));
    if (ready <= 0) {
      r.error = ready == 0 ? "timeout" : ErrnoError("poll", errno).detail;
      return done();
    }
  }
  r.handshake_ok = true;
  r.protocol = SSL_get_version(ssl.get());
  r.verify_code = SSL_get_verify_result(ssl.get());
  r.verify_result =
      r.verify_code == X509_V_OK ? "ok" : X509_verify_cert_error_string(r.verify_code);
  X509* leaf = SSL_get0_peer_certificate(ssl.get());
  if (leaf != nullptr) {
    r.hostname_match = literal ? X509_check_ip_asc(leaf, options.host.c_str(), 0) == 1
                               : X509_check_host(leaf, options.host.c_str(), 0, 0, nullptr) == 1;
    r.chain_trusted = VerifyIgnoringTime(ssl.get(), leaf, SSL_get_peer_cert_chain(ssl.get()),
                                         r.not_before_epoch_s, r.not_after_epoch_s);
  }
  // A polite close; its answer is not awaited.
  SSL_shutdown(ssl.get());
  ERR_clear_error();
  return done();
}

}  // namespace posdiag::drivers::network
