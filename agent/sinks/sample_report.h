// A hand-built report for the sinks' tests: every probe status, every fact type (a NaN too), a
// root cause hiding a symptom, findings out of severity order, and every list the report has.
#pragma once

#include <chrono>
#include <cmath>
#include <limits>

#include "agent/report.h"

namespace posdiag::agent::testing {

inline rules::Finding MakeFinding(std::string rule, std::string code, rules::Severity severity,
                                  std::string component, std::string zh, std::string en) {
  rules::Finding f;
  f.rule = std::move(rule);
  f.code = std::move(code);
  f.severity = severity;
  f.component = std::move(component);
  f.title = {std::move(zh), std::move(en)};
  return f;
}

// 2026-11-21T05:40:49.123Z
inline std::chrono::system_clock::time_point SampleTime() {
  using namespace std::chrono;
  return sys_days{year{2026} / 11 / 21} + hours{5} + minutes{40} + seconds{49} + milliseconds{123};
}

inline Report SampleReport(Level level = Level::kEngineer) {
  using std::chrono::milliseconds;
  Report r;
  r.report_id = "1234-567M";
  r.level = level;
  r.status = RunStatus::kCritical;
  r.started_at = SampleTime();
  r.duration = milliseconds{2150};
  r.probes = {
      {"power", ProbeStatus::kOk, milliseconds{12}, "", {"电源", "Power"}},
      {"printer",
       ProbeStatus::kError,
       milliseconds{40},
       "open /dev/ttyS1: permission denied",
       {"打印机", "Receipt printer"}},
      {"card_reader",
       ProbeStatus::kTimeout,
       milliseconds{2000},
       "no answer within 2000 ms",
       {"读卡器", "Card reader"}},
      {"modem",
       ProbeStatus::kNotConfigured,
       milliseconds{0},
       "no [modem] section",
       {"无线模块", "Cellular modem"}},
      {"display",
       ProbeStatus::kUnsupported,
       milliseconds{1},
       "no framebuffer",
       {"显示屏", "Display"}},
  };
  r.facts.Add({"power.battery.capacity_pct", std::int64_t{8}, "%", "power"});
  r.facts.Add({"power.adapter.online", false, "", "power"});
  r.facts.Add({"power.battery.voltage", 3.61, "V", "power"});
  r.facts.Add({"power.battery.status", std::string("Discharging"), "", "power"});
  r.facts.Add({"system.cpu.temp_c", std::numeric_limits<double>::quiet_NaN(), "degC", "system"});
  r.facts.AddMissing({"printer.paper", "printer: open /dev/ttyS1: permission denied", "printer"});

  auto warn = MakeFinding("printer.paper_near_end", "P6", rules::Severity::kWarning, "printer",
                          "打印纸即将用完", "Paper near end");
  warn.remedy = {{"准备新的打印纸"}, {"Have a new paper roll ready"}};
  auto low = MakeFinding("power.battery_low", "E1", rules::Severity::kError, "power", "电池电量低",
                         "Battery low");
  low.remedy = {{"连接电源适配器", "检查适配器指示灯"},
                {"Plug in the power adapter", "Check the adapter's light"}};
  low.evidence = {{"power.battery.capacity_pct", std::int64_t{8}}, {"power.adapter.online", false}};
  low.suppressed = {"power.battery_warn"};
  auto hot = MakeFinding("system.overheat", "E1", rules::Severity::kCritical, "system", "终端过热",
                         "Terminal overheated");
  hot.remedy = {{"关机冷却十分钟"}, {"Switch off and let it cool for ten minutes"}};
  // Out of severity order on purpose: sinks must sort most severe first.
  r.evaluation.findings = {warn, low, hot};

  auto symptom = MakeFinding("power.battery_warn", "E1", rules::Severity::kWarning, "power",
                             "电池电量偏低", "Battery getting low");
  symptom.suppressed_by = "power.battery_low";
  r.evaluation.suppressed = {symptom};
  r.evaluation.not_evaluated = {{"printer.paper_end", "printer.paper not measured"}};
  r.evaluation.rules_evaluated = 42;
  r.rule_errors = {"site.toml:3:1: unknown key \"colour\""};
  r.sink_errors = {"display: write: No space left on device"};
  r.history.reports = 50;
  r.history.fired = {{"power.battery_low", 7}, {"printer.paper_end", 2}};
  r.config_source = "/etc/posdiag/posdiag.toml";
  return r;
}

}  // namespace posdiag::agent::testing
