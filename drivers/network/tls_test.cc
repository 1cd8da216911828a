#include "drivers/network/tls.h"

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "drivers/network/tcp.h"
#include "drivers/network/test_certificates.h"

namespace posdiag::drivers::network {
namespace {

using testing::kTestCaPem;
using testing::kTestClientPem;
using testing::kTestServerPem;

TEST(ChooseTlsTarget, ServerNameWins) {
  auto t = ChooseTlsTarget("10.77.0.1", std::string("pay.bank.test"));
  EXPECT_EQ(t.identity, "pay.bank.test");
  EXPECT_EQ(t.sni, "pay.bank.test");
  t = ChooseTlsTarget("gw.bank.test", std::string("pay.bank.test"));
  EXPECT_EQ(t.identity, "pay.bank.test");
  EXPECT_EQ(t.sni, "pay.bank.test");
}

TEST(ChooseTlsTarget, HostNameOrAddress) {
  auto t = ChooseTlsTarget("pay.bank.test", std::nullopt);
  EXPECT_EQ(t.identity, "pay.bank.test");
  EXPECT_EQ(t.sni, "pay.bank.test");
  t = ChooseTlsTarget("10.77.0.1", std::nullopt);
  EXPECT_EQ(t.identity, "10.77.0.1");
  EXPECT_EQ(t.sni, "");
  t = ChooseTlsTarget("2001:db8::1", std::nullopt);
  EXPECT_EQ(t.identity, "2001:db8::1");
  EXPECT_EQ(t.sni, "");
}

TEST(ChooseTlsTarget, EmptyServerNameSendsNoSni) {
  const auto t = ChooseTlsTarget("pay.bank.test", std::string());
  EXPECT_EQ(t.identity, "pay.bank.test");
  EXPECT_EQ(t.sni, "");
}

TEST(PemCertificateNames, DnsNamesWildcardsAndAddresses) {
  EXPECT_EQ(PemCertificateNames(kTestServerPem, "pay.bank.test").value_or(false), true);
  EXPECT_EQ(PemCertificateNames(kTestServerPem, "PAY.bank.test").value_or(false), true);
  EXPECT_EQ(PemCertificateNames(kTestServerPem, "eu.gw.bank.test").value_or(false), true);
  EXPECT_EQ(PemCertificateNames(kTestServerPem, "10.77.0.1").value_or(false), true);
  EXPECT_EQ(PemCertificateNames(kTestServerPem, "gw.bank.test").value_or(true), false);
  EXPECT_EQ(PemCertificateNames(kTestServerPem, "a.b.gw.bank.test").value_or(true), false);
  EXPECT_EQ(PemCertificateNames(kTestServerPem, "10.77.0.2").value_or(true), false);
  EXPECT_EQ(PemCertificateNames(kTestServerPem, "other.bank.test").value_or(true), false);
  // The CN of a certificate with SANs is not a name it is valid for; no SAN, no IP.
  EXPECT_EQ(PemCertificateNames(kTestClientPem, "10.77.0.1").value_or(true), false);
  EXPECT_FALSE(PemCertificateNames("not PEM", "pay.bank.test").ok());
}

TEST(ParsePemCertificates, EveryCertificateWithItsDates) {
  const std::string bundle = std::string(kTestCaPem) + "\n" + std::string(kTestClientPem);
  auto certs = ParsePemCertificates(bundle);
  ASSERT_TRUE(certs.ok()) << certs.error().detail;
  ASSERT_EQ(certs->size(), 2u);
  EXPECT_EQ((*certs)[0].subject, "Test Acquirer Root CA");
  EXPECT_EQ((*certs)[1].subject, "terminal-00042");
  EXPECT_EQ((*certs)[1].not_before_epoch_s, testing::kTestClientNotBefore);
  EXPECT_EQ((*certs)[1].not_after_epoch_s, testing::kTestClientNotAfter);
}

TEST(ParsePemCertificates, OtherBlocksAreSkippedAndNothingIsAnError) {
  const std::string with_key =
      std::string("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n") +
      std::string(kTestClientPem);
  auto certs = ParsePemCertificates(with_key);
  ASSERT_TRUE(certs.ok()) << certs.error().detail;
  EXPECT_EQ(certs->size(), 1u);
  EXPECT_FALSE(ParsePemCertificates("").ok());
  EXPECT_FALSE(ParsePemCertificates("garbage\n").ok());
  std::string broken(kTestCaPem);
  broken[broken.size() / 2] = '!';
  EXPECT_FALSE(ParsePemCertificates(broken).ok());
}

TEST(TlsAlertName, RfcNames) {
  EXPECT_EQ(TlsAlertName(40), "handshake_failure");
  EXPECT_EQ(TlsAlertName(45), "certificate_expired");
  EXPECT_EQ(TlsAlertName(116), "certificate_required");
  EXPECT_EQ(TlsAlertName(200), "alert_200");
}

// What a failed handshake showed, field by field.
struct Saw : TlsFailureSeen {
  Saw& Requested() {
    cert_requested = true;
    return *this;
  }
  Saw& Sent() {
    cert_sent = true;
    return *this;
  }
  Saw& Alert(int description) {
    alert = description;
    return *this;
  }
  Saw& End(TlsConnectionEnd how) {
    end = how;
    return *this;
  }
  Saw& Answer(TlsAnswerShape shape) {
    answer = shape;
    return *this;
  }
};

TEST(ClassifyTlsFailure, TheTerminalsCertificate) {
  constexpr auto kClosed = TlsConnectionEnd::kClosed;
  // TLS 1.3: the host says so.
  EXPECT_EQ(ClassifyTlsFailure(Saw().Requested().Alert(116)), TlsOutcome::kClientCertRequired);
  // TLS 1.2: asked, none sent, then a handshake_failure, a hang-up or a reset.
  EXPECT_EQ(ClassifyTlsFailure(Saw().Requested().Alert(40)), TlsOutcome::kClientCertRequired);
  EXPECT_EQ(ClassifyTlsFailure(Saw().Requested().End(kClosed)), TlsOutcome::kClientCertRequired);
  EXPECT_EQ(ClassifyTlsFailure(Saw().Requested().Alert(0)), TlsOutcome::kClientCertRequired);
  EXPECT_EQ(ClassifyTlsFailure(Saw().Requested().End(TlsConnectionEnd::kReset)),
            TlsOutcome::kClientCertRequired);
  // Sent and refused.
  EXPECT_EQ(ClassifyTlsFailure(Saw().Requested().Sent().Alert(45)),
            TlsOutcome::kClientCertRejected);
  EXPECT_EQ(ClassifyTlsFailure(Saw().Requested().Sent().Alert(48)),
            TlsOutcome::kClientCertRejected);
  // Not about the terminal's certificate.
  EXPECT_EQ(ClassifyTlsFailure(Saw().Alert(40)), TlsOutcome::kFailed);
  EXPECT_EQ(ClassifyTlsFailure(Saw().Alert(70)), TlsOutcome::kFailed);
  EXPECT_EQ(ClassifyTlsFailure(Saw().Requested().Sent().Alert(70)), TlsOutcome::kFailed);
  EXPECT_EQ(ClassifyTlsFailure(Saw().End(kClosed)), TlsOutcome::kClosed);
  EXPECT_EQ(ClassifyTlsFailure(Saw()), TlsOutcome::kFailed);
}

TEST(ClassifyTlsFailure, AResetIsNeitherAHangUpNorAnAlert) {
  EXPECT_EQ(ClassifyTlsFailure(Saw().End(TlsConnectionEnd::kReset)), TlsOutcome::kReset);
  EXPECT_EQ(ClassifyTlsFailure(Saw().End(TlsConnectionEnd::kReset).Answer(TlsAnswerShape::kTls)),
            TlsOutcome::kReset);
  // An alert before the reset is what the host said.
  EXPECT_EQ(ClassifyTlsFailure(Saw().Alert(40).End(TlsConnectionEnd::kReset)), TlsOutcome::kFailed);
  // A certificate the host asked for and got, then a reset: not a refusal it said.
  EXPECT_EQ(ClassifyTlsFailure(Saw().Requested().Sent().End(TlsConnectionEnd::kReset)),
            TlsOutcome::kReset);
}

TEST(ClassifyTlsFailure, AnAnswerThatIsNotTlsDecidesHoweverItEnded) {
  const TlsAnswerShape not_tls = TlsAnswerShape::kNotTls;
  EXPECT_EQ(ClassifyTlsFailure(Saw().Answer(not_tls)), TlsOutcome::kNotTls);
  EXPECT_EQ(ClassifyTlsFailure(Saw().End(TlsConnectionEnd::kClosed).Answer(not_tls)),
            TlsOutcome::kNotTls);
  EXPECT_EQ(ClassifyTlsFailure(Saw().End(TlsConnectionEnd::kReset).Answer(not_tls)),
            TlsOutcome::kNotTls);
  EXPECT_EQ(ClassifyTlsFailure(Saw().Requested().Answer(not_tls)), TlsOutcome::kNotTls);
}

std::vector<std::uint8_t> Bytes(std::string_view text) { return {text.begin(), text.end()}; }

TEST(ClassifyServerAnswer, HandshakeAndAlertRecordsOfVersion3) {
  using B = std::vector<std::uint8_t>;
  EXPECT_EQ(ClassifyServerAnswer(B{}), TlsAnswerShape::kNothing);
  // A ServerHello's record header (TLS 1.2 and 1.3 both say 3.3), whole or in part.
  EXPECT_EQ(ClassifyServerAnswer(B{0x16, 0x03, 0x03, 0x00, 0x7a}), TlsAnswerShape::kTls);
  EXPECT_EQ(ClassifyServerAnswer(B{0x16}), TlsAnswerShape::kTls);
  EXPECT_EQ(ClassifyServerAnswer(B{0x16, 0x03, 0x01}), TlsAnswerShape::kTls);
  // An alert (handshake_failure) is TLS too.
  EXPECT_EQ(ClassifyServerAnswer(B{0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28}),
            TlsAnswerShape::kTls);
  // The largest record TLS 1.2 allows, and one byte more.
  EXPECT_EQ(ClassifyServerAnswer(B{0x16, 0x03, 0x03, 0x48, 0x00}), TlsAnswerShape::kTls);
  EXPECT_EQ(ClassifyServerAnswer(B{0x16, 0x03, 0x03, 0x48, 0x01}), TlsAnswerShape::kNotTls);
  EXPECT_EQ(ClassifyServerAnswer(B{0x16, 0x03, 0x03, 0x00, 0x00}), TlsAnswerShape::kNotTls);
}

TEST(ClassifyServerAnswer, WhatOtherServersSay) {
  // A web server, an SSH server, a host speaking ISO 8583 with a two-byte length, a null.
  EXPECT_EQ(ClassifyServerAnswer(Bytes("HTTP/1.1 400 Bad Request\r\n")), TlsAnswerShape::kNotTls);
  EXPECT_EQ(ClassifyServerAnswer(Bytes("SSH-2.0-OpenSSH_9.6\r\n")), TlsAnswerShape::kNotTls);
  EXPECT_EQ(ClassifyServerAnswer(std::vector<std::uint8_t>{0x00, 0x2e, 0x60, 0x00}),
            TlsAnswerShape::kNotTls);
  EXPECT_EQ(ClassifyServerAnswer(std::vector<std::uint8_t>{0x00}), TlsAnswerShape::kNotTls);
  // A record type a server does not start with (application data), a version that is not 3.x.
  EXPECT_EQ(ClassifyServerAnswer(std::vector<std::uint8_t>{0x17, 0x03, 0x03, 0x00, 0x10}),
            TlsAnswerShape::kNotTls);
  EXPECT_EQ(ClassifyServerAnswer(std::vector<std::uint8_t>{0x16, 0x02}), TlsAnswerShape::kNotTls);
  EXPECT_EQ(ClassifyServerAnswer(std::vector<std::uint8_t>{0x16, 0x03, 0x05}),
            TlsAnswerShape::kNotTls);
}

TEST(DescribeBytes, HexAndText) {
  EXPECT_EQ(DescribeBytes(Bytes("HTTP/")), "48 54 54 50 2f \"HTTP/\"");
  EXPECT_EQ(DescribeBytes(std::vector<std::uint8_t>{0x16, 0x03, 0x41, 0xff}),
            "16 03 41 ff \"..A.\"");
  EXPECT_EQ(DescribeBytes({}), " \"\"");
}

TEST(TlsOutcomeName, EveryOutcome) {
  EXPECT_EQ(TlsOutcomeName(TlsOutcome::kOk), "ok");
  EXPECT_EQ(TlsOutcomeName(TlsOutcome::kTimeout), "timeout");
  EXPECT_EQ(TlsOutcomeName(TlsOutcome::kClosed), "closed");
  EXPECT_EQ(TlsOutcomeName(TlsOutcome::kReset), "reset");
  EXPECT_EQ(TlsOutcomeName(TlsOutcome::kNotTls), "not_tls");
  EXPECT_EQ(TlsOutcomeName(TlsOutcome::kFailed), "failed");
  EXPECT_EQ(TlsOutcomeName(TlsOutcome::kClientCertRequired), "client_cert_required");
  EXPECT_EQ(TlsOutcomeName(TlsOutcome::kClientCertRejected), "client_cert_rejected");
}

// --- the handshake against a scripted peer on loopback -------------------------------------------

constexpr auto kPeerWait = std::chrono::seconds(5);

// One TCP connection on 127.0.0.1, answered on its own thread by `script` once the ClientHello
// has been read. Every wait of the peer has a limit, so a test that goes wrong fails, not hangs.
class LoopbackTlsPeer {
 public:
  explicit LoopbackTlsPeer(std::function<void(int fd)> script) {
    listener_ = UniqueFd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(listener_.get(), reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    ::getsockname(listener_.get(), reinterpret_cast<sockaddr*>(&a), &len);
    EXPECT_EQ(::listen(listener_.get(), 1), 0);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this, script = std::move(script)] {
      pollfd p{listener_.get(), POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(ms(kPeerWait))) != 1) return;
      UniqueFd fd(::accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
      if (!fd.valid()) return;
      const timeval limit{static_cast<time_t>(kPeerWait.count()), 0};
      ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
      ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
      client_hello_ = ReadRecord(fd.get());
      if (client_hello_) script(fd.Release());
    });
  }
  ~LoopbackTlsPeer() { ReadTheClientHello(); }

