// The fleet's wire contract as the desk reads and writes it (docs/fleet.md): topics under
// `<prefix>/<terminal_id>/`, the terminal's retained `status`, its `report`s, and the
// `cmd/<request_id>` a desk sends with the `cmd/<request_id>/result` it waits for. Pure: bytes in,
// records out, so every malformed message is a value the collector counts, never a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "drivers/base/result.h"

namespace posdiag::desk {

inline constexpr std::string_view kDefaultTopicPrefix = "posdiag/v1";
inline constexpr std::string_view kReportSchema = "posdiag.report/1";
inline constexpr std::string_view kStatusSchema = "posdiag.status/1";
inline constexpr std::string_view kResultSchema = "posdiag.result/1";
// A report is a few kilobytes; anything far larger is not one of ours.
inline constexpr std::size_t kMaxPayloadBytes = 1024 * 1024;

// A terminal ID as it may appear in a topic: 1-64 of [A-Za-z0-9._-].
bool ValidTerminalId(std::string_view id);
// A topic prefix: non-empty levels of [A-Za-z0-9._-] separated by '/', no wildcards.
bool ValidTopicPrefix(std::string_view prefix);

enum class TopicKind { kStatus, kReport, kCommand, kResult, kOther };
struct Topic {
  TopicKind kind = TopicKind::kOther;
  std::string terminal_id;
  std::string request_id;  // kCommand and kResult
};
// What `topic` is under `prefix`; kOther for anything else (a wrong prefix, a bad terminal ID).
Topic ParseTopic(std::string_view prefix, std::string_view topic);

std::string StatusTopic(std::string_view prefix, std::string_view terminal_id);
std::string CommandTopic(std::string_view prefix, std::string_view terminal_id,
                         std::string_view request_id);
std::string ResultTopic(std::string_view prefix, std::string_view terminal_id,
                        std::string_view request_id);
// The collector's subscriptions: every terminal's reports, shared by `group`, and every status.
std::string SharedReportSubscription(std::string_view prefix, std::string_view group);
std::string StatusSubscription(std::string_view prefix);

// A report as the desk keeps it. `json` is the payload re-serialised with any card number masked
// (the terminal already masks; this is the desk's second line of defence).
struct ReportRecord {
  std::string report_id;  // canonical "XXXX-XXXX"
  std::string terminal_id;
  std::string kind;  // selftest|key|console|remote|incident, or "" when the terminal gave none
  std::string level;
  std::string status;  // ok|warning|error|critical|unknown
  std::vector<std::string> codes;
  std::string started_at;                    // as the terminal wrote it (RFC 3339 UTC)
  std::optional<std::int64_t> published_ms;  // "published_ms", when the sender added one
  std::string json;
};

// A report received on `<prefix>/<terminal_id>/report`. kParse with the reason for anything that
// is not a posdiag.report/1 with a valid report ID, or that names another terminal than the topic.
Result<ReportRecord> ParseReport(std::string_view terminal_id, std::string_view payload);

struct LastReport {
  std::string report_id;
  std::string level;
  std::string status;
  std::vector<std::string> codes;
  std::string time;
};

struct StatusRecord {
  std::string terminal_id;
  std::string state;  // online|offline
  std::string time;   // "" when absent (a last will)
  std::optional<LastReport> last;
  std::optional<std::int64_t> outbox_pending;
  std::optional<std::int64_t> outbox_dropped;
  std::string json;
};

// A status received on `<prefix>/<terminal_id>/status`. kParse for anything else; an empty
// payload (a retained status being cleared) is kNotFound.
Result<StatusRecord> ParseStatus(std::string_view terminal_id, std::string_view payload);

// 16 lowercase hex digits from the system's random source.
std::string NewRequestId();
bool ValidRequestId(std::string_view id);

// The command the desk sends: {"command":"run","level":LEVEL}.
std::string RunCommandPayload(std::string_view level);

struct CommandResult {
  std::string request_id;
  std::string terminal_id;
  std::string command;
  bool ok = false;
  std::string error;                    // when !ok
  std::optional<ReportRecord> report;   // a run's or report's answer
  std::optional<int> report_exit_code;  // the report's own "exit_code", when it carries one
  std::string json;
};

// A result on `cmd/<request_id>/result` for the request `request_id` of `terminal_id`.
Result<CommandResult> ParseResult(std::string_view terminal_id, std::string_view request_id,
                                  std::string_view payload);

// The status words of the report contract, in order of the run statuses.
bool ValidRunStatus(std::string_view status);

}  // namespace posdiag::desk
