#include "drivers/network/tls_child.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include "drivers/network/test_certificates.h"

namespace posdiag::drivers::network {
namespace {

using std::chrono::milliseconds;
using testing::kTestCaPem;
using testing::kTestClientPem;

const std::filesystem::path kProgram = POSDIAG_TLS_PROGRAM;

TEST(TlsAnswer, AReadingGoesAcrossWhole) {
  TlsReading r;
  r.handshake_ok = false;
  r.outcome = TlsOutcome::kClientCertRejected;
  r.error = "the host sent the alert \"bad\"\n";
  r.bytes_received = 5000000000;
  r.protocol = "TLSv1.3";
  r.alert = 42;
  r.client_cert_requested = true;
  r.client_cert_sent = true;
  r.client_cert_error = "key_mismatch";
  r.certificate_seen = true;
  r.verify_code = 10;
  r.verify_result = "certificate has expired";
  r.chain_trusted = true;
  r.hostname_match = true;
  r.not_before_epoch_s = -5;
  r.not_after_epoch_s = 4102444800;
  r.elapsed = std::chrono::microseconds(1234);
  auto back = DecodeTlsAnswer(EncodeTlsAnswer(r));
  ASSERT_TRUE(back) << back.error().detail;
  EXPECT_EQ(back->handshake_ok, r.handshake_ok);
  EXPECT_EQ(back->outcome, r.outcome);
  EXPECT_EQ(back->error, r.error);
  EXPECT_EQ(back->bytes_received, r.bytes_received);
  EXPECT_EQ(back->protocol, r.protocol);
  EXPECT_EQ(back->alert, r.alert);
  EXPECT_EQ(back->client_cert_requested, r.client_cert_requested);
  EXPECT_EQ(back->client_cert_sent, r.client_cert_sent);
  EXPECT_EQ(back->client_cert_error, r.client_cert_error);
  EXPECT_EQ(back->certificate_seen, r.certificate_seen);
  EXPECT_EQ(back->verify_code, r.verify_code);
  EXPECT_EQ(back->verify_result, r.verify_result);
  EXPECT_EQ(back->chain_trusted, r.chain_trusted);
  EXPECT_EQ(back->hostname_match, r.hostname_match);
  EXPECT_EQ(back->not_before_epoch_s, r.not_before_epoch_s);
  EXPECT_EQ(back->not_after_epoch_s, r.not_after_epoch_s);
  EXPECT_EQ(back->elapsed, r.elapsed);

  TlsReading none;
  back = DecodeTlsAnswer(EncodeTlsAnswer(none));
  ASSERT_TRUE(back) << back.error().detail;
  EXPECT_FALSE(back->alert);
  EXPECT_FALSE(back->not_before_epoch_s);
}

TEST(TlsAnswer, AnErrorStaysTheErrorItWas) {
  auto back = DecodeTlsAnswer(EncodeTlsAnswer(Error{ErrorKind::kNotFound, "ca_file x: gone"}));
  ASSERT_FALSE(back);
  EXPECT_EQ(back.error().kind, ErrorKind::kNotFound);
  EXPECT_EQ(back.error().detail, "ca_file x: gone");
}

// A garbled answer is the companion failing (kIo), never kParse: that would judge the file.
TEST(TlsAnswer, AnythingElseIsAnErrorOfTheCompanionNotAReading) {
  for (const char* text :
       {"", "null", "[]", "{}", "{\"handshake_ok\":1}", "garbage", "{\"error\":{\"kind\":3}}"}) {
    auto r = DecodeTlsAnswer(text);
    ASSERT_FALSE(r) << text;
    EXPECT_EQ(r.error().kind, ErrorKind::kIo) << text;
  }
  std::string unknown = EncodeTlsAnswer(TlsReading{});
  unknown.replace(unknown.find("\"failed\""), 8, "\"sideways\"");
  EXPECT_FALSE(DecodeTlsAnswer(unknown));
}

TEST(PemAnswer, CertificatesGoAcrossWhole) {
  auto back = DecodePemAnswer(EncodePemAnswer(std::vector<CertificateInfo>{
      {"Test Acquirer Root CA", 1, std::nullopt}, {"terminal-00042", 2, 3}}));
  ASSERT_TRUE(back) << back.error().detail;
  ASSERT_EQ(back->size(), 2u);
  EXPECT_EQ((*back)[0].subject, "Test Acquirer Root CA");
  EXPECT_FALSE((*back)[0].not_after_epoch_s);
  EXPECT_EQ((*back)[1].not_after_epoch_s, 3);
  EXPECT_FALSE(DecodePemAnswer("{\"certificates\":[]}"));
  auto garbled = DecodePemAnswer("{\"certificates\":[{\"subject\":1}]}");
  ASSERT_FALSE(garbled);
  EXPECT_EQ(garbled.error().kind, ErrorKind::kIo);
}

TEST(CheckAnswer, EveryPartGoesAcrossAndAMissingOneIsAnError) {
  TlsCheckRequest request;
  request.ca_pem = "ca";
  request.client_pem = "client";
  request.handshake = true;
  TlsCheckResult result;
  result.ca = std::vector<CertificateInfo>{{"Test Acquirer Root CA", 1, 2}};
  result.client = Error{ErrorKind::kParse, "no PEM certificate"};
  TlsReading reading;
  reading.outcome = TlsOutcome::kClosed;
  result.handshake = reading;
  auto back = DecodeCheckAnswer(EncodeCheckAnswer(result), request);
  ASSERT_TRUE(back.ca && *back.ca);
  EXPECT_EQ((*back.ca)->front().subject, "Test Acquirer Root CA");
  ASSERT_TRUE(back.client && !*back.client);
  EXPECT_EQ(back.client->error().kind, ErrorKind::kParse);
  ASSERT_TRUE(back.handshake && *back.handshake);
  EXPECT_EQ((*back.handshake)->outcome, TlsOutcome::kClosed);

  result.client.reset();  // the companion left a part out
  back = DecodeCheckAnswer(EncodeCheckAnswer(result), request);
  ASSERT_TRUE(back.client && !*back.client);
  EXPECT_EQ(back.client->error().kind, ErrorKind::kIo);

  for (const char* text : {"", "[]", "garbage", "{\"error\":3}"}) {
    back = DecodeCheckAnswer(text, request);
    ASSERT_TRUE(back.ca && back.client && back.handshake) << text;
    EXPECT_EQ(back.ca->error().kind, ErrorKind::kIo) << text;
    EXPECT_EQ(back.handshake->error().kind, ErrorKind::kIo) << text;
  }
  back = DecodeCheckAnswer(EncodeTlsAnswer(Error{ErrorKind::kInvalid, "bad"}), request);
  EXPECT_EQ(back.client->error().kind, ErrorKind::kInvalid);
  EXPECT_EQ(back.handshake->error().detail, "bad");
}

TEST(CheckRequest, GoesAcrossWholeAndAnythingElseIsRefused) {
  TlsCheckRequest request;
  request.ca_pem = std::string(kTestCaPem);
  request.client_pem = "";  // an empty file is a text too
  request.handshake = true;
  request.options.identity = "10.0.0.7";
  request.options.ca_file = "/etc/posdiag/ca.pem";
  request.options.client_cert = "/etc/posdiag/t.pem";
  request.options.client_key = "/etc/posdiag/t.key";
  request.options.verdict_wait = milliseconds(250);
  const io::Deadline deadline{std::chrono::steady_clock::time_point(milliseconds(123456))};
  const std::string text = EncodeCheckRequest(request, deadline);
  auto back = DecodeCheckRequest(text);
  ASSERT_TRUE(back) << back.error().detail;
  EXPECT_EQ(back->deadline_ms, 123456);
  EXPECT_EQ(back->request.ca_pem, request.ca_pem);
  EXPECT_EQ(back->request.client_pem, std::optional<std::string>(""));
  EXPECT_TRUE(back->request.handshake);
  EXPECT_EQ(back->request.options.identity, "10.0.0.7");
  EXPECT_TRUE(back->request.options.server_name.empty());
  EXPECT_EQ(back->request.options.client_key, "/etc/posdiag/t.key");
  EXPECT_EQ(back->request.options.verdict_wait, milliseconds(250));

  TlsCheckRequest texts_only;
  texts_only.ca_pem = "x";
  back = DecodeCheckRequest(EncodeCheckRequest(texts_only, deadline));
  ASSERT_TRUE(back) << back.error().detail;
  EXPECT_FALSE(back->request.handshake);
  EXPECT_FALSE(back->request.client_pem);

  for (std::string bad :
       {std::string(""), std::string("{}"), std::string("{\"deadline_ms\":5}"),
        text.substr(0, text.size() - 1), text + "more", std::string("{\"deadline_ms\":-1}\n"),
        std::string("{\"deadline_ms\":5,\"ca_pem_bytes\":\"x\"}\n"),
        std::string("{\"deadline_ms\":5,\"handshake\":{}}\n")}) {
    auto r = DecodeCheckRequest(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::kInvalid) << bad;
  }
}

// A text that holds no certificate takes its file out of the handshake; a reader that failed
// otherwise leaves it in.
TEST(CheckTlsWith, AnUnusableFileIsLeftOutOfTheHandshake) {
  TlsCheckRequest request;
  request.ca_pem = "garbage";
  request.client_pem = std::string(kTestClientPem);
  request.handshake = true;
  request.options.ca_file = "/ca.pem";
  request.options.client_cert = "/client.pem";
  request.options.client_key = "/client.key";
  TlsOptions seen;
  auto shake = [&](const TlsOptions& o) -> Result<TlsReading> {
    seen = o;
    return TlsReading{};
  };
  auto result = CheckTlsWith(request, ParsePemCertificates, shake);
  ASSERT_TRUE(result.ca && !*result.ca);
  EXPECT_TRUE(seen.ca_file.empty());
  EXPECT_EQ(seen.client_cert, "/client.pem");

  request.ca_pem = std::string(kTestCaPem);
  request.client_pem = "garbage";
  result = CheckTlsWith(request, ParsePemCertificates, shake);
  EXPECT_EQ(seen.ca_file, "/ca.pem");
  EXPECT_TRUE(seen.client_cert.empty());
  EXPECT_TRUE(seen.client_key.empty());

  auto unavailable = [](std::string_view) -> Result<std::vector<CertificateInfo>> {
    return Error{ErrorKind::kIo, "posdiag-tls: ended by signal 9"};
  };
  result = CheckTlsWith(request, unavailable, shake);
  EXPECT_EQ(seen.ca_file, "/ca.pem");
  EXPECT_EQ(seen.client_cert, "/client.pem");

  request.handshake = false;
  seen = TlsOptions{};
  result = CheckTlsWith(request, ParsePemCertificates, shake);
  EXPECT_FALSE(result.handshake);
  EXPECT_TRUE(seen.ca_file.empty());  // never called
}

// The companion itself, as posdiag runs it.
TEST(TlsCompanion, ReadsPemAsInProcess) {
  const std::string bundle = std::string(kTestCaPem) + "\n" + std::string(kTestClientPem);
  auto certs = ParsePemInChild(kProgram, bundle, io::Deadline::In(milliseconds(5000)));
  ASSERT_TRUE(certs) << certs.error().detail;
  ASSERT_EQ(certs->size(), 2u);
  EXPECT_EQ((*certs)[1].subject, "terminal-00042");
  EXPECT_EQ((*certs)[1].not_after_epoch_s, testing::kTestClientNotAfter);
  auto none = ParsePemInChild(kProgram, "garbage\n", io::Deadline::In(milliseconds(5000)));
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, ErrorKind::kParse);
}

// A bundle larger than a pipe holds goes across too (it is not written through one).
TEST(TlsCompanion, ABigBundle) {
  std::string bundle;
  for (int i = 0; i < 300; ++i) bundle += std::string(kTestCaPem) + "\n";
  auto certs = ParsePemInChild(kProgram, bundle, io::Deadline::In(milliseconds(10000)));
  ASSERT_TRUE(certs) << certs.error().detail;
  EXPECT_EQ(certs->size(), 300u);
}

class TlsCompanionHandshake : public ::testing::Test {
 protected:
  void SetUp() override {
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, pair), 0);
    client_ = UniqueFd(pair[0]);
    host_ = UniqueFd(pair[1]);
  }
  Result<TlsReading> Handshake(milliseconds limit = milliseconds(5000)) {
    TlsOptions options;
    options.identity = "pay.bank.test";
    options.server_name = "pay.bank.test";
    return HandshakeInChild(kProgram, std::move(client_), options, io::Deadline::In(limit));
  }
  UniqueFd client_;
  UniqueFd host_;
};

