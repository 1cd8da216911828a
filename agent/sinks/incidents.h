// The flight recorder's incidents as people read them (docs/recorder.md): the JSON an incident
// report carries, the digest history keeps of it, the line the diagnose key shows the merchant
// after incidents, and the engineer's trend. Pure: reports, digests and times in, text out.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "agent/report.h"
#include "rules/engine/rule.h"

namespace posdiag::agent {

// The amount as a band, never the amount itself: "<10", "10-100", "100-1000", ">=1000".
std::string AmountBand(double amount);

nlohmann::json IncidentToJson(const IncidentInfo& incident);
// The digest of a saved incident report's JSON (kind "incident"); nullopt for any other report
// or one whose "incident" is not what IncidentToJson writes.
std::optional<IncidentDigest> DigestFromJson(const nlohmann::json& report);
nlohmann::json DigestToJson(const IncidentDigest& digest);

// The incidents of the local day of `now_s` (offset_s east of UTC), newest first.
std::vector<IncidentDigest> IncidentsToday(const std::vector<IncidentDigest>& recent,
                                           std::int64_t now_s, std::int64_t offset_s);

// For the merchant, when there were incidents today: "今天 12:31–12:47 有 3 笔交易超时：当时网络
// 无法连接支付主机" / "Today 12:31–12:47, 3 payments timed out: at the time, ...". Empty when
// there were none.
std::string MerchantIncidentLine(const std::vector<IncidentDigest>& today, std::int64_t offset_s,
                                 rules::Lang lang);

// The engineer's trend: one row per hour of the last day that had failures, oldest first.
struct TrendHour {
  std::int64_t start_s = 0;  // the hour's start, UTC epoch seconds
  std::int64_t failures = 0;
  std::vector<std::string> causes;  // rule ids of the root causes seen in that hour
};
std::vector<TrendHour> FailureTrend(const std::vector<IncidentDigest>& recent, std::int64_t now_s);

// "HH:MM" of an epoch second at offset_s east of UTC.
std::string LocalClock(std::int64_t epoch_s, std::int64_t offset_s);

}  // namespace posdiag::agent
