#include "agent/desk/wire.h"

#include <array>
#include <chrono>
#include <cstdio>
#include <exception>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "agent/report.h"
#include "agent/report_id.h"
#include "agent/sinks/text_util.h"
#include "drivers/base/card_number.h"

namespace posdiag::desk {
namespace {

using json = nlohmann::json;

bool IdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

Error ParseError(std::string detail) { return Error{ErrorKind::kParse, std::move(detail)}; }

// Splits `text` at '/'.
std::vector<std::string_view> Levels(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    const auto slash = text.find('/', start);
    out.push_back(text.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) return out;
    start = slash + 1;
  }
}

Result<json> ParseObject(std::string_view payload) {
  json j = json::parse(payload.begin(), payload.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return ParseError("not JSON");
  if (!j.is_object()) return ParseError("not a JSON object");
  return j;
}

// The string member `key`, "" when absent; kParse when present and not a string.
Result<std::string> OptionalString(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::string();
  if (!it->is_string()) return ParseError(std::string("\"") + key + "\" is not a string");
  return it->get<std::string>();
}

std::optional<std::int64_t> OptionalInteger(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<std::int64_t>();
}

// Masks anything that looks like a card number, in every string and in long integers.
void RedactTree(json& j) {
  if (j.is_string()) {
    std::string& s = j.get_ref<std::string&>();
    std::string redacted = agent::RedactCardData(s);
    if (redacted != s) s = std::move(redacted);
  } else if (j.is_number_integer() || j.is_number_unsigned()) {
    const std::string digits = j.dump();
    if (digits.size() >= 13 && digits.size() <= 19 && LuhnValid(digits)) j = MaskPan(digits);
  } else if (j.is_object()) {
    // Keys too: an object keyed by something read from a device.
    json copy = json::object();
    for (auto& [key, value] : j.items()) {
      json v = value;
      RedactTree(v);
      copy[agent::RedactCardData(key)] = std::move(v);
    }
    j = std::move(copy);
  } else if (j.is_array()) {
    for (auto& v : j) RedactTree(v);
  }
}

Result<std::vector<std::string>> Codes(const json& j, const char* key) {
  std::vector<std::string> codes;
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return codes;
  if (!it->is_array()) return ParseError(std::string("\"") + key + "\" is not an array");
  std::set<std::string> seen;
  for (const auto& element : *it) {
    std::string code;
    if (element.is_string()) {
      code = element.get<std::string>();
    } else if (element.is_object()) {  // a finding
      const auto c = element.find("code");
      if (c == element.end() || c->is_null()) continue;
      if (!c->is_string()) return ParseError("a finding's \"code\" is not a string");
      code = c->get<std::string>();
    } else {
      return ParseError(std::string("an element of \"") + key + "\" is neither text nor object");
    }
    if (!code.empty() && seen.insert(code).second) codes.push_back(code);
  }
  return codes;
}

bool ValidLevel(std::string_view level) {
  agent::Level parsed;
  return agent::ParseLevel(level, parsed);
}

Result<ReportRecord> ReportFrom(json j, std::string_view terminal_id) {
  auto schema = OptionalString(j, "schema");
  if (!schema) return schema.error();
  if (*schema != kReportSchema) {
    return ParseError(schema->empty() ? "no \"schema\""
                                      : "schema \"" + agent::DisplayText(*schema) + "\" is not " +
                                            std::string(kReportSchema));
  }
  auto id = OptionalString(j, "report_id");
  if (!id) return id.error();
  if (id->empty()) return ParseError("no \"report_id\"");
  const auto canonical = agent::NormalizeReportId(*id);
  if (!canonical) return ParseError("\"report_id\" " + agent::DisplayText(*id) + " is not valid");
  auto terminal = OptionalString(j, "terminal_id");
  if (!terminal) return terminal.error();
  if (!terminal->empty() && *terminal != terminal_id) {
    return ParseError("\"terminal_id\" " + agent::DisplayText(*terminal) + " is not the topic's " +
                      std::string(terminal_id));
  }
  ReportRecord r;
  r.report_id = *canonical;
  r.terminal_id = std::string(terminal_id);
  auto kind = OptionalString(j, "kind");
  auto level = OptionalString(j, "level");
  auto status = OptionalString(j, "status");
  auto started = OptionalString(j, "started_at");
  for (auto* field : {&kind, &level, &status, &started}) {
    if (!*field) return field->error();
  }
  if (!ValidLevel(*level)) return ParseError("\"level\" is not boot, merchant or engineer");
  if (!ValidRunStatus(*status)) {
    return ParseError("\"status\" is not ok, warning, error, critical or unknown");
  }
  auto codes = Codes(j, "findings");
  if (!codes) return codes.error();
  r.kind = agent::DisplayText(*kind);
  r.level = *level;
  r.status = *status;
  r.codes = std::move(*codes);
  for (auto& c : r.codes) c = agent::DisplayText(c);
  r.started_at = agent::DisplayText(*started);
  r.published_ms = OptionalInteger(j, "published_ms");
  j["report_id"] = r.report_id;
  j["terminal_id"] = r.terminal_id;
  RedactTree(j);
  r.json = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

}  // namespace

bool ValidTerminalId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!IdChar(c)) return false;
  }
  return true;
}

