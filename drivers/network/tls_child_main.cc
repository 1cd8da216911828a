// posdiag-tls: the TLS check's companion program (tls_child.h). Only posdiag starts it: one
// request on standard input, one answer on standard output.
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <optional>
#include <string>

#include "drivers/network/tls.h"
#include "drivers/network/tls_child.h"

namespace net = posdiag::drivers::network;

namespace {

// The request line and two PEM texts, each under the probe's own bound on a terminal file.
constexpr std::size_t kMaxInput = 2 * (std::size_t{16} << 20) + 4096;

int Say(const std::string& answer) {
  std::fwrite(answer.data(), 1, answer.size(), stdout);
  std::fputc('\n', stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

int Refuse(const std::string& why) {
  Say(net::EncodeTlsAnswer(posdiag::Error{posdiag::ErrorKind::kInvalid, "posdiag-tls: " + why}));
  return 2;
}

// All of standard input; more than kMaxInput is refused, never cut short.
std::optional<std::string> ReadStdin() {
  std::string text;
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (text.size() + static_cast<std::size_t>(n) > kMaxInput) return std::nullopt;
    text.append(buf, static_cast<std::size_t>(n));
  }
  return text;
}

}  // namespace

int main(int argc, char**) {
  // A host that hangs up is an outcome to report, not a reason to die (as in posdiag itself).
  std::signal(SIGPIPE, SIG_IGN);
  if (argc != 1) return Refuse("takes no arguments: the request comes on standard input");
  const auto input = ReadStdin();
  if (!input) return Refuse("the request is larger than a TLS check needs");
  auto decoded = net::DecodeCheckRequest(*input);
  if (!decoded) return Refuse(decoded.error().detail);
  const posdiag::io::Deadline deadline{
      std::chrono::steady_clock::time_point(std::chrono::milliseconds(decoded->deadline_ms))};
  return Say(net::EncodeCheckAnswer(net::CheckTlsWith(
      decoded->request, net::ParsePemCertificates, [&](const net::TlsOptions& options) {
        return net::TlsHandshake(net::UniqueFd(3), options, deadline);
      })));
}
