#include "agent/desk/wire.h"

#include <gtest/gtest.h>

#include <set>

#include "agent/desk/desk_testing.h"
#include "agent/report_id.h"

namespace posdiag::desk {
namespace {

using testing::ReportJson;

TEST(WireTest, TopicsUnderThePrefix) {
  const auto report = ParseTopic("posdiag/v1", "posdiag/v1/term-0001/report");
  EXPECT_EQ(report.kind, TopicKind::kReport);
  EXPECT_EQ(report.terminal_id, "term-0001");
  EXPECT_EQ(ParseTopic("posdiag/v1", "posdiag/v1/term-0001/status").kind, TopicKind::kStatus);
  const auto result = ParseTopic("posdiag/v1", "posdiag/v1/t1/cmd/0123456789abcdef/result");
  EXPECT_EQ(result.kind, TopicKind::kResult);
  EXPECT_EQ(result.request_id, "0123456789abcdef");
  EXPECT_EQ(ParseTopic("posdiag/v1", "posdiag/v2/t1/report").kind, TopicKind::kOther);
  EXPECT_EQ(ParseTopic("posdiag/v1", "posdiag/v1/t1/report/x").kind, TopicKind::kOther);
  EXPECT_EQ(ParseTopic("posdiag/v1", "posdiag/v1//report").kind, TopicKind::kOther);
  EXPECT_EQ(ParseTopic("posdiag/v1", "posdiag/v1/t+1/report").kind, TopicKind::kOther);
  EXPECT_EQ(ParseTopic("posdiag/v1", "posdiag/v1/t1/cmd/XYZ/result").kind, TopicKind::kOther);
  EXPECT_EQ(SharedReportSubscription("posdiag/v1", "desk"), "$share/desk/posdiag/v1/+/report");
  EXPECT_EQ(ResultTopic("p", "t1", "0123456789abcdef"), "p/t1/cmd/0123456789abcdef/result");
  EXPECT_TRUE(ValidTopicPrefix("acme/posdiag/v1"));
  EXPECT_FALSE(ValidTopicPrefix("acme/#"));
  EXPECT_FALSE(ValidTopicPrefix("acme//v1"));
  EXPECT_FALSE(ValidTerminalId(std::string(65, 'a')));
}

TEST(WireTest, ReportKeepsItsIdCanonicalAndItsCodes) {
  const std::string id = agent::NewReportId();
  auto j = ReportJson(id, "term-0001", "error", {"P1", "T1", "P1"});
  std::string lower = id;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  j["report_id"] = lower;
  auto r = ParseReport("term-0001", j.dump());
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->report_id, id);
  EXPECT_EQ(r->terminal_id, "term-0001");
  EXPECT_EQ(r->status, "error");
  EXPECT_EQ(r->level, "merchant");
  EXPECT_EQ(r->kind, "selftest");
  EXPECT_EQ(r->codes, (std::vector<std::string>{"P1", "T1"}));
  EXPECT_NE(r->json.find(id), std::string::npos);
}

TEST(WireTest, MalformedReportsAreErrorsWithAReason) {
  const std::string id = agent::NewReportId();
  auto reason = [](std::string_view payload) {
    auto r = ParseReport("term-0001", payload);
    EXPECT_FALSE(r);
    return r ? std::string() : r.error().detail;
  };
  EXPECT_EQ(reason("{not json"), "not JSON");
  EXPECT_EQ(reason("[1,2]"), "not a JSON object");
  auto j = ReportJson(id, "term-0001");
  j.erase("report_id");
  EXPECT_EQ(reason(j.dump()), "no \"report_id\"");
  std::string misheard = id;
  misheard.back() = misheard.back() == '0' ? '1' : '0';  // a wrong check symbol
  j = ReportJson(misheard, "term-0001");
  EXPECT_NE(reason(j.dump()).find("is not valid"), std::string::npos);
  j = ReportJson(id, "term-0002");
  EXPECT_NE(reason(j.dump()).find("not the topic's"), std::string::npos);
  j = ReportJson(id, "term-0001", "fine");
  EXPECT_NE(reason(j.dump()).find("\"status\""), std::string::npos);
  j = ReportJson(id, "term-0001");
  j["schema"] = "posdiag.report/9";
  EXPECT_NE(reason(j.dump()).find("schema"), std::string::npos);
  EXPECT_EQ(reason(std::string(kMaxPayloadBytes + 1, ' ')), "larger than 1 MiB");
}

TEST(WireTest, ACardNumberInAReportIsMaskedBeforeItIsKept) {
  auto j = ReportJson(agent::NewReportId(), "term-0001");
  j["facts"]["journal.last_error"] = "declined 4111111111111111 at 12:00";
  j["facts"]["odd.number"] = 4111111111111111LL;
  auto r = ParseReport("term-0001", j.dump());
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->json.find("4111111111111111"), std::string::npos) << r->json;
  EXPECT_NE(r->json.find("411111******1111"), std::string::npos) << r->json;
}

