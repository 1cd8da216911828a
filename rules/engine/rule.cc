#include "rules/engine/rule.h"

#include <algorithm>
#include <array>
#include <tuple>

#include "rules/engine/fact.h"

namespace posdiag::rules {
namespace {

constexpr std::array<std::string_view, 9> kTerminalCodes = {"E1", "T1", "T2", "P1", "P2",
                                                            "P3", "P4", "P5", "P6"};

// Terminal codes first, in the order of kTerminalCodes; host codes after them.
int CodeRank(std::string_view code) {
  auto it = std::find(kTerminalCodes.begin(), kTerminalCodes.end(), code);
  return it == kTerminalCodes.end() ? static_cast<int>(kTerminalCodes.size())
                                    : static_cast<int>(it - kTerminalCodes.begin());
}

}  // namespace

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kError:
      return "error";
    case Severity::kCritical:
      return "critical";
  }
  return "unknown";
}

bool ParseSeverity(std::string_view text, Severity& out) {
  for (Severity s : {Severity::kInfo, Severity::kWarning, Severity::kError, Severity::kCritical}) {
    if (text == SeverityName(s)) {
      out = s;
      return true;
    }
  }
  return false;
}

std::string_view LangTag(Lang lang) { return lang == Lang::kEn ? "en" : "zh-CN"; }

bool IsValidRuleId(std::string_view id) { return IsValidFactName(id); }

bool IsValidCode(std::string_view code) {
  if (code.size() != 2) return false;
  for (char c : code) {
    if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'))) return false;
  }
  if (code[0] == 'E' || code[0] == 'T' || code[0] == 'P') {
    return CodeRank(code) < static_cast<int>(kTerminalCodes.size());
  }
  return true;
}

bool CodeLess(std::string_view a, std::string_view b) {
  return std::forward_as_tuple(CodeRank(a), a) < std::forward_as_tuple(CodeRank(b), b);
}

std::string Diagnostic::ToString() const {
  std::string out = where.file.empty() ? std::string("<rules>") : where.file;
  if (where.line > 0) {
    out += ':' + std::to_string(where.line);
    if (where.column > 0) out += ':' + std::to_string(where.column);
  }
  out += ": ";
  out += message;
  return out;
}

}  // namespace posdiag::rules