  // The handshake against the peer, with its own deadline.
  TlsReading Handshake(std::chrono::milliseconds deadline = std::chrono::seconds(5)) {
    auto tcp = TcpConnect(*ParseIpLiteral("127.0.0.1"), port_, io::Deadline::In(kPeerWait));
    EXPECT_EQ(tcp.outcome, TcpOutcome::kConnected) << tcp.detail;
    TlsOptions options;
    options.identity = "pay.bank.test";
    options.server_name = "pay.bank.test";
    auto r = TlsHandshake(std::move(tcp.socket), options, io::Deadline::In(deadline));
    EXPECT_TRUE(r.ok()) << r.error().detail;
    return r.ok() ? std::move(*r) : TlsReading{};
  }
  // Whether the peer got a whole ClientHello (and ran its script), once it has finished.
  bool ReadTheClientHello() {
    if (thread_.joinable()) thread_.join();
    return client_hello_;
  }

  // Holds the connection until the client closes it (or the peer's limit passes), then closes.
  static void HoldThenClose(int fd) {
    std::array<char, 256> sink{};
    while (::read(fd, sink.data(), sink.size()) > 0) {
    }
    ::close(fd);
  }
  static void Send(int fd, std::string_view bytes) {
    EXPECT_EQ(::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL),
              static_cast<ssize_t>(bytes.size()));
  }