TEST_F(TlsCompanionHandshake, AHostThatHangsUpIsClosed) {
  ASSERT_EQ(::shutdown(host_.get(), SHUT_WR), 0);  // it takes the ClientHello, then says no more
  auto r = Handshake();
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_FALSE(r->handshake_ok);
  EXPECT_EQ(r->outcome, TlsOutcome::kClosed) << r->error;
}

TEST_F(TlsCompanionHandshake, AHostThatNeverAnswersTimesOutAtTheDeadline) {
  auto r = Handshake(milliseconds(300));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_FALSE(r->handshake_ok);
  EXPECT_EQ(r->outcome, TlsOutcome::kTimeout) << r->error;
}

TEST_F(TlsCompanionHandshake, GarbageIsAFailureNotACrash) {
  ASSERT_EQ(::write(host_.get(), "HTTP/1.1 400 Bad Request\r\n\r\n", 28), 28);
  auto r = Handshake();
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_FALSE(r->handshake_ok);
  EXPECT_NE(r->outcome, TlsOutcome::kOk);
  EXPECT_FALSE(r->error.empty());
}

// The run's whole check in one start: both texts judged, then the handshake on the socket.
TEST_F(TlsCompanionHandshake, TheWholeCheckInOneStart) {
  ASSERT_EQ(::shutdown(host_.get(), SHUT_WR), 0);
  TlsCheckRequest request;
  request.ca_pem = std::string(kTestCaPem);
  request.client_pem = "not a certificate\n";
  request.handshake = true;
  request.options.identity = "pay.bank.test";
  request.options.server_name = "pay.bank.test";
  auto result =
      CheckTlsInChild(kProgram, std::move(client_), request, io::Deadline::In(milliseconds(5000)));
  ASSERT_TRUE(result.ca && *result.ca) << result.ca->error().detail;
  EXPECT_EQ((*result.ca)->size(), 1u);
  ASSERT_TRUE(result.client && !*result.client);
  EXPECT_EQ(result.client->error().kind, ErrorKind::kParse);
  ASSERT_TRUE(result.handshake && *result.handshake) << result.handshake->error().detail;
  EXPECT_EQ((*result.handshake)->outcome, TlsOutcome::kClosed);
}

