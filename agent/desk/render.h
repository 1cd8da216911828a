// What `posdiag-fleet list` and `show` print, from the store's rows: text for a person at the
// desk, JSON for scripts. "unknown" (a check could not complete) is always its own word, never
// shown as clear; a terminal whose last status is its last will is shown offline.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "agent/desk/store.h"
#include "rules/engine/rule.h"

namespace posdiag::desk {

std::string RenderTerminalsText(const std::vector<TerminalRow>& rows);
std::string RenderTerminalsJson(const std::vector<TerminalRow>& rows);

std::string RenderReportText(const StoredReport& report, rules::Lang lang);
// The report as the terminal sent it (card data masked), with the desk's "received_at".
std::string RenderReportJson(const StoredReport& report);

}  // namespace posdiag::desk