TEST(WireTest, StatusOnlineWithLastReportAndTheWill) {
  const std::string id = agent::NewReportId();
  nlohmann::json j{{"schema", "posdiag.status/1"},
                   {"terminal_id", "term-0001"},
                   {"state", "online"},
                   {"time", "2026-11-21T05:40:50Z"},
                   {"last",
                    {{"report_id", id},
                     {"level", "boot"},
                     {"status", "unknown"},
                     {"codes", {"T1"}},
                     {"time", "2026-11-21T05:40:49Z"}}},
                   {"outbox", {{"pending", 3}, {"dropped", 1}}}};
  auto s = ParseStatus("term-0001", j.dump());
  ASSERT_TRUE(s) << s.error().detail;
  EXPECT_EQ(s->state, "online");
  ASSERT_TRUE(s->last);
  EXPECT_EQ(s->last->status, "unknown");
  EXPECT_EQ(s->last->codes, std::vector<std::string>{"T1"});
  EXPECT_EQ(s->outbox_dropped, 1);

  auto will = ParseStatus(
      "term-0001", R"({"schema":"posdiag.status/1","terminal_id":"term-0001","state":"offline"})");
  ASSERT_TRUE(will) << will.error().detail;
  EXPECT_EQ(will->state, "offline");
  EXPECT_TRUE(will->time.empty());
  EXPECT_FALSE(will->last);

  EXPECT_EQ(ParseStatus("term-0001", "").error().kind, ErrorKind::kNotFound);
  EXPECT_FALSE(ParseStatus("term-0001", R"({"schema":"posdiag.status/1","state":"asleep"})"));
}

TEST(WireTest, RequestIdsAreSixteenHexDigitsAndDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string id = NewRequestId();
    EXPECT_TRUE(ValidRequestId(id)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_FALSE(ValidRequestId("0123456789ABCDEF"));
  EXPECT_EQ(nlohmann::json::parse(RunCommandPayload("merchant")),
            (nlohmann::json{{"command", "run"}, {"level", "merchant"}}));
}

TEST(WireTest, ResultsOkRefusedAndForeign) {
  const std::string id = agent::NewReportId();
  nlohmann::json ok{{"schema", "posdiag.result/1"},
                    {"request_id", "0123456789abcdef"},
                    {"terminal_id", "term-0001"},
                    {"command", "run"},
                    {"ok", true},
                    {"report", ReportJson(id, "term-0001")}};
  auto r = ParseResult("term-0001", "0123456789abcdef", ok.dump());
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_TRUE(r->ok);
  ASSERT_TRUE(r->report);
  EXPECT_EQ(r->report->report_id, id);
  EXPECT_EQ(r->report_exit_code, 2);

  nlohmann::json refused{{"schema", "posdiag.result/1"},
                         {"request_id", "0123456789abcdef"},
                         {"terminal_id", "term-0001"},
                         {"command", "run"},
                         {"ok", false},
                         {"error", "refused: a transaction is in progress"}};
  r = ParseResult("term-0001", "0123456789abcdef", refused.dump());
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_FALSE(r->ok);
  EXPECT_EQ(r->error, "refused: a transaction is in progress");

  EXPECT_FALSE(ParseResult("term-0001", "fedcba9876543210", refused.dump()));
  EXPECT_FALSE(ParseResult("term-0002", "0123456789abcdef", refused.dump()));
}

}  // namespace
}  // namespace posdiag::desk
