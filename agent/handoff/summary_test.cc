#include "agent/handoff/summary.h"

#include <gtest/gtest.h>

#include "agent/handoff/base45.h"
#include "agent/handoff/signing.h"
#include "agent/report_id.h"
#include "agent/sinks/sample_report.h"

namespace posdiag::agent::handoff {
namespace {

using rules::Severity;

// "7KQ2-M9X" and its check symbol.
std::string ValidId() { return std::string("7KQ2-M9X") + ReportIdCheckSymbol("7KQ2M9X"); }

Report ShopReport() {
  Report r = agent::testing::SampleReport(Level::kMerchant);
  r.status = RunStatus::kError;
  r.report_id = ValidId();
  r.facts.Add({"network.dns.ok", false, "", "network"});
  r.facts.Add({"network.link.carrier", true, "", "network"});
  r.facts.Add({"network.tls.days_to_expiry", std::int64_t{-3}, "days", "network"});
  r.facts.Add({"modem.signal.dbm", std::int64_t{-101}, "dBm", "modem"});
  return r;
}

TEST(Summary, CarriesTheReportMostSevereFirst) {
  const Summary s = Summarize(ShopReport(), "POS-0042", false);
  EXPECT_EQ(s.terminal_id, "POS-0042");
  EXPECT_EQ(s.report_id, ValidId());
  EXPECT_EQ(s.time_s, 1795239649);  // 2026-11-21T05:40:49Z
  EXPECT_EQ(s.level, Level::kMerchant);
  EXPECT_EQ(s.status, RunStatus::kError);
  ASSERT_EQ(s.findings.size(), 3u);
  EXPECT_EQ(s.findings_total, 3u);
  EXPECT_EQ(s.findings[0], (SummaryFinding{"E1", "system.overheat", Severity::kCritical}));
  EXPECT_EQ(s.findings[1], (SummaryFinding{"E1", "power.battery_low", Severity::kError}));
  EXPECT_EQ(s.findings[2], (SummaryFinding{"P6", "printer.paper_near_end", Severity::kWarning}));
  EXPECT_EQ(s.facts, (std::vector<SummaryFact>{{"power.battery.capacity_pct", 8},
                                               {"modem.signal.dbm", -101},
                                               {"network.failed_step", 4},
                                               {"network.tls.days_to_expiry", -3}}));
  EXPECT_EQ(FactText(s.facts[2]), "dns");
}

TEST(Summary, UnsignedRoundTripsAndSaysSo) {
  const Summary s = Summarize(ShopReport(), "POS-0042", false);
  auto text = EncodePayload(s, nullptr);
  ASSERT_TRUE(text.ok()) << text.error().detail;
  EXPECT_EQ(text->rfind("PD1:", 0), 0u);
  EXPECT_LE(text->size(), kMaxPayloadChars);
  auto back = ParsePayload(*text);
  ASSERT_TRUE(back.ok()) << back.error().detail;
  EXPECT_EQ(back->summary, s);
  EXPECT_FALSE(back->signature.has_value());
  EXPECT_EQ(Verify(*back, nullptr), SignatureState::kAbsent);
}

TEST(Summary, SignedVerifiesOnlyWithItsKeyAndUntouched) {
  auto key = SigningKey::Generate();
  ASSERT_TRUE(key.ok());
  auto other = SigningKey::Generate();
  ASSERT_TRUE(other.ok());
  auto pub = PublicKey::FromPem((*key)->PublicPem());
  ASSERT_TRUE(pub.ok()) << pub.error().detail;
  auto other_pub = PublicKey::FromPem((*other)->PublicPem());
  ASSERT_TRUE(other_pub.ok());
  EXPECT_EQ(pub->KeyId(), (*key)->KeyId());

  const Summary s = Summarize(ShopReport(), "POS-0042", true);
  auto text = EncodePayload(s, key->get());
  ASSERT_TRUE(text.ok()) << text.error().detail;
  EXPECT_LE(text->size(), kMaxPayloadChars);
  auto back = ParsePayload(*text);
  ASSERT_TRUE(back.ok()) << back.error().detail;
  EXPECT_EQ(back->summary, s);
  EXPECT_EQ(Verify(*back, &*pub), SignatureState::kValid);
  EXPECT_EQ(Verify(*back, &*other_pub), SignatureState::kUnknownKey);
  EXPECT_EQ(Verify(*back, nullptr), SignatureState::kUnknownKey);

  // The same summary with another terminal ID, signature kept: the bytes no longer match it.
  auto bytes = Base45Decode(std::string_view(*text).substr(kPayloadPrefix.size()));
  ASSERT_TRUE(bytes.ok());
  const std::size_t tid = 1 + 1 + 4 + 5 + 1;  // version, flags, time, report ID, length
  ASSERT_EQ((*bytes)[tid], 'P');
  (*bytes)[tid] = 'Q';
  auto forged = ParsePayload(std::string(kPayloadPrefix) + Base45Encode(*bytes));
  ASSERT_TRUE(forged.ok()) << forged.error().detail;
  EXPECT_EQ(forged->summary.terminal_id, "QOS-0042");
  EXPECT_EQ(Verify(*forged, &*pub), SignatureState::kInvalid);

  // A status changed from error to ok in the flags.
  auto bytes2 = Base45Decode(std::string_view(*text).substr(kPayloadPrefix.size()));
  (*bytes2)[1] = static_cast<std::uint8_t>(((*bytes2)[1] & 0x07));
  auto fine = ParsePayload(std::string(kPayloadPrefix) + Base45Encode(*bytes2));
  ASSERT_TRUE(fine.ok());
  EXPECT_EQ(fine->summary.status, RunStatus::kOk);
  EXPECT_EQ(Verify(*fine, &*pub), SignatureState::kInvalid);
}

TEST(Summary, TruncatedOrGarbledIsUnreadable) {
  auto key = SigningKey::Generate();
  ASSERT_TRUE(key.ok());
  const std::string text = *EncodePayload(Summarize(ShopReport(), "POS-0042", true), key->get());
  for (std::size_t cut : {text.size() - 1, text.size() - 3, text.size() - 90, std::size_t{10},
                          std::size_t{4}, std::size_t{0}}) {
    auto r = ParsePayload(text.substr(0, cut));
    ASSERT_FALSE(r.ok()) << cut;
    EXPECT_EQ(r.error().kind, ErrorKind::kParse);
  }
  EXPECT_FALSE(ParsePayload("PD2:" + text.substr(4)).ok());
  EXPECT_FALSE(ParsePayload(text + "00").ok());  // a byte after the end
  EXPECT_FALSE(ParsePayload("hello").ok());
  // What zbarimg prints is accepted as it is.
  EXPECT_TRUE(ParsePayload("QR-Code:" + text + "\n").ok());
}

TEST(Summary, StaysWithinTheBudgetWhateverTheReport) {
  Report r = ShopReport();
  r.evaluation.findings.clear();
  for (int i = 0; i < 60; ++i) {
    auto f = agent::testing::MakeFinding("network.host_unreachable_" + std::to_string(i), "T1",
                                         Severity::kError, "network", "x", "x");
    r.evaluation.findings.push_back(f);
  }
  auto key = SigningKey::Generate();
  ASSERT_TRUE(key.ok());
  const Summary s = Summarize(r, std::string(80, 'T'), true);
  EXPECT_EQ(s.terminal_id.size(), kMaxTerminalId);
  EXPECT_EQ(s.findings_total, 60u);
  EXPECT_GT(s.findings.size(), 3u);
  EXPECT_LT(s.findings.size(), 60u);
  auto text = EncodePayload(s, key->get());
  ASSERT_TRUE(text.ok());
  EXPECT_LE(text->size(), kMaxPayloadChars);
  auto back = ParsePayload(*text);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->summary.findings.size(), s.findings.size());
  EXPECT_EQ(back->summary.findings_total, 60u);
}

TEST(Summary, RefusesWhatTheFormatCannotCarry) {
  Summary s = Summarize(ShopReport(), "POS", false);
  s.report_id = "not an id";
  EXPECT_FALSE(EncodeBody(s, false).ok());
  s = Summarize(ShopReport(), "POS", false);
  s.terminal_id = "终端";
  EXPECT_FALSE(EncodeBody(s, false).ok());
  s = Summarize(ShopReport(), "POS", false);
  s.findings[0].rule = "Upper.Case";
  EXPECT_FALSE(EncodeBody(s, false).ok());
}

TEST(SigningKey, PemRoundTripAndWrongKinds) {
  auto key = SigningKey::Generate();
  ASSERT_TRUE(key.ok());
  const std::string pem = (*key)->PrivatePem();
  EXPECT_NE(pem.find("BEGIN PRIVATE KEY"), std::string::npos);
  auto again = SigningKey::FromPem(pem);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)->KeyId(), (*key)->KeyId());
  EXPECT_NE((*key)->PublicPem().find("BEGIN PUBLIC KEY"), std::string::npos);
  EXPECT_FALSE(SigningKey::FromPem("garbage").ok());
  EXPECT_FALSE(PublicKey::FromPem(pem.substr(0, 20)).ok());
  EXPECT_FALSE(SigningKey::Load("/nonexistent/key.pem").ok());
}

}  // namespace
}  // namespace posdiag::agent::handoff
