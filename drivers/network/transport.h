// The network probe's seam: every step of the road to the payment host that touches the kernel
// or the wire. SystemNetwork is the real one; tests substitute a fake that answers each step from
// a script. An implementation must honour each deadline it is given and return, never throw.
// SystemNetwork runs the TLS steps (the handshake, reading certificates) in the TLS companion
// (tls_child.h), so posdiag itself never loads OpenSSL; a run starts the companion once, for the
// whole check (CheckTls).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/base/clock.h"
#include "drivers/base/result.h"
#include "drivers/io/companion.h"
#include "drivers/network/dns.h"
#include "drivers/network/endpoint.h"
#include "drivers/network/netlink.h"
#include "drivers/network/tcp.h"
#include "drivers/network/tls.h"
#include "drivers/network/tls_child.h"

namespace posdiag::drivers::network {

class NetworkTransport {
 public:
  virtual ~NetworkTransport() = default;
  virtual Result<NetlinkSnapshot> ReadInterfaces(io::Deadline deadline) = 0;
  // The route the kernel gives a packet to `address` (QueryRoute); kNotFound when it has none.
  virtual Result<RouteInfo> RouteTo(const IpAddress& address, io::Deadline deadline) = 0;
  virtual DnsResult Resolve(const std::string& name, const DnsConfig& config,
                            io::Deadline deadline) = 0;
  virtual TcpConnectResult Connect(const IpAddress& address, std::uint16_t port,
                                   io::Deadline deadline) = 0;
  // Takes the socket of a kConnected result.
  virtual Result<TlsReading> Handshake(UniqueFd socket, const TlsOptions& options,
                                       io::Deadline deadline) = 0;
  // The certificates of a PEM text (ParsePemCertificates); kParse when it holds none.
  virtual Result<std::vector<CertificateInfo>> ReadCertificates(std::string_view pem,
                                                                io::Deadline deadline) = 0;
  // The run's whole TLS check (tls.h), every part by `deadline`; takes `socket` when
  // request.handshake. Here each step through the two above; SystemNetwork does them in one start
  // of the companion.
  virtual TlsCheckResult CheckTls(UniqueFd socket, const TlsCheckRequest& request,
                                  io::Deadline deadline) {
    return CheckTlsWith(
        request, [&](std::string_view pem) { return ReadCertificates(pem, deadline); },
        [&](const TlsOptions& options) { return Handshake(std::move(socket), options, deadline); });
  }
};

class SystemNetwork final : public NetworkTransport {
 public:
  Result<NetlinkSnapshot> ReadInterfaces(io::Deadline deadline) override {
    return ReadNetlinkSnapshot(deadline);
  }
  Result<RouteInfo> RouteTo(const IpAddress& address, io::Deadline deadline) override {
    return QueryRoute(address.family, address.bytes, deadline);
  }
  DnsResult Resolve(const std::string& name, const DnsConfig& config,
                    io::Deadline deadline) override {
    return network::Resolve(name, config, deadline);
  }
  TcpConnectResult Connect(const IpAddress& address, std::uint16_t port,
                           io::Deadline deadline) override {
    return TcpConnect(address, port, deadline);
  }
  Result<TlsReading> Handshake(UniqueFd socket, const TlsOptions& options,
                               io::Deadline deadline) override {
    auto program = io::FindCompanion(kTlsCompanion);
    if (!program) return program.error();
    return HandshakeInChild(*program, std::move(socket), options, deadline);
  }
  Result<std::vector<CertificateInfo>> ReadCertificates(std::string_view pem,
                                                        io::Deadline deadline) override {
    auto program = io::FindCompanion(kTlsCompanion);
    if (!program) return program.error();
    return ParsePemInChild(*program, pem, deadline);
  }
  TlsCheckResult CheckTls(UniqueFd socket, const TlsCheckRequest& request,
                          io::Deadline deadline) override {
    auto program = io::FindCompanion(kTlsCompanion);
    if (!program) return FailedCheck(request, program.error());
    return CheckTlsInChild(*program, std::move(socket), request, deadline);
  }
};

}  // namespace posdiag::drivers::network
