#include "agent/sinks/export.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "agent/sinks/sample_report.h"
#include "agent/sinks/temp_dir.h"

namespace posdiag::agent {
namespace {

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(PrometheusTest, StatusFindingsProbesAndNumericFacts) {
  const std::string text = RenderPrometheus(testing::SampleReport());
  EXPECT_TRUE(Has(text, "posdiag_run_status{level=\"engineer\",status=\"critical\"} 1\n")) << text;
  EXPECT_TRUE(Has(text, "posdiag_run_status{level=\"engineer\",status=\"ok\"} 0\n"));
  EXPECT_TRUE(Has(text, "posdiag_run_exit_code 2\n"));
  EXPECT_TRUE(Has(text, "posdiag_run_info{report_id=\"1234-567M\""));
  EXPECT_TRUE(Has(text, "posdiag_fact{name=\"power.battery.capacity_pct\",unit=\"%\"} 8\n"));
  EXPECT_TRUE(Has(text, "posdiag_fact{name=\"system.cpu.temp_c\",unit=\"degC\"} NaN\n"));
  EXPECT_FALSE(Has(text, "power.battery.status"));  // text facts are not metrics
  EXPECT_TRUE(Has(text, "# TYPE posdiag_finding gauge\n"));
  EXPECT_TRUE(Has(text, "posdiag_finding{rule=\""));
}

TEST(PrometheusTest, UnknownIsItsOwnSeriesNeverOk) {
  Report r = testing::SampleReport();
  r.status = RunStatus::kUnknown;
  r.evaluation.findings.clear();
  const std::string text = RenderPrometheus(r);
  EXPECT_TRUE(Has(text, "status=\"unknown\"} 1\n"));
  EXPECT_TRUE(Has(text, "status=\"ok\"} 0\n"));
  EXPECT_TRUE(Has(text, "posdiag_run_exit_code 1\n"));
}

TEST(PrometheusTest, LabelsAreEscapedAndCardDataNeverAppears) {
  Report r = testing::SampleReport();
  r.probes[0].name = "a\"b\\c\nd";
  r.report_id = "4111111111111111";
  const std::string text = RenderPrometheus(r);
  EXPECT_TRUE(Has(text, "probe=\"a\\\"b\\\\c\\nd\"")) << text;
  EXPECT_FALSE(Has(text, "4111111111111111"));
}

TEST(NagiosTest, OneLineWithTheWordTheExitStatusMeans) {
  Report r = testing::SampleReport();
  std::string line = RenderNagios(r);
  EXPECT_EQ(line.rfind("POSDIAG CRITICAL - ", 0), 0u) << line;
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  EXPECT_TRUE(Has(line, " | duration="));
  EXPECT_TRUE(Has(line, " battery=8%"));
  EXPECT_TRUE(Has(line, "(report 1234-567M)"));
  EXPECT_EQ(std::count(line.begin(), line.end(), '|'), 1);

  r.evaluation.findings.clear();
  r.evaluation.suppressed.clear();
  r.status = RunStatus::kUnknown;
  line = RenderNagios(r);
  EXPECT_EQ(line.rfind("POSDIAG WARNING - could not complete:", 0), 0u) << line;

  r.status = RunStatus::kOk;
  for (auto& p : r.probes) p.status = ProbeStatus::kOk;
  line = RenderNagios(r);
  EXPECT_EQ(line.rfind("POSDIAG OK - all clear", 0), 0u) << line;
}

TEST(PrometheusSinkTest, WritesTheFileWhole) {
  testing::TempDir dir;
  PrometheusSink sink((dir.path() / "posdiag.prom").string());
  ASSERT_TRUE(sink.Write(testing::SampleReport()));
  std::ifstream in(dir.path() / "posdiag.prom");
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), RenderPrometheus(testing::SampleReport()));
  PrometheusSink nowhere((dir.path() / "absent" / "posdiag.prom").string());
  EXPECT_FALSE(nowhere.Write(testing::SampleReport()));
}

}  // namespace
}  // namespace posdiag::agent
