// posdiag-tls: the TLS check's companion program (tls_child.h). Only posdiag starts it.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <optional>
#include <string>

#include "drivers/network/tls.h"
#include "drivers/network/tls_child.h"

namespace net = posdiag::drivers::network;

namespace {

constexpr std::size_t kMaxPem = 16 << 20;  // as the probe's own bound on a terminal file

int Say(const std::string& answer) {
  std::fwrite(answer.data(), 1, answer.size(), stdout);
  std::fputc('\n', stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

// The PEM text on stdin; more than `most` bytes is refused, never cut short.
std::optional<std::string> ReadStdin(std::size_t most = kMaxPem) {
  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (text.size() + static_cast<std::size_t>(n) > most) return std::nullopt;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  // A host that hangs up is an outcome to report, not a reason to die (as in posdiag itself).
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"posdiag-tls: posdiag's TLS check, in its own process"};
  app.require_subcommand(1);
  long long deadline_ms = 0;
  long verdict_ms = 500;
  net::TlsOptions options;
  std::string ca_file, client_cert, client_key;
  CLI::App* handshake =
      app.add_subcommand("handshake", "the handshake on the socket at descriptor 3");
  // An instant of CLOCK_MONOTONIC (std::chrono::steady_clock), which posdiag and this process
  // share: its time to start up counts against the handshake's deadline, as in-process.
  handshake->add_option("--deadline-ms", deadline_ms)->required()->check(CLI::PositiveNumber);
  handshake->add_option("--identity", options.identity)->required();
  handshake->add_option("--sni", options.server_name);
  handshake->add_option("--ca-file", ca_file);
  handshake->add_option("--client-cert", client_cert);
  handshake->add_option("--client-key", client_key);
  handshake->add_option("--verdict-wait-ms", verdict_ms)->check(CLI::Range(0L, 60000L));
  auto* pem = app.add_subcommand("pem", "the certificates of the PEM text on standard input");
  std::size_t ca_bytes = 0, client_bytes = 0;
  CLI::App* check = app.add_subcommand(
      "check", "the PEM texts on standard input, then the handshake on descriptor 3");
  check->add_option("--deadline-ms", deadline_ms)->required()->check(CLI::PositiveNumber);
  auto* ca_pem = check->add_option("--ca-pem", ca_bytes)->check(CLI::Range(std::size_t{0}, kMaxPem));
  auto* client_pem =
      check->add_option("--client-pem", client_bytes)->check(CLI::Range(std::size_t{0}, kMaxPem));
  auto* with_handshake = check->add_flag("--handshake");
  check->add_option("--identity", options.identity);
  check->add_option("--sni", options.server_name);
  check->add_option("--ca-file", ca_file);
  check->add_option("--client-cert", client_cert);
  check->add_option("--client-key", client_key);
  check->add_option("--verdict-wait-ms", verdict_ms)->check(CLI::Range(0L, 60000L));
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return Say(net::EncodeTlsAnswer(posdiag::Error{posdiag::ErrorKind::kInvalid,
                                                   std::string("posdiag-tls: ") + e.what()})) == 0
               ? 2
               : 1;
  }
  if (pem->parsed()) {
    const auto text = ReadStdin();
    if (!text) {
      return Say(net::EncodePemAnswer(
          posdiag::Error{posdiag::ErrorKind::kParse, "too large for a PEM file"}));
    }
    return Say(net::EncodePemAnswer(net::ParsePemCertificates(*text)));
  }

  if (check->parsed()) {
    const posdiag::io::Deadline deadline{
        std::chrono::steady_clock::time_point(std::chrono::milliseconds(deadline_ms))};
    net::TlsCheckRequest request;
    const auto texts = ReadStdin(ca_bytes + client_bytes);
    if (!texts || texts->size() != ca_bytes + client_bytes) {
      return Say(net::EncodeTlsAnswer(posdiag::Error{
          posdiag::ErrorKind::kInvalid, "posdiag-tls: standard input is not the sizes given"}));
    }
    if (ca_pem->count() > 0) request.ca_pem = texts->substr(0, ca_bytes);
    if (client_pem->count() > 0) request.client_pem = texts->substr(ca_bytes, client_bytes);
    request.handshake = with_handshake->count() > 0;
    if (request.handshake && options.identity.empty()) {
      return Say(net::EncodeTlsAnswer(posdiag::Error{
          posdiag::ErrorKind::kInvalid, "posdiag-tls: --handshake needs --identity"}));
    }
    options.ca_file = ca_file;
    options.client_cert = client_cert;
    options.client_key = client_key;
    options.verdict_wait = std::chrono::milliseconds(verdict_ms);
    request.options = options;
    return Say(net::EncodeCheckAnswer(net::CheckTlsWith(
        request, net::ParsePemCertificates, [&](const net::TlsOptions& o) {
          return net::TlsHandshake(net::UniqueFd(3), o, deadline);
        })));
  }

  const posdiag::io::Deadline deadline{
      std::chrono::steady_clock::time_point(std::chrono::milliseconds(deadline_ms))};
  options.ca_file = ca_file;
  options.client_cert = client_cert;
  options.client_key = client_key;
  options.verdict_wait = std::chrono::milliseconds(verdict_ms);
  return Say(net::EncodeTlsAnswer(net::TlsHandshake(net::UniqueFd(3), options, deadline)));
}
