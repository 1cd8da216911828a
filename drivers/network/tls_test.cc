#include "drivers/network/tls.h"

#include <gtest/gtest.h>

#include <string>

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

TEST(ClassifyTlsFailure, TheTerminalsCertificate) {
  // TLS 1.3: the host says so.
  EXPECT_EQ(ClassifyTlsFailure(true, false, 116, false), TlsOutcome::kClientCertRequired);
  // TLS 1.2: asked, none sent, then a handshake_failure or a hang-up.
  EXPECT_EQ(ClassifyTlsFailure(true, false, 40, false), TlsOutcome::kClientCertRequired);
  EXPECT_EQ(ClassifyTlsFailure(true, false, std::nullopt, true), TlsOutcome::kClientCertRequired);
  EXPECT_EQ(ClassifyTlsFailure(true, false, 0, false), TlsOutcome::kClientCertRequired);
  // Sent and refused.
  EXPECT_EQ(ClassifyTlsFailure(true, true, 45, false), TlsOutcome::kClientCertRejected);
  EXPECT_EQ(ClassifyTlsFailure(true, true, 48, false), TlsOutcome::kClientCertRejected);
  // Not about the terminal's certificate.
  EXPECT_EQ(ClassifyTlsFailure(false, false, 40, false), TlsOutcome::kFailed);
  EXPECT_EQ(ClassifyTlsFailure(false, false, 70, false), TlsOutcome::kFailed);
  EXPECT_EQ(ClassifyTlsFailure(true, true, 70, false), TlsOutcome::kFailed);
  EXPECT_EQ(ClassifyTlsFailure(false, false, std::nullopt, true), TlsOutcome::kClosed);
  EXPECT_EQ(ClassifyTlsFailure(false, false, std::nullopt, false), TlsOutcome::kFailed);
}

TEST(TlsOutcomeName, EveryOutcome) {
  EXPECT_EQ(TlsOutcomeName(TlsOutcome::kOk), "ok");
  EXPECT_EQ(TlsOutcomeName(TlsOutcome::kTimeout), "timeout");
  EXPECT_EQ(TlsOutcomeName(TlsOutcome::kClosed), "closed");
  EXPECT_EQ(TlsOutcomeName(TlsOutcome::kFailed), "failed");
  EXPECT_EQ(TlsOutcomeName(TlsOutcome::kClientCertRequired), "client_cert_required");
  EXPECT_EQ(TlsOutcomeName(TlsOutcome::kClientCertRejected), "client_cert_rejected");
}

}  // namespace
}  // namespace posdiag::drivers::network
