#include "agent/modes/fleet_modes.h"

#include <cstdio>

#include "agent/fleet/fleet_link.h"
#include "agent/modes/modes.h"
#include "agent/report_id.h"
#include "agent/sinks/history.h"
#include "agent/sinks/json_report.h"
#include "agent/sinks/log_sink.h"
#include "drivers/base/file.h"

namespace posdiag::agent {
namespace {

using nlohmann::json;

json Refused(const std::string& why) { return {{"ok", false}, {"error", "refused: " + why}}; }

// A saved report's JSON, or null.
json ReadSaved(const std::string& file) {
  auto text =
      io::ReadFileBounded(file, {.max_bytes = kMaxHistoryFileBytes, .follow_symlinks = false});
  if (!text) return nullptr;
  json j = json::parse(*text, nullptr, false);
  return j.is_object() ? j : json(nullptr);
}

}  // namespace

json RemoteCommand(Diagnoser& d, const std::string& command, const json& body,
                   const std::function<Report(Level)>& run) {
  const std::string terminal_id = d.fleet() ? d.fleet()->terminal_id : "";
  if (command == "run") {
    Level level = Level::kMerchant;
    if (body.contains("level")) {
      const std::string text = body["level"].is_string() ? body["level"].get<std::string>() : "";
      if (text == "boot") {
        level = Level::kBoot;
      } else if (text == "engineer") {
        level = Level::kEngineer;
      } else if (text != "merchant") {
        return Refused("level must be boot, merchant or engineer");
      }
    }
    if (auto busy = d.TransactionInProgress()) return Refused(*busy);
    if (auto other = d.AnotherRunGoing()) return Refused(*other);
    const Report report = run(level);
    json j = ReportToJson(report);
    j["terminal_id"] = terminal_id;
    return {{"ok", true}, {"exit_code", ExitCodeFor(report)}, {"report", std::move(j)}};
  }
  HistoryStore store(d.history_dir(), d.history_keep());
  const Listing listing = store.Load();
  if (listing.error) return {{"ok", false}, {"error", listing.error->detail}};
  if (command == "history") {
    json reports = json::array();
    for (const auto& e : listing.entries) {
      reports.push_back({{"report_id", e.report_id},
                         {"time", e.started_at},
                         {"level", e.level},
                         {"status", e.status},
                         {"codes", e.codes}});
    }
    return {{"ok", true}, {"reports", std::move(reports)}};
  }
  if (command == "report" || command == "show") {
    std::string file;
    if (command == "report") {
      if (listing.entries.empty()) return {{"ok", false}, {"error", "no report saved yet"}};
      file = listing.entries.front().file;
    } else {
      const std::string asked =
          body.contains("report_id") && body["report_id"].is_string() ? body["report_id"] : "";
      const auto id = NormalizeReportId(asked);
      if (!id) return Refused("\"report_id\" is not a report ID");
      for (const auto& e : listing.entries) {
        if (e.report_id == *id) file = e.file;
      }
      if (file.empty()) return {{"ok", false}, {"error", "no saved report " + *id}};
    }
    json report = ReadSaved(file);
    if (report.is_null()) return {{"ok", false}, {"error", "the saved report cannot be read"}};
    report["terminal_id"] = terminal_id;
    return {{"ok", true}, {"report", std::move(report)}};
  }
  return Refused("unknown command");
}

json LastFromHistory(const Diagnoser& d) {
  HistoryStore store(d.history_dir(), d.history_keep());
  const Listing listing = store.Load();
  if (listing.entries.empty()) return nullptr;
  const HistoryEntry& e = listing.entries.front();
  return fleet::LastOf({{"report_id", e.report_id},
                        {"level", e.level},
                        {"status", e.status},
                        {"codes", e.codes},
                        {"started_at", e.started_at}});
}

int RunFleetFlush(const std::optional<std::string>& config, std::chrono::seconds timeout) {
  auto created = Diagnoser::Create(config);
  if (!created) {
    PrintError(created.error());
    return 3;
  }
  Diagnoser& d = **created;
  if (!d.config().Section("fleet").present()) {
    std::fprintf(stderr, "posdiag: fleet flush: %s has no [fleet] table\n",
                 d.config().source().c_str());
    return 3;
  }
  if (!d.fleet()) return 3;  // Create said why
  fleet::FleetLink link(*d.fleet(), d.log());
  link.SetLast(LastFromHistory(d));
  fleet::FleetLink::Flushed flushed;
  const auto done = link.Flush(io::Deadline::In(timeout), flushed);
  if (!done) {
    std::fprintf(stderr, "posdiag: %s\n", done.error().detail.c_str());
    std::printf("sent %zu, %zu still in the outbox\n", flushed.sent, flushed.pending);
    if (d.log()) d.log()->error("fleet flush: {}", LogValue(done.error().detail));
    return 3;
  }
  std::printf("sent %zu, %zu still in the outbox\n", flushed.sent, flushed.pending);
  if (d.log()) d.log()->info("fleet flush: sent {}", flushed.sent);
  return 0;
}

}  // namespace posdiag::agent
