#include "agent/sinks/json_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "agent/sinks/sample_report.h"

namespace posdiag::agent {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

void ExpectFindingShape(const json& f) {
  ASSERT_TRUE(f.is_object());
  for (const char* key : {"rule", "code", "severity", "component"}) {
    ASSERT_TRUE(f.contains(key)) << key;
    EXPECT_TRUE(f[key].is_string()) << key;
  }
  EXPECT_THAT(f["severity"].get<std::string>(),
              ::testing::AnyOf("info", "warning", "error", "critical"));
  ASSERT_TRUE(f["title"].is_object());
  EXPECT_TRUE(f["title"]["zh-CN"].is_string());
  EXPECT_TRUE(f["title"]["en"].is_string());
  ASSERT_TRUE(f["remedy"].is_object());
  for (const char* lang : {"zh-CN", "en"}) {
    ASSERT_TRUE(f["remedy"][lang].is_array()) << lang;
    for (const auto& step : f["remedy"][lang]) EXPECT_TRUE(step.is_string());
  }
  EXPECT_TRUE(f["evidence"].is_object());
  ASSERT_TRUE(f["suppressed"].is_array());
  for (const auto& id : f["suppressed"]) EXPECT_TRUE(id.is_string());
}

TEST(JsonReportTest, HasEveryContractKeyWithItsType) {
  const json j = ReportToJson(testing::SampleReport());
  EXPECT_EQ(j["schema"], "posdiag.report/1");
  EXPECT_EQ(j["report_id"], "1234-567M");
  EXPECT_EQ(j["level"], "engineer");
  EXPECT_EQ(j["status"], "critical");
  EXPECT_EQ(j["started_at"], "2026-11-21T05:40:49.123Z");
  ASSERT_TRUE(j["duration_ms"].is_number_integer());
  EXPECT_EQ(j["duration_ms"], 2150);

  ASSERT_TRUE(j["probes"].is_array());
  ASSERT_EQ(j["probes"].size(), 5u);
  for (const auto& p : j["probes"]) {
    EXPECT_TRUE(p["name"].is_string());
    EXPECT_TRUE(p["status"].is_string());
    EXPECT_TRUE(p["duration_ms"].is_number_integer());
    ASSERT_TRUE(p.contains("error"));
    if (p["status"] == "ok") {
      EXPECT_TRUE(p["error"].is_null());
    } else {
      EXPECT_TRUE(p["error"].is_string());
      EXPECT_FALSE(p["error"].get<std::string>().empty());
    }
  }
  EXPECT_EQ(j["probes"][0], json::parse(R"({"name":"power","status":"ok","duration_ms":12,
                                            "error":null})"));
  EXPECT_EQ(j["probes"][2]["status"], "timeout");
  EXPECT_EQ(j["probes"][3]["status"], "not_configured");
  EXPECT_EQ(j["probes"][4]["status"], "unsupported");

  ASSERT_TRUE(j["findings"].is_array());
  ASSERT_EQ(j["findings"].size(), 3u);
  for (const auto& f : j["findings"]) ExpectFindingShape(f);
}

TEST(JsonReportTest, FactsKeepTheirTypes) {
  const json j = ReportToJson(testing::SampleReport());
  const json& facts = j["facts"];
  ASSERT_TRUE(facts.is_object());
  EXPECT_TRUE(facts["power.battery.capacity_pct"].is_number_integer());
  EXPECT_EQ(facts["power.battery.capacity_pct"], 8);
  EXPECT_TRUE(facts["power.adapter.online"].is_boolean());
  EXPECT_EQ(facts["power.adapter.online"], false);
  EXPECT_TRUE(facts["power.battery.voltage"].is_number_float());
  EXPECT_DOUBLE_EQ(facts["power.battery.voltage"].get<double>(), 3.61);
  EXPECT_EQ(facts["power.battery.status"], "Discharging");
  EXPECT_TRUE(facts["system.cpu.temp_c"].is_null());  // NaN is not JSON
  EXPECT_FALSE(facts.contains("printer.paper"));

  EXPECT_EQ(j["fact_units"], json::parse(R"({"power.battery.capacity_pct":"%",
      "power.battery.voltage":"V","system.cpu.temp_c":"degC"})"));
  EXPECT_EQ(j["fact_probes"]["power.adapter.online"], "power");
  EXPECT_EQ(j["fact_probes"]["system.cpu.temp_c"], "system");
  EXPECT_EQ(j["facts_missing"],
            json::parse(R"({"printer.paper":"printer: open /dev/ttyS1: permission denied"})"));
}

TEST(JsonReportTest, InfiniteRealsAreNullAndTheDumpStaysValid) {
  Report r = testing::SampleReport();
  r.facts.Add({"system.load.ratio", std::numeric_limits<double>::infinity(), "", "system"});
  r.evaluation.findings[1].evidence["system.load.ratio"] = -std::numeric_limits<double>::infinity();
  const std::string text = RenderJson(r);
  const json back = json::parse(text);  // throws on invalid JSON
  EXPECT_TRUE(back["facts"]["system.load.ratio"].is_null());
  EXPECT_TRUE(back["findings"][1]["evidence"]["system.load.ratio"].is_null());
}

TEST(JsonReportTest, FindingsMostSevereFirstWithFullText) {
  const json j = ReportToJson(testing::SampleReport());
  const json& f = j["findings"];
  EXPECT_EQ(f[0]["rule"], "system.overheat");
  EXPECT_EQ(f[0]["severity"], "critical");
  EXPECT_EQ(f[1]["rule"], "power.battery_low");
  EXPECT_EQ(f[2]["rule"], "printer.paper_near_end");
  EXPECT_EQ(f[1]["code"], "E1");
  EXPECT_EQ(f[1]["component"], "power");
  EXPECT_EQ(f[1]["title"], json::parse(R"({"zh-CN":"电池电量低","en":"Battery low"})"));
  EXPECT_EQ(f[1]["remedy"]["zh-CN"], json::parse(R"(["连接电源适配器","检查适配器指示灯"])"));
  EXPECT_EQ(f[1]["remedy"]["en"][1], "Check the adapter's light");
  EXPECT_EQ(f[1]["evidence"],
            json::parse(R"({"power.battery.capacity_pct":8,"power.adapter.online":false})"));
  EXPECT_EQ(f[1]["suppressed"], json::parse(R"(["power.battery_warn"])"));
  EXPECT_FALSE(f[1].contains("suppressed_by"));
}

TEST(JsonReportTest, AddedKeys) {
  const json j = ReportToJson(testing::SampleReport());
  ASSERT_EQ(j["suppressed_findings"].size(), 1u);
  ExpectFindingShape(j["suppressed_findings"][0]);
  EXPECT_EQ(j["suppressed_findings"][0]["rule"], "power.battery_warn");
  EXPECT_EQ(j["suppressed_findings"][0]["suppressed_by"], "power.battery_low");
  EXPECT_EQ(j["not_evaluated"], json::parse(R"([{"rule":"printer.paper_end",
                                               "reason":"printer.paper not measured"}])"));
  EXPECT_EQ(j["rules_evaluated"], 42);
  EXPECT_EQ(j["rule_errors"], json::parse(R"(["site.toml:3:1: unknown key \"colour\""])"));
  EXPECT_EQ(j["sink_errors"], json::parse(R"(["display: write: No space left on device"])"));
  EXPECT_EQ(j["history"],
            json::parse(R"({"reports":50,"fired":{"power.battery_low":7,"printer.paper_end":2}})"));
  EXPECT_EQ(j["config"], "/etc/posdiag/posdiag.toml");
  EXPECT_EQ(j["exit_code"], 2);
}