bool ValidTopicPrefix(std::string_view prefix) {
  if (prefix.empty() || prefix.size() > 200) return false;
  for (auto level : Levels(prefix)) {
    if (level.empty()) return false;
    for (char c : level) {
      if (!IdChar(c)) return false;
    }
  }
  return true;
}

Topic ParseTopic(std::string_view prefix, std::string_view topic) {
  Topic out;
  if (topic.size() <= prefix.size() + 1 || topic.substr(0, prefix.size()) != prefix ||
      topic[prefix.size()] != '/') {
    return out;
  }
  const auto rest = Levels(topic.substr(prefix.size() + 1));
  if (rest.size() < 2 || !ValidTerminalId(rest[0])) return out;
  if (rest.size() == 2 && rest[1] == "status") {
    out.kind = TopicKind::kStatus;
  } else if (rest.size() == 2 && rest[1] == "report") {
    out.kind = TopicKind::kReport;
  } else if (rest.size() == 3 && rest[1] == "cmd" && ValidRequestId(rest[2])) {
    out.kind = TopicKind::kCommand;
    out.request_id = std::string(rest[2]);
  } else if (rest.size() == 4 && rest[1] == "cmd" && ValidRequestId(rest[2]) &&
             rest[3] == "result") {
    out.kind = TopicKind::kResult;
    out.request_id = std::string(rest[2]);
  } else {
    return out;
  }
  out.terminal_id = std::string(rest[0]);
  return out;
}

std::string StatusTopic(std::string_view prefix, std::string_view terminal_id) {
  return std::string(prefix) + "/" + std::string(terminal_id) + "/status";
}

std::string CommandTopic(std::string_view prefix, std::string_view terminal_id,
                         std::string_view request_id) {
  return std::string(prefix) + "/" + std::string(terminal_id) + "/cmd/" + std::string(request_id);
}

std::string ResultTopic(std::string_view prefix, std::string_view terminal_id,
                        std::string_view request_id) {
  return CommandTopic(prefix, terminal_id, request_id) + "/result";
}

std::string SharedReportSubscription(std::string_view prefix, std::string_view group) {
  return "$share/" + std::string(group) + "/" + std::string(prefix) + "/+/report";
}

std::string StatusSubscription(std::string_view prefix) {
  return std::string(prefix) + "/+/status";
}

bool ValidRunStatus(std::string_view status) {
  for (auto s : {agent::RunStatus::kOk, agent::RunStatus::kWarning, agent::RunStatus::kError,
                 agent::RunStatus::kCritical, agent::RunStatus::kUnknown}) {
    if (agent::RunStatusName(s) == status) return true;
  }
  return false;
}

Result<ReportRecord> ParseReport(std::string_view terminal_id, std::string_view payload) {
  if (payload.size() > kMaxPayloadBytes) return ParseError("larger than 1 MiB");
  auto j = ParseObject(payload);
  if (!j) return j.error();
  return ReportFrom(std::move(*j), terminal_id);
}