 private:
  static long ms(std::chrono::seconds s) { return static_cast<long>(s.count()) * 1000; }
  // One whole TLS record (the ClientHello), read under SO_RCVTIMEO.
  static bool ReadRecord(int fd) {
    std::array<std::uint8_t, 5> header{};
    if (::recv(fd, header.data(), header.size(), MSG_WAITALL) != 5 || header[0] != 0x16) {
      return false;
    }
    std::vector<std::uint8_t> body((header[3] << 8) | header[4]);
    return ::recv(fd, body.data(), body.size(), MSG_WAITALL) == static_cast<ssize_t>(body.size());
  }

  UniqueFd listener_;
  std::uint16_t port_ = 0;
  bool client_hello_ = false;
  std::thread thread_;
};

TEST(TlsHandshake, AResetAfterTheClientHelloIsAReset) {
  LoopbackTlsPeer peer([](int fd) {
    const linger abort{1, 0};  // close() sends a RST, not a FIN
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort, sizeof abort);
    ::close(fd);
  });
  const TlsReading r = peer.Handshake();
  EXPECT_TRUE(peer.ReadTheClientHello());
  EXPECT_FALSE(r.handshake_ok);
  EXPECT_EQ(r.outcome, TlsOutcome::kReset) << r.error;
  EXPECT_NE(r.error.find("reset"), std::string::npos) << r.error;
  EXPECT_EQ(r.bytes_received, 0u);
}