TEST(JsonReportTest, HistoryOnlyAtEngineerLevel) {
  EXPECT_FALSE(ReportToJson(testing::SampleReport(Level::kMerchant)).contains("history"));
  EXPECT_FALSE(ReportToJson(testing::SampleReport(Level::kBoot)).contains("history"));
  EXPECT_EQ(ReportToJson(testing::SampleReport(Level::kBoot))["level"], "boot");
}

TEST(JsonReportTest, RenderKeepsChineseReadableAndEndsWithNewline) {
  const std::string text = RenderJson(testing::SampleReport());
  EXPECT_THAT(text, HasSubstr("\"zh-CN\": \"电池电量低\""));
  EXPECT_THAT(text, HasSubstr("\n  \"schema\": \"posdiag.report/1\""));
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(json::parse(text), ReportToJson(testing::SampleReport()));
}

TEST(JsonReportTest, InvalidUtf8AndCardDataNeverReachTheOutput) {
  Report r = testing::SampleReport();
  r.probes[1].error = "bad \xFF\xC0 bytes, card ;6222021234567894=2512101?";
  r.facts.Add({"printer.model", std::string("TM\xE4\xB8"), "", "printer"});
  r.sink_errors.push_back("pan 4111 1111 1111 1111");
  std::string text;
  ASSERT_NO_THROW(text = RenderJson(r));
  EXPECT_THAT(text, Not(HasSubstr("6222021234567894")));
  EXPECT_THAT(text, Not(HasSubstr("=2512101")));
  EXPECT_THAT(text, Not(HasSubstr("4111 1111 1111 1111")));
  const json back = json::parse(text);
  EXPECT_EQ(back["probes"][1]["error"],
            "bad \xEF\xBF\xBD\xEF\xBF\xBD bytes, card ;622202******7894[track data removed]");
  EXPECT_EQ(back["facts"]["printer.model"], "TM\xEF\xBF\xBD\xEF\xBF\xBD");
  // The tree itself is clean: a plain dump() without an error handler does not throw.
  EXPECT_NO_THROW((void)ReportToJson(r).dump());
}

TEST(JsonReportTest, OnlyNumbersLongEnoughForACardAreMasked) {
  Report r = testing::SampleReport();
  r.facts.Add({"modem.pan_like", std::string("4111111111111111"), "", "modem"});  // 16 digits
  r.facts.Add({"modem.twelve", std::string("411111111111"), "", "modem"});        // 12 digits
  r.probes[1].error = "ids 4111 1111 1111 1111 and 12345";
  const json j = ReportToJson(r);
  EXPECT_EQ(j["facts"]["modem.pan_like"], "411111******1111");
  EXPECT_EQ(j["facts"]["modem.twelve"], "411111111111");
  EXPECT_EQ(j["probes"][1]["error"], "ids 4111 11** **** 1111 and 12345");
  EXPECT_NO_THROW((void)j.dump());
}

TEST(JsonReportTest, EmptyReportIsStillTheContractShape) {
  const json j = ReportToJson(Report{});
  EXPECT_EQ(j["status"], "unknown");
  EXPECT_TRUE(j["probes"].is_array());
  EXPECT_TRUE(j["facts"].is_object());
  EXPECT_TRUE(j["findings"].is_array());
  EXPECT_EQ(j["started_at"], "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(j["exit_code"], 3);
}

}  // namespace
}  // namespace posdiag::agent
