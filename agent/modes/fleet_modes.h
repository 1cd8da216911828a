// The fleet seen from the modes: the desk's commands as the daemon answers them, and the status's
// `last` from the history. `posdiag fleet flush` is in modes.h.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "agent/modes/diagnose.h"

namespace posdiag::agent {

// Answers a permitted command ({"ok": true, ...} or {"ok": false, "error": "refused: ..."}):
//   run {"level": "boot|merchant|engineer"} (default merchant): refused while the payment
//       application is in a transaction or another diagnosis runs; `run` does it (no display)
//   report: the newest saved report;  history: the saved reports, newest first
//   show {"report_id": "..."}: a saved report, the ID read as the console reads it
nlohmann::json RemoteCommand(Diagnoser& d, const std::string& command, const nlohmann::json& body,
                             const std::function<Report(Level)>& run);

// The newest saved report as the status's `last` (null when there is none).
nlohmann::json LastFromHistory(const Diagnoser& d);

}  // namespace posdiag::agent
