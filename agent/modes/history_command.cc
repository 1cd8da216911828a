// `posdiag history`: the reports kept under [history] dir, newest first. Exit 0, or 3 when the
// config is bad or the directory cannot be read (an absent one is an empty history).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "agent/modes/modes.h"
#include "agent/modes/setup.h"
#include "agent/sinks/history.h"

namespace posdiag::agent {

int RunHistory(const std::optional<std::string>& config, OutputFormat format, rules::Lang lang) {
  auto setup = LoadSetup(config);
  if (!setup) {
    PrintError(setup.error());
    return 3;
  }
  const ConfigSection& section = setup->config->Section("history");
  HistoryStore store(section.GetString("dir"), static_cast<std::size_t>(section.GetInt("keep")));
  const Listing listing = store.Load();
  if (listing.error) {
    // An absent directory is an empty history; one that is there but cannot be read is not.
    PrintError(*listing.error);  // "history: open /var/lib/posdiag/history: Permission denied"
    return 3;
  }
  std::string out;
  if (format == OutputFormat::kJson) {
    nlohmann::json reports = nlohmann::json::array();
    for (const auto& e : listing.entries) {
      reports.push_back({{"report_id", e.report_id},
                         {"started_at", e.started_at},
                         {"level", e.level},
                         {"status", e.status},
                         {"rules", e.rules},
                         {"codes", e.codes},
                         {"file", e.file}});
    }
    out = nlohmann::json{{"reports", reports}, {"problems", listing.problems}}.dump(
              2, ' ', false, nlohmann::json::error_handler_t::replace) +
          "\n";
  } else {
    out = RenderHistory(listing, lang);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 3;
}

}  // namespace posdiag::agent
