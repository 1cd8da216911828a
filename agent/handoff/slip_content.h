// The hand-off slip's words from a report, in the display's language: the title, the time, the
// terminal, the report ID, the status, each finding with its code, title and first remedy, and the
// summary for the QR code. drivers/printer/slip.h lays them out in ESC/POS.
#pragma once

#include <string_view>

#include "agent/report.h"
#include "drivers/printer/slip.h"
#include "rules/engine/rule.h"

namespace posdiag::agent::handoff {

// Card data in the report's text (a device's words) is masked as on every other output.
drivers::printer::SlipContent SlipFor(const Report& report, rules::Lang lang,
                                      std::string_view terminal_id);

}  // namespace posdiag::agent::handoff
