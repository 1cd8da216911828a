// posdiag-fleet list and show: read the store, print.
#include <iostream>

#include "agent/desk/fleet_commands.h"
#include "agent/desk/render.h"
#include "agent/desk/store.h"
#include "agent/report_id.h"
#include "agent/sinks/text_util.h"

namespace posdiag::desk {
namespace {

// Fewer symbols than this name too many reports to be worth a lookup.
constexpr std::size_t kMinPrefixSymbols = 4;

Result<std::unique_ptr<Store>> OpenExisting(const std::string& db) {
  auto store = Store::Open(db, Store::Mode::kExisting);
  if (!store) return store.error().Context("database");
  return store;
}

}  // namespace

int RunList(const std::string& db, Format format) {
  auto store = OpenExisting(db);
  if (!store) {
    std::cerr << "posdiag-fleet list: " << store.error().detail << "\n";
    return 3;
  }
  auto rows = (*store)->Terminals();
  if (!rows) {
    std::cerr << "posdiag-fleet list: " << rows.error().detail << "\n";
    return 3;
  }
  std::cout << (format == Format::kJson ? RenderTerminalsJson(*rows) : RenderTerminalsText(*rows));
  return std::cout.flush() ? 0 : 3;
}

int RunShow(const std::string& id, const std::string& db, Format format, rules::Lang lang) {
  constexpr std::string_view kName = "posdiag-fleet show: ";
  // Read aloud in groups: spaces are as good as dashes.
  std::string typed;
  for (char c : id) {
    if (c != ' ' && c != '\t') typed += c;
  }
  const std::string shown = agent::DisplayText(id);
  std::string key;
  std::size_t limit = 1;
  if (auto canonical = agent::NormalizeReportId(typed)) {
    key = *canonical;
  } else {
    auto prefix = agent::NormalizeReportIdPrefix(typed);
    if (!prefix) {
      std::cerr << kName << shown
                << ": not a report ID (Crockford symbols 0-9 A-Z without U, as XXXX-XXXX)\n";
      return 3;
    }
    const std::size_t symbols = prefix->size() - (prefix->size() > 4 ? 1 : 0);
    if (symbols == agent::kReportIdPayloadLength + 1) {
      std::cerr << kName << shown << ": the check symbol does not match (" << *prefix
                << "): a symbol was misheard or mistyped\n";
      return 3;
    }
    if (symbols < kMinPrefixSymbols) {
      std::cerr << kName << shown << ": too short; give at least " << kMinPrefixSymbols
                << " symbols of the ID\n";
      return 3;
    }
    key = *prefix;
    limit = 6;
  }
  auto store = OpenExisting(db);
  if (!store) {
    std::cerr << kName << store.error().detail << "\n";
    return 3;
  }
  auto found = (*store)->FindReports(key, limit);
  if (!found) {
    std::cerr << kName << found.error().detail << "\n";
    return 3;
  }
  if (found->empty()) {
    std::cerr << kName << "no report " << key << (limit > 1 ? "…" : "") << " in " << db << "\n";
    return 3;
  }
  if (found->size() > 1) {
    std::cerr << kName << key << " is the start of more than one report:";
    for (std::size_t i = 0; i < found->size() && i < limit - 1; ++i) {
      std::cerr << " " << (*found)[i].record.report_id << " (" << (*found)[i].record.terminal_id
                << ")";
    }
    if (found->size() >= limit) std::cerr << " …";
    std::cerr << "; give more of the ID\n";
    return 3;
  }
  const StoredReport& report = found->front();
  std::cout << (format == Format::kJson ? RenderReportJson(report)
                                        : RenderReportText(report, lang));
  return std::cout.flush() ? 0 : 3;
}

}  // namespace posdiag::desk
