// A rule from the catalogue: a stable id, a condition over facts, the merchant code it maps to,
// a severity, a component, title and remedy steps in zh-CN and en, and the ids of the symptoms
// it suppresses when it fires (root cause before symptoms).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rules/engine/expr.h"

namespace posdiag::rules {

enum class Severity { kInfo = 0, kWarning = 1, kError = 2, kCritical = 3 };

std::string_view SeverityName(Severity s);  // "info", "warning", "error", "critical"
bool ParseSeverity(std::string_view text, Severity& out);

enum class Lang { kZhCn, kEn };
std::string_view LangTag(Lang lang);  // "zh-CN", "en"

struct Localized {
  std::string zh_cn;
  std::string en;
  const std::string& In(Lang lang) const { return lang == Lang::kEn ? en : zh_cn; }
};

struct LocalizedSteps {
  std::vector<std::string> zh_cn;
  std::vector<std::string> en;
  const std::vector<std::string>& In(Lang lang) const { return lang == Lang::kEn ? en : zh_cn; }
};

// Where something came from, for messages: "rules/catalog/power.toml:12:5".
struct SourcePos {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown
};

struct Rule {
  std::string id;         // dotted, stable, never renumbered: "power.battery_low"
  std::string condition;  // the source text
  std::shared_ptr<const Expr> expr;
  std::string code;  // merchant code: "E1", "T1", "P1", "51", ...
  Severity severity = Severity::kError;
  std::string component;  // "power", "system", "network", ...
  Localized title;
  LocalizedSteps remedy;
  std::vector<std::string> suppresses;
  SourcePos where;            // its [[rule]] table
  SourcePos condition_where;  // the first character of its condition's text; line 0 when unknown
};

// Rule ids use the fact-name alphabet: dotted lower-case segments ("printer.paper_end").
bool IsValidRuleId(std::string_view id);

// Merchant codes: the terminal's own (E1, T1, T2, P1..P6) or a two-character host response code
// of digits and upper-case letters ("01", "51", "A0"). Other E/T/P codes are rejected so that a
// typo such as "E2" cannot pass as a host code.
bool IsValidCode(std::string_view code);
// The order codes are listed in: E1, T1, T2, P1..P6, then host response codes as text.
bool CodeLess(std::string_view a, std::string_view b);

// What a merchant code means, from the catalogue's [[code]] tables: every code a rule maps to
// must be documented here.
struct CodeInfo {
  std::string code;  // "E1", "T1", "51", ...
  Localized meaning;
  SourcePos where;
};

// A problem found while loading or checking rules: "file:line:column: message".
struct Diagnostic {
  SourcePos where;
  std::string message;
  std::string ToString() const;
};

}  // namespace posdiag::rules
