#include "agent/sinks/text_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>
#include <sstream>
#include <string>
#include <vector>

#include "agent/sinks/sample_report.h"
#include "agent/sinks/text_util.h"

namespace posdiag::agent {
namespace {

using rules::Lang;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The line index of the first line containing `needle`, or -1.
int Find(const std::vector<std::string>& lines, const std::string& needle) {
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].find(needle) != std::string::npos) return static_cast<int>(i);
  }
  return -1;
}

class TextReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tz = std::getenv("TZ");
    had_tz_ = tz != nullptr;
    if (had_tz_) old_tz_ = tz;
    setenv("TZ", "CST-8", 1);
    tzset();
  }
  void TearDown() override {
    if (had_tz_) {
      setenv("TZ", old_tz_.c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }

 private:
  bool had_tz_ = false;
  std::string old_tz_;
};

TEST_F(TextReportTest, MerchantReportInChineseIsShortAndMostSevereFirst) {
  const auto lines = Lines(RenderText(testing::SampleReport(Level::kMerchant), Lang::kZhCn));
  EXPECT_THAT(
      lines,
      ElementsAre("报告编号：1234-567M", "级别：商户  状态：严重  时间：2026-11-21 13:40:49 +0800",
                  "[E1] 终端过热 — 关机冷却十分钟（严重）",
                  "[E1] 电池电量低 — 连接电源适配器（错误）",
                  "[P6] 打印纸即将用完 — 准备新的打印纸（警告）", "部分检测未完成：打印机、读卡器",
                  "  请重启终端后再检测一次；如仍未完成，请将报告编号告知客服"));
}

TEST_F(TextReportTest, BootReportInEnglish) {
  const auto lines = Lines(RenderText(testing::SampleReport(Level::kBoot), Lang::kEn));
  EXPECT_THAT(lines,
              ElementsAre("Report ID: 1234-567M",
                          "Level: boot  Status: critical  Time: 2026-11-21 13:40:49 +0800",
                          "[E1] Terminal overheated — Switch off and let it cool for ten minutes "
                          "(critical)",
                          "[E1] Battery low — Plug in the power adapter (error)",
                          "[P6] Paper near end — Have a new paper roll ready (warning)",
                          "Some checks could not be completed: Receipt printer, Card reader",
                          "  Restart the terminal and run the check again; if this persists, call "
                          "support with the report ID"));
}

TEST_F(TextReportTest, AllClearOnlyWhenSomethingWasMeasured) {
  Report r = testing::SampleReport(Level::kMerchant);
  r.evaluation = {};
  r.status = RunStatus::kOk;
  auto lines = Lines(RenderText(r, Lang::kEn));
  ASSERT_GE(lines.size(), 3u);
  EXPECT_EQ(lines[2], "All clear: no faults found");
  EXPECT_EQ(Lines(RenderText(r, Lang::kZhCn))[2], "未发现故障");

  for (auto& p : r.probes) {
    if (p.status == ProbeStatus::kOk) p.status = ProbeStatus::kTimeout;
  }
  r.status = StatusFor(r.evaluation, r.probes);
  ASSERT_EQ(r.status, RunStatus::kUnknown);
  lines = Lines(RenderText(r, Lang::kEn));
  EXPECT_THAT(lines, ElementsAre(HasSubstr("Report ID"), HasSubstr("Status: unknown"),
                                 "Could not complete: no check measured anything"));
}

TEST_F(TextReportTest, FindingWithoutRemedyStillHasCodeTitleAndSeverity) {
  Report r = testing::SampleReport(Level::kMerchant);
  r.evaluation.findings = {testing::MakeFinding("network.dns_failure", "T1",
                                                rules::Severity::kError, "network", "域名解析失败",
                                                "DNS failure")};
  EXPECT_EQ(Lines(RenderText(r, Lang::kEn))[2], "[T1] DNS failure (error)");
}

TEST_F(TextReportTest, EngineerReportHasEverything) {
  const std::string text = RenderText(testing::SampleReport(Level::kEngineer), Lang::kEn);
  const auto lines = Lines(text);
  // Summary first, as at the other levels.
  EXPECT_EQ(lines[2].rfind("[E1] Terminal overheated", 0), 0u);
  // Every remedy step and the evidence with units.
  EXPECT_THAT(text, HasSubstr("    1. Plug in the power adapter\n"));
  EXPECT_THAT(text, HasSubstr("    2. Check the adapter's light\n"));
  EXPECT_THAT(text, HasSubstr("    power.battery.capacity_pct = 8 %\n"));
  EXPECT_THAT(text, HasSubstr("    power.adapter.online = false\n"));
  // The suppressed symptom sits under its root cause, before the next finding.
  const int root = Find(lines, "[E1] power.battery_low  error  power");
  const int symptom = Find(lines, "[E1] power.battery_warn Battery getting low (warning)");
  const int next = Find(lines, "[P6] printer.paper_near_end  warning  printer");
  ASSERT_GE(root, 0);
  EXPECT_GT(symptom, root);
  EXPECT_GT(next, symptom);
  // Probes with status, duration and reason.
  EXPECT_THAT(text, HasSubstr("  power        ok  12 ms\n"));
  EXPECT_THAT(text, HasSubstr("  card_reader  timeout  2000 ms  no answer within 2000 ms\n"));
  EXPECT_THAT(text, HasSubstr("  modem        not configured  0 ms  no [modem] section\n"));
  EXPECT_THAT(text, HasSubstr("  display      unsupported  1 ms  no framebuffer\n"));
  EXPECT_THAT(text, HasSubstr("  printer      error  40 ms  open /dev/ttyS1: permission denied\n"));
  // Facts with unit and probe; missing facts; rules not evaluated; errors.
  EXPECT_THAT(text, HasSubstr("  power.battery.status = \"Discharging\"  [power]\n"));
  EXPECT_THAT(text, HasSubstr("  power.battery.voltage = 3.61 V  [power]\n"));
  EXPECT_THAT(text, HasSubstr("  system.cpu.temp_c = nan degC  [system]\n"));
  EXPECT_THAT(text, HasSubstr("== Facts not measured (1) ==\n  printer.paper: printer: open"));
  EXPECT_THAT(text, HasSubstr("== Rules not evaluated (1) ==\n  printer.paper_end: printer.paper "
                              "not measured\n"));
  EXPECT_THAT(text, HasSubstr("== Rule file errors (1) ==\n  site.toml:3:1: unknown key"));
  EXPECT_THAT(text, HasSubstr("== Sink errors (1) ==\n  display: write: No space left"));
  // History, most frequent first.
  const int often = Find(lines, "  power.battery_low: 7 of the last 50 reports");
  const int rarely = Find(lines, "  printer.paper_end: 2 of the last 50 reports");
  ASSERT_GE(often, 0);
  EXPECT_GT(rarely, often);
  EXPECT_THAT(text, HasSubstr("Config: /etc/posdiag/posdiag.toml\n"));
  EXPECT_THAT(text, HasSubstr("Rules evaluated: 42\n"));
}

TEST_F(TextReportTest, EngineerReportInChinese) {
  const std::string text = RenderText(testing::SampleReport(Level::kEngineer), Lang::kZhCn);
  EXPECT_THAT(text, HasSubstr("== 故障 (3) ==\n"));
  EXPECT_THAT(text, HasSubstr("  处理步骤：\n    1. 连接电源适配器\n    2. 检查适配器指示灯\n"));
  EXPECT_THAT(text, HasSubstr("  依据：\n"));
  EXPECT_THAT(
      text,
      HasSubstr("  由此引起（已抑制）：\n    [E1] power.battery_warn 电池电量偏低（警告）\n"));
  EXPECT_THAT(text, HasSubstr("  card_reader  超时  2000 ms"));
  EXPECT_THAT(text, HasSubstr("  power.battery_low：最近 50 份报告中出现 7 次\n"));
  EXPECT_THAT(text, HasSubstr("== 未评估的规则 (1) ==\n"));
  EXPECT_THAT(text, Not(HasSubstr("Findings")));
  EXPECT_THAT(text, Not(HasSubstr("Remedy")));
}

TEST_F(TextReportTest, SymptomWithoutItsRootIsStillListed) {
  Report r = testing::SampleReport(Level::kEngineer);
  r.evaluation.suppressed[0].suppressed_by = "power.adapter_fault";
  r.evaluation.findings[1].suppressed.clear();
  const std::string text = RenderText(r, Lang::kEn);
  EXPECT_THAT(text, HasSubstr("== Suppressed symptoms (1) ==\n    [E1] power.battery_warn Battery "
                              "getting low (warning) — root cause: power.adapter_fault\n"));
}

TEST_F(TextReportTest, HistoryWithoutEarlierReports) {
  Report r = testing::SampleReport(Level::kEngineer);
  r.history = {};
  EXPECT_THAT(RenderText(r, Lang::kEn), HasSubstr("== Recent history ==\n  no earlier reports\n"));
  r.history.reports = 12;
  EXPECT_THAT(RenderText(r, Lang::kEn),
              HasSubstr("== Recent history ==\n  no rule fired in the earlier reports\n"));
}

TEST_F(TextReportTest, DeviceTextCannotBreakLinesColourTheTerminalOrLeakCards) {
  Report r = testing::SampleReport(Level::kEngineer);
  r.probes[1].error = "\x1b[31mread failed\nline two\r 6222021234567894 \xFF";
  r.evaluation.findings[0].title.en = "Paper\x1b[0m near end";
  const std::string text = RenderText(r, Lang::kEn);
  EXPECT_THAT(text, Not(HasSubstr("\x1b")));
  EXPECT_THAT(text, Not(HasSubstr("6222021234567894")));
  EXPECT_THAT(text, HasSubstr("  printer      error  40 ms   [31mread failed line two  "
                              "622202******7894 \xEF\xBF\xBD\n"));
  EXPECT_EQ(ValidUtf8(text), text);
}

TEST(BySeverityTest, MostSevereFirstTiesInGivenOrder) {
  std::vector<rules::Finding> list = {
      testing::MakeFinding("a", "P6", rules::Severity::kWarning, "x", "", ""),
      testing::MakeFinding("b", "E1", rules::Severity::kError, "x", "", ""),
      testing::MakeFinding("c", "P1", rules::Severity::kWarning, "x", "", ""),
      testing::MakeFinding("d", "E1", rules::Severity::kInfo, "x", "", ""),
      testing::MakeFinding("e", "E1", rules::Severity::kCritical, "x", "", ""),
  };
  std::string order;
  for (const auto* f : BySeverity(list)) order += f->rule;
  EXPECT_EQ(order, "ebacd");
}

}  // namespace
}  // namespace posdiag::agent