TEST(TlsHandshake, AHangUpAfterTheClientHelloIsClosed) {
  LoopbackTlsPeer peer([](int fd) { ::close(fd); });
  const TlsReading r = peer.Handshake();
  EXPECT_TRUE(peer.ReadTheClientHello());
  EXPECT_EQ(r.outcome, TlsOutcome::kClosed) << r.error;
  EXPECT_NE(r.error.find("closed the connection during the handshake"), std::string::npos)
      << r.error;
}

TEST(TlsHandshake, AnAnswerThatIsNotTlsIsSaidWithWhatCame) {
  // The connection stays open: the answer alone must decide, not a hang-up.
  LoopbackTlsPeer peer([](int fd) {
    LoopbackTlsPeer::Send(fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    LoopbackTlsPeer::HoldThenClose(fd);
  });
  const TlsReading r = peer.Handshake();
  EXPECT_TRUE(peer.ReadTheClientHello());
  EXPECT_EQ(r.outcome, TlsOutcome::kNotTls) << r.error;
  EXPECT_NE(r.error.find("not TLS"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("\"HTTP/1.1 400 Bad Request"), std::string::npos) << r.error;
  EXPECT_GE(r.bytes_received, 5u);
}

TEST(TlsHandshake, ABrokenMessageInATlsRecordIsAFailureNotNotTls) {
  LoopbackTlsPeer peer([](int fd) {
    // A handshake record whose message claims 16 MB.
    LoopbackTlsPeer::Send(fd, std::string_view("\x16\x03\x03\x00\x04\x02\xff\xff\xff", 9));
    LoopbackTlsPeer::HoldThenClose(fd);
  });
  const TlsReading r = peer.Handshake();
  EXPECT_TRUE(peer.ReadTheClientHello());
  EXPECT_EQ(r.outcome, TlsOutcome::kFailed) << r.error;
  EXPECT_NE(r.error.find("handshake failed: "), std::string::npos) << r.error;
}

TEST(TlsHandshake, AnAnswerCutShortIsATimeoutThatCountsWhatCame) {
  // The first three bytes of a ServerHello's record, then nothing.
  LoopbackTlsPeer peer([](int fd) {
    LoopbackTlsPeer::Send(fd, std::string_view("\x16\x03\x03", 3));
    LoopbackTlsPeer::HoldThenClose(fd);
  });
  const TlsReading r = peer.Handshake(std::chrono::milliseconds(1000));
  EXPECT_TRUE(peer.ReadTheClientHello());
  EXPECT_EQ(r.outcome, TlsOutcome::kTimeout) << r.error;
  EXPECT_EQ(r.bytes_received, 3u) << r.error;
  EXPECT_EQ(r.error, "timeout (the host had sent 3 bytes)");
}

}  // namespace
}  // namespace posdiag::drivers::network