Result<StatusRecord> ParseStatus(std::string_view terminal_id, std::string_view payload) {
  if (payload.empty()) return Error{ErrorKind::kNotFound, "empty status (retained one cleared)"};
  if (payload.size() > kMaxPayloadBytes) return ParseError("larger than 1 MiB");
  auto parsed = ParseObject(payload);
  if (!parsed) return parsed.error();
  json& j = *parsed;
  auto schema = OptionalString(j, "schema");
  if (!schema) return schema.error();
  if (*schema != kStatusSchema) {
    return ParseError(schema->empty() ? "no \"schema\""
                                      : "schema \"" + agent::DisplayText(*schema) + "\" is not " +
                                            std::string(kStatusSchema));
  }
  StatusRecord s;
  s.terminal_id = std::string(terminal_id);
  auto terminal = OptionalString(j, "terminal_id");
  if (!terminal) return terminal.error();
  if (!terminal->empty() && *terminal != terminal_id) {
    return ParseError("\"terminal_id\" " + agent::DisplayText(*terminal) + " is not the topic's " +
                      std::string(terminal_id));
  }
  auto state = OptionalString(j, "state");
  if (!state) return state.error();
  if (*state != "online" && *state != "offline") {
    return ParseError("\"state\" is not online or offline");
  }
  s.state = *state;
  auto time = OptionalString(j, "time");
  if (!time) return time.error();
  s.time = agent::DisplayText(*time);
  const auto last = j.find("last");
  if (last != j.end() && !last->is_null()) {
    if (!last->is_object()) return ParseError("\"last\" is neither an object nor null");
    LastReport l;
    auto id = OptionalString(*last, "report_id");
    auto level = OptionalString(*last, "level");
    auto status = OptionalString(*last, "status");
    auto when = OptionalString(*last, "time");
    for (auto* field : {&id, &level, &status, &when}) {
      if (!*field) return field->error().Context("\"last\"");
    }
    const auto canonical = agent::NormalizeReportId(*id);
    if (!canonical) return ParseError("\"last\": \"report_id\" is not valid");
    if (!ValidRunStatus(*status)) return ParseError("\"last\": \"status\" is not a run status");
    auto codes = Codes(*last, "codes");
    if (!codes) return codes.error().Context("\"last\"");
    l.report_id = *canonical;
    l.level = agent::DisplayText(*level);
    l.status = *status;
    l.codes = std::move(*codes);
    for (auto& c : l.codes) c = agent::DisplayText(c);
    l.time = agent::DisplayText(*when);
    s.last = std::move(l);
  }
  const auto outbox = j.find("outbox");
  if (outbox != j.end() && outbox->is_object()) {
    s.outbox_pending = OptionalInteger(*outbox, "pending");
    s.outbox_dropped = OptionalInteger(*outbox, "dropped");
  }
  RedactTree(j);
  s.json = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return s;
}

std::string NewRequestId() {
  std::uint64_t value = 0;
  try {
    std::random_device device;
    value = (static_cast<std::uint64_t>(device()) << 32) ^ device();
  } catch (const std::exception&) {
    std::mt19937_64 fallback(
        static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count()));
    value = fallback();
  }
  std::array<char, 17> text{};
  std::snprintf(text.data(), text.size(), "%016llx", static_cast<unsigned long long>(value));
  return std::string(text.data(), 16);
}

bool ValidRequestId(std::string_view id) {
  if (id.size() != 16) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string RunCommandPayload(std::string_view level) {
  return json{{"command", "run"}, {"level", std::string(level)}}.dump();
}

Result<CommandResult> ParseResult(std::string_view terminal_id, std::string_view request_id,
                                  std::string_view payload) {
  if (payload.size() > kMaxPayloadBytes) return ParseError("larger than 1 MiB");
  auto parsed = ParseObject(payload);
  if (!parsed) return parsed.error();
  json& j = *parsed;
  CommandResult r;
  auto schema = OptionalString(j, "schema");
  auto request = OptionalString(j, "request_id");
  auto terminal = OptionalString(j, "terminal_id");
  auto command = OptionalString(j, "command");
  auto error = OptionalString(j, "error");
  for (auto* field : {&schema, &request, &terminal, &command, &error}) {
    if (!*field) return field->error();
  }
  if (*schema != kResultSchema) return ParseError("schema is not " + std::string(kResultSchema));
  if (*request != request_id) return ParseError("\"request_id\" is not this request's");
  if (!terminal->empty() && *terminal != terminal_id) {
    return ParseError("\"terminal_id\" is not the terminal asked");
  }
  const auto ok = j.find("ok");
  if (ok == j.end() || !ok->is_boolean()) return ParseError("no boolean \"ok\"");
  r.request_id = *request;
  r.terminal_id = std::string(terminal_id);
  r.command = agent::DisplayText(*command);
  r.ok = ok->get<bool>();
  r.error = agent::DisplayText(*error);
  const auto report = j.find("report");
  if (report != j.end() && report->is_object()) {
    if (const auto code = OptionalInteger(*report, "exit_code");
        code && *code >= 0 && *code < 256) {
      r.report_exit_code = static_cast<int>(*code);
    }
    auto rec = ReportFrom(*report, terminal_id);
    if (!rec) return rec.error().Context("\"report\"");
    r.report = std::move(*rec);
  }
  if (!r.ok && r.error.empty()) r.error = "refused without a reason";
  RedactTree(j);
  r.json = j.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

}  // namespace posdiag::desk
