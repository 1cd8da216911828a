#include "agent/sinks/incidents.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "drivers/base/time_format.h"

namespace posdiag::agent {
namespace {

using nlohmann::json;

constexpr std::int64_t kDay = 24 * 3600;
constexpr std::size_t kMaxCauses = 8;
constexpr std::size_t kMaxText = 256;

bool IsTimeoutCode(const std::string& code) { return code == "68" || code == "98"; }

std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}

const std::string* Text(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().size() > kMaxText) {
    return nullptr;
  }
  return &it->get_ref<const std::string&>();
}

std::optional<std::int64_t> Int(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

}  // namespace

std::string AmountBand(double amount) {
  if (!(amount >= 0)) return "";
  if (amount < 10) return "<10";
  if (amount < 100) return "10-100";
  if (amount < 1000) return "100-1000";
  return ">=1000";
}

std::string LocalClock(std::int64_t epoch_s, std::int64_t offset_s) {
  const std::int64_t in_day = epoch_s + offset_s - FloorDiv(epoch_s + offset_s, kDay) * kDay;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(in_day / 3600),
                static_cast<int>(in_day % 3600 / 60));
  return buf;
}

json IncidentToJson(const IncidentInfo& i) {
  return {{"time", FormatRfc3339UtcSeconds(i.time_s)},
          {"time_s", i.time_s},
          {"type", i.type},
          {"amount_band", i.amount_band},
          {"code", i.code},
          {"local", i.local},
          {"failures", i.failures},
          {"first_s", i.first_s},
          {"last_s", i.last_s},
          {"capture_ms", i.capture_ms},
          {"via", i.via},
          {"dns_failed", i.dns_failed}};
}

std::optional<IncidentDigest> DigestFromJson(const json& report) {
  if (!report.is_object()) return std::nullopt;
  const std::string* kind = Text(report, "kind");
  const auto incident = report.find("incident");
  if (kind == nullptr || *kind != "incident" || incident == report.end() ||
      !incident->is_object()) {
    return std::nullopt;
  }
  IncidentDigest d;
  const std::string* id = Text(report, "report_id");
  const std::string* code = Text(*incident, "code");
  const auto first = Int(*incident, "first_s");
  const auto last = Int(*incident, "last_s");
  const auto failures = Int(*incident, "failures");
  if (id == nullptr || code == nullptr || !first || !last || !failures) return std::nullopt;
  d.report_id = *id;
  d.code = *code;
  d.first_s = *first;
  d.last_s = *last;
  d.failures = std::max<std::int64_t>(*failures, 1);
  if (const std::string* via = Text(*incident, "via")) d.via = *via;
  if (const auto dns = incident->find("dns_failed"); dns != incident->end() && dns->is_boolean()) {
    d.dns_failed = dns->get<bool>();
  }
  if (const auto findings = report.find("findings");
      findings != report.end() && findings->is_array()) {
    for (const auto& f : *findings) {
      if (d.causes.size() >= kMaxCauses || !f.is_object()) break;
      const std::string* rule = Text(f, "rule");
      const std::string* fcode = Text(f, "code");
      if (rule == nullptr || fcode == nullptr) continue;
      IncidentDigest::Cause cause{*rule, *fcode, {}};
      if (const auto title = f.find("title"); title != f.end() && title->is_object()) {
        if (const std::string* zh = Text(*title, "zh-CN")) cause.title.zh_cn = *zh;
        if (const std::string* en = Text(*title, "en")) cause.title.en = *en;
      }
      d.causes.push_back(std::move(cause));
    }
  }
  return d;
}

json DigestToJson(const IncidentDigest& d) {
  json causes = json::array();
  for (const auto& c : d.causes) causes.push_back(c.rule);
  return {{"report_id", d.report_id}, {"code", d.code},     {"failures", d.failures},
          {"first_s", d.first_s},     {"last_s", d.last_s}, {"causes", std::move(causes)}};
}

std::vector<IncidentDigest> IncidentsToday(const std::vector<IncidentDigest>& recent,
                                           std::int64_t now_s, std::int64_t offset_s) {
  const std::int64_t day_start = FloorDiv(now_s + offset_s, kDay) * kDay - offset_s;
  std::vector<IncidentDigest> today;
  for (const auto& d : recent) {
    if (d.last_s >= day_start && d.last_s < day_start + kDay) today.push_back(d);
  }
  return today;
}

std::string MerchantIncidentLine(const std::vector<IncidentDigest>& today, std::int64_t offset_s,
                                 rules::Lang lang) {
  if (today.empty()) return "";
  std::int64_t first = today.front().first_s;
  std::int64_t last = today.front().last_s;
  std::int64_t failures = 0;
  bool all_timeouts = true;
  // The cause most incidents had; ties go to the newest.
  std::map<std::string, std::size_t> votes;
  const IncidentDigest::Cause* cause = nullptr;
  std::size_t best = 0;
  for (const auto& d : today) {
    first = std::min(first, d.first_s);
    last = std::max(last, d.last_s);
    failures += d.failures;
    all_timeouts = all_timeouts && IsTimeoutCode(d.code);
    if (d.causes.empty()) continue;
    const std::size_t n = ++votes[d.causes.front().rule];
    if (n > best) {
      best = n;
      cause = &d.causes.front();
    }
  }
  std::string span = LocalClock(first, offset_s);
  if (LocalClock(last, offset_s) != span) span += "–" + LocalClock(last, offset_s);
  const std::string n = std::to_string(failures);
  if (lang == rules::Lang::kEn) {
    std::string line = "Today " + span + ", " + n + (failures == 1 ? " payment " : " payments ") +
                       (all_timeouts ? "timed out" : "failed") + ": ";
    line += cause != nullptr && !cause->title.en.empty()
                ? "at the time, " + cause->title.en
                : "the terminal found nothing wrong at the time (likely the bank's side)";
    return line;
  }
  std::string line =
      "今天 " + span + " 有 " + n + " 笔交易" + (all_timeouts ? "超时" : "失败") + "：";
  line += cause != nullptr && !cause->title.zh_cn.empty()
              ? "当时" + cause->title.zh_cn
              : "当时终端未发现故障（可能是银行一侧的问题）";
  return line;
}

std::vector<TrendHour> FailureTrend(const std::vector<IncidentDigest>& recent, std::int64_t now_s) {
  std::map<std::int64_t, TrendHour> hours;
  std::map<std::int64_t, std::set<std::string>> seen;
  for (const auto& d : recent) {
    if (d.last_s <= now_s - kDay || d.last_s > now_s + 3600) continue;
    const std::int64_t hour = FloorDiv(d.last_s, 3600) * 3600;
    TrendHour& h = hours[hour];
    h.start_s = hour;
    h.failures += d.failures;
    for (const auto& c : d.causes) {
      if (seen[hour].insert(c.rule).second) h.causes.push_back(c.rule);
    }
  }
  std::vector<TrendHour> out;
  for (auto& [_, h] : hours) out.push_back(std::move(h));
  return out;
}

}  // namespace posdiag::agent