TEST(TlsCompanion, TheTextsAloneWithoutASocket) {
  TlsCheckRequest request;
  std::string bundle;
  for (int i = 0; i < 200; ++i) bundle += std::string(kTestCaPem) + "\n";
  request.ca_pem = bundle;
  request.client_pem = std::string(kTestClientPem);
  auto result =
      CheckTlsInChild(kProgram, UniqueFd(), request, io::Deadline::In(milliseconds(10000)));
  ASSERT_TRUE(result.ca && *result.ca) << result.ca->error().detail;
  EXPECT_EQ((*result.ca)->size(), 200u);
  ASSERT_TRUE(result.client && *result.client) << result.client->error().detail;
  EXPECT_EQ((*result.client)->front().subject, "terminal-00042");
  EXPECT_FALSE(result.handshake);
}

TEST(TlsCompanionMissing, IsAnErrorThatSaysSo) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), 0);
  UniqueFd other(pair[1]);
  auto r = HandshakeInChild("/nonexistent/posdiag-tls", UniqueFd(pair[0]), TlsOptions{},
                            io::Deadline::In(milliseconds(1000)));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(r.error().detail.find("posdiag-tls"), std::string::npos) << r.error().detail;

  TlsCheckRequest request;
  request.ca_pem = std::string(kTestCaPem);
  auto checked = CheckTlsInChild("/nonexistent/posdiag-tls", UniqueFd(), request,
                                 io::Deadline::In(milliseconds(1000)));
  ASSERT_TRUE(checked.ca && !*checked.ca);
  EXPECT_EQ(checked.ca->error().kind, ErrorKind::kNotFound);  // "not checked", never "not PEM"
}

}  // namespace
}  // namespace posdiag::drivers::network
