// The JSON report, DESIGN.md's external contract "posdiag.report/1". Keys may be added, never
// renamed or removed. Strings are redacted of card data; reals that are NaN or infinite are null.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "agent/report.h"

namespace posdiag::agent {

inline constexpr std::string_view kReportSchema = "posdiag.report/1";

nlohmann::json ReportToJson(const Report& report);

// ReportToJson dumped with two-space indent, UTF-8 kept readable, invalid UTF-8 replaced, and a
// final newline. Never throws but for memory exhaustion.
std::string RenderJson(const Report& report);

// A fact value as JSON: bool, integer, real (null when not finite) or string.
nlohmann::json FactValueToJson(const rules::FactValue& value);

}  // namespace posdiag::agent
