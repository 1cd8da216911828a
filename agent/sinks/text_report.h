// The report as plain UTF-8 text for the display and the serial console. Boot and merchant
// reports are short: a header and one line per finding, most severe first. The engineer report
// adds remedies, evidence, suppressed symptoms, probes, facts, what was not evaluated and history.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agent/report.h"
#include "rules/engine/evaluator.h"
#include "rules/engine/rule.h"

namespace posdiag::agent {

std::string RenderText(const Report& report, rules::Lang lang);

// The words the text report uses for a level, a run status, a severity and a probe status.
std::string_view LevelWord(Level level, rules::Lang lang);
std::string_view StatusWord(RunStatus status, rules::Lang lang);
std::string_view SeverityWord(rules::Severity severity, rules::Lang lang);
std::string_view ProbeStatusWord(ProbeStatus status, rules::Lang lang);

// Findings most severe first, ties in the order given (the evaluator's catalogue order).
std::vector<const rules::Finding*> BySeverity(const std::vector<rules::Finding>& findings);

}  // namespace posdiag::agent
