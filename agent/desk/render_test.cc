#include "agent/desk/render.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "agent/desk/desk_testing.h"
#include "agent/report_id.h"

namespace posdiag::desk {
namespace {

TerminalRow Row(const std::string& id, const std::string& state, const std::string& status,
                std::vector<std::string> codes) {
  TerminalRow t;
  t.terminal_id = id;
  t.state = state;
  t.last_seen_ms = 1'800'000'000'000;
  t.last = LastReport{"7KQ2-M9X4", "boot", status, std::move(codes), "2026-11-21T05:40:49Z"};
  t.reports = 1;
  return t;
}

std::string LineOf(const std::string& text, const std::string& start) {
  const auto pos = text.find("\n" + start);
  if (pos == std::string::npos) return {};
  return text.substr(pos + 1, text.find('\n', pos + 1) - pos - 1);
}

TEST(RenderTest, ListShowsUnknownAndOfflineAsTheirOwnWords) {
  std::vector<TerminalRow> rows{Row("term-0001", "online", "unknown", {}),
                                Row("term-0002", "offline", "ok", {}),
                                Row("term-0003", "online", "error", {"P1", "T1"})};
  TerminalRow never;
  never.terminal_id = "term-0004";
  rows.push_back(never);
  const std::string text = RenderTerminalsText(rows);
  const std::string t1 = LineOf(text, "term-0001");
  EXPECT_NE(t1.find(" unknown "), std::string::npos) << text;
  EXPECT_EQ(t1.find(" ok "), std::string::npos) << text;
  EXPECT_NE(LineOf(text, "term-0002").find(" offline "), std::string::npos) << text;
  EXPECT_NE(LineOf(text, "term-0003").find(" P1,T1 "), std::string::npos) << text;
  EXPECT_NE(LineOf(text, "term-0004").find("no-status"), std::string::npos) << text;
  EXPECT_NE(LineOf(text, "term-0004").find("no-report"), std::string::npos) << text;
  EXPECT_NE(text.find("not known to be clear"), std::string::npos) << text;

  const auto j = nlohmann::json::parse(RenderTerminalsJson(rows));
  EXPECT_EQ(j["terminals"][0]["last"]["status"], "unknown");
  EXPECT_EQ(j["terminals"][1]["state"], "offline");
  EXPECT_TRUE(j["terminals"][3]["state"].is_null());
  EXPECT_TRUE(j["terminals"][3]["last"].is_null());
}

TEST(RenderTest, AStatusOutsideTheContractIsShownAsUnknownNeverAsClear) {
  const std::string text = RenderTerminalsText({Row("term-0001", "online", "", {})});
  EXPECT_NE(LineOf(text, "term-0001").find(" unknown "), std::string::npos) << text;
}

TEST(RenderTest, ShowGivesFindingsWithCodesAndTitlesInTheLanguageAsked) {
  const std::string id = agent::NewReportId();
  auto record = ParseReport("term-0001", testing::ReportJson(id, "term-0001").dump());
  ASSERT_TRUE(record) << record.error().detail;
  StoredReport stored{*record, 1'800'000'000'000};
  const std::string en = RenderReportText(stored, rules::Lang::kEn);
  EXPECT_NE(en.find("Report " + id), std::string::npos) << en;
  EXPECT_NE(en.find("P1  Printer out of paper"), std::string::npos) << en;
  EXPECT_NE(en.find("1. Load paper"), std::string::npos) << en;
  EXPECT_NE(en.find("terminal: term-0001"), std::string::npos) << en;
  const std::string zh = RenderReportText(stored, rules::Lang::kZhCn);
  EXPECT_NE(zh.find("P1  打印机缺纸"), std::string::npos) << zh;

  const auto j = nlohmann::json::parse(RenderReportJson(stored));
  EXPECT_EQ(j["report_id"], id);
  EXPECT_EQ(j["received_at"], "2027-01-15T08:00:00.000Z");
}

TEST(RenderTest, ShowSaysAnUnknownReportIsNotClear) {
  auto j = testing::ReportJson(agent::NewReportId(), "term-0001", "unknown", {});
  j["incomplete"] = {{{"probe", "printer"},
                      {"status", "timeout"},
                      {"reason", "no answer in 2000 ms"},
                      {"title", {{"zh-CN", "打印机"}, {"en", "Printer"}}}}};
  auto record = ParseReport("term-0001", j.dump());
  ASSERT_TRUE(record);
  const std::string en = RenderReportText({*record, 0}, rules::Lang::kEn);
  EXPECT_NE(en.find("status: unknown"), std::string::npos) << en;
  EXPECT_NE(en.find("printer (Printer)  timeout  no answer in 2000 ms"), std::string::npos) << en;
  EXPECT_NE(en.find("NOT known to be clear"), std::string::npos) << en;
  EXPECT_EQ(en.find("No problems found"), std::string::npos) << en;
}

}  // namespace
}  // namespace posdiag::desk
