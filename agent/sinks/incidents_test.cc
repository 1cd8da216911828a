#include "agent/sinks/incidents.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "agent/sinks/json_report.h"
#include "agent/sinks/text_report.h"

namespace posdiag::agent {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr std::int64_t kCst = 8 * 3600;
// 2024-05-01T04:31:00Z is 12:31 in China.
constexpr std::int64_t k1231 = 1714537860;

IncidentDigest Digest(std::int64_t first, std::int64_t last, std::int64_t failures,
                      std::string code, std::string cause_rule = "", std::string zh = "",
                      std::string en = "") {
  IncidentDigest d;
  d.report_id = "7KQ2-M9X4";
  d.first_s = first;
  d.last_s = last;
  d.failures = failures;
  d.code = std::move(code);
  if (!cause_rule.empty()) d.causes.push_back({cause_rule, "T1", {zh, en}});
  return d;
}

TEST(AmountBand, BandsNeverTheAmount) {
  EXPECT_EQ(AmountBand(9.99), "<10");
  EXPECT_EQ(AmountBand(10), "10-100");
  EXPECT_EQ(AmountBand(999.5), "100-1000");
  EXPECT_EQ(AmountBand(12345.67), ">=1000");
  EXPECT_EQ(AmountBand(-1), "");
}

TEST(LocalClock, InTheMerchantsZone) {
  EXPECT_EQ(LocalClock(k1231, kCst), "12:31");
  EXPECT_EQ(LocalClock(k1231, 0), "04:31");
  EXPECT_EQ(LocalClock(0, -3600), "23:00");
}

TEST(MerchantLine, TimeoutsWithTheirCause) {
  const std::vector<IncidentDigest> today = {
      Digest(k1231 + 16 * 60, k1231 + 16 * 60, 1, "98", "network.host_timeout", "无法连接支付主机",
             "the payment host does not answer"),
      Digest(k1231, k1231 + 5 * 60, 2, "98", "network.host_timeout", "无法连接支付主机",
             "the payment host does not answer")};
  EXPECT_EQ(MerchantIncidentLine(today, kCst, rules::Lang::kZhCn),
            "今天 12:31–12:47 有 3 笔交易超时：当时无法连接支付主机");
  EXPECT_EQ(MerchantIncidentLine(today, kCst, rules::Lang::kEn),
            "Today 12:31–12:47, 3 payments timed out: at the time, the payment host does not "
            "answer");
}

TEST(MerchantLine, NothingFoundPointsAtTheBank) {
  const std::vector<IncidentDigest> today = {Digest(k1231, k1231, 1, "96")};
  EXPECT_EQ(MerchantIncidentLine(today, kCst, rules::Lang::kZhCn),
            "今天 12:31 有 1 笔交易失败：当时终端未发现故障（可能是银行一侧的问题）");
  EXPECT_THAT(MerchantIncidentLine(today, kCst, rules::Lang::kEn), HasSubstr("1 payment failed"));
  EXPECT_EQ(MerchantIncidentLine({}, kCst, rules::Lang::kEn), "");
}

TEST(IncidentsToday, TheMerchantsDayNotUtcs) {
  // 12:31 in China on 1 May; the day before ended at 16:00 UTC on 30 April.
  const std::vector<IncidentDigest> recent = {
      Digest(k1231, k1231, 1, "98"), Digest(k1231 - 13 * 3600, k1231 - 13 * 3600, 1, "98")};
  EXPECT_EQ(IncidentsToday(recent, k1231 + 3600, kCst).size(), 1u);
  EXPECT_EQ(IncidentsToday(recent, k1231 + 3600, 0).size(), 1u);
  EXPECT_EQ(IncidentsToday(recent, k1231 + 2 * 86400, kCst).size(), 0u);
}

TEST(FailureTrend, PerHourWithCauses) {
  const std::vector<IncidentDigest> recent = {
      Digest(k1231, k1231 + 60, 3, "98", "network.dns_failure"),
      Digest(k1231 + 120, k1231 + 120, 997, "98", "network.host_timeout"),
      Digest(k1231 + 3600, k1231 + 3600, 1, "96"),
      Digest(k1231 - 2 * 86400, k1231 - 2 * 86400, 5, "96")};  // older than a day
  const auto trend = FailureTrend(recent, k1231 + 3700);
  ASSERT_EQ(trend.size(), 2u);
  EXPECT_EQ(trend[0].failures, 1000);
  EXPECT_EQ(trend[0].causes,
            (std::vector<std::string>{"network.dns_failure", "network.host_timeout"}));
  EXPECT_EQ(trend[1].failures, 1);
  EXPECT_TRUE(trend[1].causes.empty());
}

TEST(IncidentJson, RoundTripsThroughAReport) {
  Report report;
  report.report_id = "7KQ2-M9X4";
  report.kind = "incident";
  report.started_at = std::chrono::system_clock::from_time_t(k1231 + 2);
  IncidentInfo info;
  info.time_s = k1231;
  info.type = "sale";
  info.amount_band = "10-100";
  info.code = "98";
  info.failures = 4;
  info.first_s = k1231 - 30;
  info.last_s = k1231;
  report.incident = info;
  rules::Finding f;
  f.rule = "network.host_timeout";
  f.code = "T1";
  f.title = {"无法连接支付主机", "the payment host does not answer"};
  report.evaluation.findings.push_back(f);
  const nlohmann::json j = ReportToJson(report);
  EXPECT_EQ(j["incident"]["code"], "98");
  EXPECT_EQ(j["incident"]["amount_band"], "10-100");
  EXPECT_FALSE(j["incident"].contains("amount"));
  const auto digest = DigestFromJson(j);
  ASSERT_TRUE(digest.has_value());
  EXPECT_EQ(digest->failures, 4);
  EXPECT_EQ(digest->first_s, k1231 - 30);
  ASSERT_EQ(digest->causes.size(), 1u);
  EXPECT_EQ(digest->causes[0].title.en, "the payment host does not answer");
  EXPECT_THAT(RenderText(report, rules::Lang::kEn), HasSubstr("payment failed with 98"));

  nlohmann::json key = j;
  key["kind"] = "key";
  EXPECT_FALSE(DigestFromJson(key).has_value());
}

TEST(IncidentJson, KeyReportCarriesTheMerchantLine) {
  Report report;
  report.level = Level::kMerchant;
  report.kind = "key";
  report.started_at = std::chrono::system_clock::from_time_t(k1231 + 3600);
  report.local_offset_s = kCst;
  report.incidents = {Digest(k1231, k1231, 1, "98", "network.host_timeout", "无法连接支付主机",
                             "the payment host does not answer")};
  const nlohmann::json j = ReportToJson(report);
  EXPECT_EQ(j["incident_line"]["zh-CN"], "今天 12:31 有 1 笔交易超时：当时无法连接支付主机");
  EXPECT_THAT(RenderText(report, rules::Lang::kZhCn), HasSubstr("今天 12:31 有 1 笔交易超时"));
  report.level = Level::kBoot;
  EXPECT_THAT(RenderText(report, rules::Lang::kZhCn), Not(HasSubstr("今天")));
}

}  // namespace
}  // namespace posdiag::agent
