// Reports and statuses as a terminal sends them, for the desk's tests.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace posdiag::desk::testing {

inline nlohmann::json ReportJson(const std::string& report_id, const std::string& terminal_id,
                                 const std::string& status = "error",
                                 const std::vector<std::string>& codes = {"P1"},
                                 const std::string& started_at = "2026-11-21T05:40:49.123Z") {
  nlohmann::json findings = nlohmann::json::array();
  for (const auto& code : codes) {
    findings.push_back({{"rule", "printer.paper_end"},
                        {"code", code},
                        {"severity", "error"},
                        {"component", "printer"},
                        {"title", {{"zh-CN", "打印机缺纸"}, {"en", "Printer out of paper"}}},
                        {"remedy", {{"zh-CN", {"装入打印纸"}}, {"en", {"Load paper"}}}},
                        {"evidence", nlohmann::json::object()},
                        {"suppressed", false}});
  }
  return {{"schema", "posdiag.report/1"},
          {"report_id", report_id},
          {"terminal_id", terminal_id},
          {"kind", "selftest"},
          {"level", "merchant"},
          {"status", status},
          {"started_at", started_at},
          {"duration_ms", 812},
          {"probes", nlohmann::json::array()},
          {"facts", nlohmann::json::object()},
          {"findings", findings},
          {"incomplete", nlohmann::json::array()},
          {"exit_code", status == "ok" ? 0 : 2}};
}

}  // namespace posdiag::desk::testing
