#include "rules/loader/catalog.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "drivers/base/file.h"
#include "drivers/base/result.h"
#include "drivers/base/text.h"

namespace posdiag::rules {
namespace {

// Site rule files are small; anything bigger is a mistake, not a catalogue.
constexpr std::size_t kMaxRuleFileBytes = 1 << 20;

constexpr std::string_view kRuleKeys[] = {"id",        "condition", "code",   "severity",
                                          "component", "title",     "remedy", "suppresses"};
constexpr std::string_view kRequiredKeys[] = {"id",        "condition", "code",  "severity",
                                              "component", "title",     "remedy"};
constexpr std::string_view kLangKeys[] = {"zh-CN", "en"};

// "unknown key 'severty' in rule (did you mean 'severity'?)"
template <std::size_t N>
std::string UnknownKey(std::string_view key, std::string_view where,
                       const std::string_view (&known)[N]) {
  std::string message = "unknown key '" + std::string(key) + "' in " + std::string(where);
  if (key.size() < 64) {
    std::string_view best;
    std::size_t best_distance = 3;
    for (std::string_view k : known) {
      const std::size_t d = EditDistance(key, k);
      if (d < best_distance) {
        best_distance = d;
        best = k;
      }
    }
    if (!best.empty()) message += " (did you mean '" + std::string(best) + "'?)";
  }
  return message;
}

std::string TypeName(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    default:
      return "a date or time";
  }
}

// Byte index of a toml++ position (1-based line, column counted in code points).
std::optional<std::size_t> IndexOf(std::string_view doc, const toml::source_position& pos) {
  std::size_t i = 0;
  for (toml::source_index line = 1; line < pos.line; ++line) {
    const std::size_t nl = doc.find('\n', i);
    if (nl == std::string_view::npos) return std::nullopt;
    i = nl + 1;
  }
  for (toml::source_index col = 1; col < pos.column; ++col) {
    if (i >= doc.size() || doc[i] == '\n') return std::nullopt;
    ++i;
    while (i < doc.size() && (static_cast<unsigned char>(doc[i]) & 0xC0) == 0x80) ++i;
  }
  return i;
}

std::size_t Utf8Length(std::uint32_t cp) {
  if (cp < 0x80) return 1;
  if (cp < 0x800) return 2;
  if (cp < 0x10000) return 3;
  return 4;
}

std::optional<std::uint32_t> Hex(std::string_view doc, std::size_t at, std::size_t digits) {
  if (at + digits > doc.size()) return std::nullopt;
  std::uint32_t value = 0;
  for (std::size_t k = 0; k < digits; ++k) {
    const char c = doc[at + k];
    std::uint32_t v;
    if (c >= '0' && c <= '9') {
      v = static_cast<std::uint32_t>(c - '0');
    } else if (c >= 'a' && c <= 'f') {
      v = static_cast<std::uint32_t>(c - 'a' + 10);
    } else if (c >= 'A' && c <= 'F') {
      v = static_cast<std::uint32_t>(c - 'A' + 10);
    } else {
      return std::nullopt;
    }
    value = value * 16 + v;
  }
  return value;
}

// Where byte `offset` of a string value's decoded text sits in the file: the string starts at
// `start` (its opening quote), so walk the raw source, undoing escapes, until `offset` decoded
// bytes have passed. Falls back to the value's own position if the source does not match.
SourcePos PositionInString(std::string_view doc, const toml::source_position& start, int offset,
                           const std::string& file) {
  SourcePos fallback{file, static_cast<int>(start.line), static_cast<int>(start.column)};
  const std::optional<std::size_t> begin = IndexOf(doc, start);
  if (!begin) return fallback;
  std::size_t pos = *begin;
  const std::string_view rest = doc.substr(pos);
  bool basic = false;
  bool multiline = false;
  std::size_t delimiter = 1;
  if (rest.starts_with("'''") || rest.starts_with("\"\"\"")) {
    multiline = true;
    delimiter = 3;
  }
  if (rest.starts_with('"')) {
    basic = true;
  } else if (!rest.starts_with('\'')) {
    return fallback;
  }
  int line = static_cast<int>(start.line);
  int column = static_cast<int>(start.column) + static_cast<int>(delimiter);
  pos += delimiter;
  auto newline = [&](std::size_t width) {
    pos += width;
    ++line;
    column = 1;
  };
  // A newline right after the opening delimiter of a multi-line string is not part of it.
  if (multiline && doc.substr(pos).starts_with("\r\n")) {
    newline(2);
  } else if (multiline && doc.substr(pos).starts_with('\n')) {
    newline(1);
  }
  std::size_t decoded = 0;
  const auto target = static_cast<std::size_t>(offset);
  while (decoded < target) {
    if (pos >= doc.size()) return fallback;
    const char c = doc[pos];
    if (c == '\n') {
      newline(1);
      ++decoded;
      continue;
    }
    if (c == '\r' && pos + 1 < doc.size() && doc[pos + 1] == '\n') {
      newline(2);
      ++decoded;
      continue;
    }
    if (basic && c == '\\' && pos + 1 < doc.size()) {
      const char e = doc[pos + 1];
      std::size_t width = 2;
      std::size_t produced = 1;
      if (e == 'u' || e == 'U' || e == 'x') {
        const std::size_t digits = e == 'u' ? 4 : (e == 'U' ? 8 : 2);
        const std::optional<std::uint32_t> cp = Hex(doc, pos + 2, digits);
        if (!cp) return fallback;
        width = 2 + digits;
        produced = Utf8Length(*cp);
      } else if (multiline && (e == ' ' || e == '\t' || e == '\n' || e == '\r')) {
        // A line-ending backslash swallows the newline and the whitespace after it.
        pos += 1;
        column += 1;
        while (pos < doc.size() &&
               (doc[pos] == ' ' || doc[pos] == '\t' || doc[pos] == '\n' || doc[pos] == '\r')) {
          if (doc[pos] == '\n') {
            newline(1);
          } else {
            ++pos;
            ++column;
          }
        }
        continue;
      }
      pos += width;
      column += static_cast<int>(width);
      decoded += produced;
      continue;
    }
    std::size_t width = 1;
    while (pos + width < doc.size() &&
           (static_cast<unsigned char>(doc[pos + width]) & 0xC0) == 0x80) {
      ++width;
    }
    pos += width;
    decoded += width;
    ++column;
  }
  return SourcePos{file, line, column};
}

class RuleFileLoader {
 public:
  RuleFileLoader(std::string_view text, std::string_view file) : text_(text), file_(file) {}

  LoadOutcome Run() {
    // The text the parser may take (drivers/base/text.h); positions are found in it too.
    TomlSafeText safe = MakeTomlParserSafe(text_);
    if (safe.hazard) {
      out_.diagnostics.push_back(
          {{file_, static_cast<int>(safe.hazard->line), static_cast<int>(safe.hazard->column)},
           safe.hazard->why});
      return std::move(out_);
    }
    safe_text_ = std::move(safe.text);
    text_ = safe_text_;
    toml::table root;
    try {
      root = toml::parse(text_, std::string_view(file_));
    } catch (const toml::parse_error& e) {
      Add(e.source().begin, std::string(e.description()));
      return std::move(out_);
    } catch (const std::exception& e) {
      out_.diagnostics.push_back({{file_, 0, 0}, std::string("cannot parse: ") + e.what()});
      return std::move(out_);
    }
    for (auto&& [key, node] : root) {
      if (key.str() == "code") {
        LoadCodes(node);
        continue;
      }
      if (key.str() != "rule") {
        Add(key.source().begin, "unknown top-level key '" + std::string(key.str()) +
                                    "' (a rule file holds [[rule]] and [[code]] tables)");
        continue;
      }
      const toml::array* rules = node.as_array();
      if (rules == nullptr) {
        Add(node.source().begin, "'rule' must be an array of tables: write [[rule]], not [rule]");
        continue;
      }
      for (const toml::node& element : *rules) {
        const toml::table* table = element.as_table();
        if (table == nullptr) {
          Add(element.source().begin, "each rule must be a table, not " + TypeName(element));
          continue;
        }
        LoadRule(*table);
      }
    }
    std::stable_sort(out_.diagnostics.begin(), out_.diagnostics.end(),
                     [](const Diagnostic& a, const Diagnostic& b) {
                       return std::pair(a.where.line, a.where.column) <
                              std::pair(b.where.line, b.where.column);
                     });
    return std::move(out_);
  }

 private:
  SourcePos Pos(const toml::source_position& p) const {
    return SourcePos{file_, static_cast<int>(p.line), static_cast<int>(p.column)};
  }
  void Add(const toml::source_position& p, std::string message) {
    out_.diagnostics.push_back({Pos(p), std::move(message)});
  }

  // The value as a string, or a diagnostic naming the key.
  const std::string* String(const toml::node& node, std::string_view what) {
    if (const auto* s = node.as_string()) return &s->get();
    Add(node.source().begin, std::string(what) + " must be a string, not " + TypeName(node));
    return nullptr;
  }

  void LoadRule(const toml::table& table) {
    const std::size_t errors_before = out_.diagnostics.size();
    Rule rule;
    rule.where = Pos(table.source().begin);
    std::set<std::string_view> seen;
    for (auto&& [key, node] : table) {
      const std::string_view k = key.str();
      seen.insert(k);
      if (k == "id") {
        if (const std::string* s = String(node, "id")) {
          if (IsValidRuleId(*s)) {
            rule.id = *s;
          } else {
            Add(node.source().begin, "invalid rule id '" + *s +
                                         "': ids are lower-case letters, digits and '_' in "
                                         "segments joined by '.'");
          }
        }
      } else if (k == "condition") {
        if (const std::string* s = String(node, "condition")) LoadCondition(*s, node, rule);
      } else if (k == "code") {
        if (const std::string* s = String(node, "code")) {
          if (IsValidCode(*s)) {
            rule.code = *s;
          } else {
            Add(node.source().begin, "invalid code '" + *s +
                                         "': use E1, T1, T2, P1..P6 or a two-character host "
                                         "response code of digits and upper-case letters");
          }
        }
      } else if (k == "severity") {
        if (const std::string* s = String(node, "severity")) {
          if (!ParseSeverity(*s, rule.severity)) {
            Add(node.source().begin,
                "invalid severity '" + *s + "': use info, warning, error or critical");
          }
        }
      } else if (k == "component") {
        if (const std::string* s = String(node, "component")) {
          if (IsValidFactName(*s)) {
            rule.component = *s;
          } else {
            Add(node.source().begin,
                "invalid component '" + *s + "': use lower-case letters, digits, '_' and '.'");
          }
        }
      } else if (k == "title") {
        LoadTitle(node, rule.title);
      } else if (k == "remedy") {
        LoadRemedy(node, rule.remedy);
      } else if (k == "suppresses") {
        LoadSuppresses(node, rule.suppresses);
      } else {
        Add(key.source().begin, UnknownKey(k, "rule", kRuleKeys));
      }
    }
    for (std::string_view required : kRequiredKeys) {
      if (seen.contains(required)) continue;
      std::string message = "rule";
      if (!rule.id.empty()) message += " '" + rule.id + "'";
      message += " is missing '" + std::string(required) + "'";
      out_.diagnostics.push_back({rule.where, std::move(message)});
    }
    if (out_.diagnostics.size() == errors_before) out_.rules.push_back(std::move(rule));
  }

  void LoadCodes(const toml::node& node) {
    const toml::array* codes = node.as_array();
    if (codes == nullptr) {
      Add(node.source().begin, "'code' must be an array of tables: write [[code]], not [code]");
      return;
    }
    for (const toml::node& element : *codes) {
      const toml::table* table = element.as_table();
      if (table == nullptr) {
        Add(element.source().begin, "each code must be a table, not " + TypeName(element));
        continue;
      }
      const std::size_t errors_before = out_.diagnostics.size();
      CodeInfo info;
      info.where = Pos(table->source().begin);
      bool has_code = false;
      bool has_meaning = false;
      for (auto&& [key, value] : *table) {
        if (key.str() == "code") {
          has_code = true;
          if (const std::string* s = String(value, "code")) {
            if (IsValidCode(*s)) {
              info.code = *s;
            } else {
              Add(value.source().begin, "invalid code '" + *s + "'");
            }
          }
        } else if (key.str() == "meaning") {
          has_meaning = true;
          LoadTitle(value, info.meaning, "meaning");
        } else {
          constexpr std::string_view kCodeKeys[] = {"code", "meaning"};
          Add(key.source().begin, UnknownKey(key.str(), "code", kCodeKeys));
        }
      }
      if (!has_code) out_.diagnostics.push_back({info.where, "code entry is missing 'code'"});
      if (!has_meaning) out_.diagnostics.push_back({info.where, "code entry is missing 'meaning'"});
      if (out_.diagnostics.size() == errors_before) out_.codes.push_back(std::move(info));
    }
  }

  void LoadCondition(const std::string& text, const toml::node& node, Rule& rule) {
    rule.condition = text;
    rule.condition_where = PositionInString(text_, node.source().begin, 0, file_);
    ParseOutcome parsed = ParseCondition(text);
    if (parsed.errors.empty()) {
      rule.expr = std::move(parsed.expr);
      return;
    }
    for (const ExprError& error : parsed.errors) {
      out_.diagnostics.push_back({PositionInString(text_, node.source().begin, error.offset, file_),
                                  "condition: " + error.message});
    }
  }

  void LoadTitle(const toml::node& node, Localized& out, std::string_view what = "title") {
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      Add(node.source().begin, std::string(what) +
                                   " must be a table { zh-CN = \"...\", en = \"...\" }, not " +
                                   TypeName(node));
      return;
    }
    for (auto&& [key, value] : *table) {
      std::string* target = key.str() == "zh-CN" ? &out.zh_cn
                            : key.str() == "en"  ? &out.en
                                                 : nullptr;
      if (target == nullptr) {
        Add(key.source().begin,
            UnknownKey(key.str(), std::string(what) + " (languages are zh-CN and en)", kLangKeys));
        continue;
      }
      if (const std::string* s = String(value, std::string(what) + "." + std::string(key.str()))) {
        *target = *s;
      }
    }
  }

  void LoadRemedy(const toml::node& node, LocalizedSteps& out) {
    const toml::table* table = node.as_table();
    if (table == nullptr) {
      Add(node.source().begin,
          "remedy must be a table { zh-CN = [...], en = [...] }, not " + TypeName(node));
      return;
    }
    for (auto&& [key, value] : *table) {
      std::vector<std::string>* target = key.str() == "zh-CN" ? &out.zh_cn
                                         : key.str() == "en"  ? &out.en
                                                              : nullptr;
      const std::string what = "remedy." + std::string(key.str());
      if (target == nullptr) {
        Add(key.source().begin,
            UnknownKey(key.str(), "remedy (languages are zh-CN and en)", kLangKeys));
        continue;
      }
      const toml::array* steps = value.as_array();
      if (steps == nullptr) {
        Add(value.source().begin, what + " must be an array of strings, not " + TypeName(value));
        continue;
      }
      for (const toml::node& step : *steps) {
        if (const std::string* s = String(step, "each step of " + what)) target->push_back(*s);
      }
    }
  }

  void LoadSuppresses(const toml::node& node, std::vector<std::string>& out) {
    const toml::array* ids = node.as_array();
    if (ids == nullptr) {
      Add(node.source().begin, "suppresses must be an array of rule ids, not " + TypeName(node));
      return;
    }
    for (const toml::node& id : *ids) {
      const std::string* s = String(id, "each entry of suppresses");
      if (s == nullptr) continue;
      if (!IsValidRuleId(*s)) {
        Add(id.source().begin, "invalid rule id '" + *s + "' in suppresses");
        continue;
      }
      out.push_back(*s);
    }
  }

  std::string_view text_;
  std::string safe_text_;
  std::string file_;
  LoadOutcome out_;
};

Diagnostic At(const Rule& rule, std::string message) { return {rule.where, std::move(message)}; }

std::string WhereText(const SourcePos& where) {
  Diagnostic d{where, ""};
  std::string s = d.ToString();
  return s.substr(0, s.size() - 2);  // without the ": " before the (empty) message
}

void CheckRule(const Rule& rule, std::vector<Diagnostic>& out) {
  const std::string name = rule.id.empty() ? std::string("rule") : "rule '" + rule.id + "'";
  if (rule.id.empty()) {
    out.push_back(At(rule, "rule has no id"));
  } else if (!IsValidRuleId(rule.id)) {
    out.push_back(At(rule, "invalid rule id '" + rule.id + "'"));
  }
  if (rule.code.empty()) {
    out.push_back(At(rule, name + " has no code"));
  } else if (!IsValidCode(rule.code)) {
    out.push_back(At(rule, name + " has an invalid code '" + rule.code + "'"));
  }
  const auto severity = static_cast<int>(rule.severity);
  if (severity < static_cast<int>(Severity::kInfo) ||
      severity > static_cast<int>(Severity::kCritical)) {
    out.push_back(At(rule, name + " has an invalid severity"));
  }
  if (rule.component.empty()) out.push_back(At(rule, name + " has no component"));
  if (rule.expr == nullptr) {
    ParseOutcome parsed = ParseCondition(rule.condition);
    for (const ExprError& e : parsed.errors) {
      out.push_back(
          At(rule, name + " condition at offset " + std::to_string(e.offset) + ": " + e.message));
    }
  }
  for (Lang lang : {Lang::kZhCn, Lang::kEn}) {
    const std::string tag(LangTag(lang));
    if (rule.title.In(lang).empty()) out.push_back(At(rule, name + " has no " + tag + " title"));
    const std::vector<std::string>& steps = rule.remedy.In(lang);
    if (steps.empty()) out.push_back(At(rule, name + " has no " + tag + " remedy steps"));
    for (std::size_t i = 0; i < steps.size(); ++i) {
      if (steps[i].empty()) {
        out.push_back(
            At(rule, name + " has an empty " + tag + " remedy step " + std::to_string(i + 1)));
      }
    }
  }
  if (rule.remedy.zh_cn.size() != rule.remedy.en.size() && !rule.remedy.zh_cn.empty() &&
      !rule.remedy.en.empty()) {
    out.push_back(At(rule, name + " has " + std::to_string(rule.remedy.zh_cn.size()) +
                               " zh-CN remedy steps but " + std::to_string(rule.remedy.en.size()) +
                               " en steps"));
  }
}

// Reports every cycle of the suppression graph once, walking depth-first without recursion so a
// long chain cannot exhaust the stack.
void CheckCycles(const std::vector<Rule>& rules,
                 const std::unordered_map<std::string_view, std::size_t>& index,
                 std::vector<Diagnostic>& out) {
  const std::size_t n = rules.size();
  std::vector<std::vector<std::size_t>> edges(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (const std::string& target : rules[i].suppresses) {
      auto it = index.find(target);
      if (it != index.end() && it->second != i) edges[i].push_back(it->second);
    }
  }
  enum class Color : std::uint8_t { kWhite, kGray, kBlack };
  std::vector<Color> color(n, Color::kWhite);
  struct Frame {
    std::size_t node;
    std::size_t next_edge;
  };
  std::vector<Frame> stack;
  for (std::size_t start = 0; start < n; ++start) {
    if (color[start] != Color::kWhite) continue;
    stack.push_back({start, 0});
    color[start] = Color::kGray;
    while (!stack.empty()) {
      Frame& top = stack.back();
      if (top.next_edge == edges[top.node].size()) {
        color[top.node] = Color::kBlack;
        stack.pop_back();
        continue;
      }
      const std::size_t next = edges[top.node][top.next_edge++];
      if (color[next] == Color::kWhite) {
        color[next] = Color::kGray;
        stack.push_back({next, 0});
      } else if (color[next] == Color::kGray) {
        std::string path;
        std::size_t k = stack.size();
        while (k > 0 && stack[k - 1].node != next) --k;
        for (std::size_t j = k - 1; j < stack.size(); ++j) path += rules[stack[j].node].id + " -> ";
        path += rules[next].id;
        out.push_back(At(rules[next], "suppression cycle: " + path));
      }
    }
  }
}

std::vector<const Rule*> SortedByCode(const std::vector<Rule>& rules) {
  std::vector<const Rule*> sorted;
  sorted.reserve(rules.size());
  for (const Rule& r : rules) sorted.push_back(&r);
  std::stable_sort(sorted.begin(), sorted.end(), [](const Rule* a, const Rule* b) {
    if (a->code != b->code) return CodeLess(a->code, b->code);
    return a->id < b->id;
  });
  return sorted;
}

// Table cells: a '|' would end the cell and a newline the row.
std::string Cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string OneLine(std::string_view text) {
  std::string out(text);
  std::replace_if(
      out.begin(), out.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return out;
}

// A code span on one line that survives backticks inside the text. Line breaks (of multi-line
// conditions) and the indentation around them become one space.
std::string CodeSpan(std::string_view text) {
  std::string flat;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
      flat += c;
      ++i;
      continue;
    }
    std::size_t end = i;
    bool breaks = false;
    while (end < text.size() &&
           (text[end] == ' ' || text[end] == '\t' || text[end] == '\n' || text[end] == '\r')) {
      breaks = breaks || text[end] == '\n' || text[end] == '\r';
      ++end;
    }
    if (!breaks) {
      flat.append(text.substr(i, end - i));
    } else if (!flat.empty() && end < text.size()) {
      flat += ' ';
    }
    i = end;
  }
  std::size_t longest = 0;
  std::size_t run = 0;
  for (char ch : flat) {
    run = ch == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  const std::string fence(longest + 1, '`');
  const bool pad = longest > 0 || flat.starts_with('`') || flat.ends_with('`');
  return fence + (pad ? " " : "") + flat + (pad ? " " : "") + fence;
}

}  // namespace

LoadOutcome LoadRuleText(std::string_view text, std::string_view file_name) {
  return RuleFileLoader(text, file_name).Run();
}

LoadOutcome LoadRuleFile(const std::string& path) {
  auto text = io::ReadFileBounded(path, {.max_bytes = kMaxRuleFileBytes});
  if (!text) {
    LoadOutcome out;
    out.diagnostics.push_back({{path, 0, 0}, text.error().Context("cannot read rule file").detail});
    return out;
  }
  return LoadRuleText(*text, path);
}

std::vector<Diagnostic> CheckCatalog(const std::vector<Rule>& rules) {
  std::vector<Diagnostic> out;
  std::unordered_map<std::string_view, std::size_t> index;
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const Rule& rule = rules[i];
    CheckRule(rule, out);
    if (rule.id.empty()) continue;
    auto [it, inserted] = index.emplace(rule.id, i);
    if (!inserted) {
      out.push_back(At(rule, "duplicate rule id '" + rule.id + "' (first defined at " +
                                 WhereText(rules[it->second].where) + ")"));
    }
  }
  for (const Rule& rule : rules) {
    std::set<std::string_view> listed;
    for (const std::string& target : rule.suppresses) {
      if (!listed.insert(target).second) {
        out.push_back(
            At(rule, "rule '" + rule.id + "' lists '" + target + "' twice in suppresses"));
      } else if (target == rule.id) {
        out.push_back(At(rule, "rule '" + rule.id + "' suppresses itself"));
      } else if (!index.contains(target)) {
        out.push_back(At(rule, "rule '" + rule.id + "' suppresses unknown rule '" + target + "'"));
      }
    }
  }
  CheckCycles(rules, index, out);
  return out;
}

std::vector<Diagnostic> CheckCodes(const std::vector<Rule>& rules,
                                   const std::vector<CodeInfo>& codes) {
  std::vector<Diagnostic> out;
  std::map<std::string_view, const CodeInfo*> documented;
  for (const CodeInfo& c : codes) {
    auto [it, inserted] = documented.emplace(c.code, &c);
    if (!inserted) {
      out.push_back({c.where, "code '" + c.code + "' is documented twice (first at " +
                                  WhereText(it->second->where) + ")"});
    }
    if (c.meaning.zh_cn.empty())
      out.push_back({c.where, "code '" + c.code + "' has no zh-CN meaning"});
    if (c.meaning.en.empty()) out.push_back({c.where, "code '" + c.code + "' has no en meaning"});
  }
  std::set<std::string_view> reported;
  for (const Rule& r : rules) {
    if (documented.contains(r.code) || !reported.insert(r.code).second) continue;
    out.push_back(At(
        r, "rule '" + r.id + "' maps to code '" + r.code + "', which no [[code]] table documents"));
  }
  return out;
}

std::vector<Diagnostic> CheckFactNames(const std::vector<Rule>& rules, const FactSchema& schema) {
  std::vector<Diagnostic> out;
  for (const Rule& rule : rules) {
    if (!rule.expr) continue;
    for (const std::string& fact : ExprFacts(*rule.expr)) {
      if (schema.Find(fact) != nullptr) continue;
      std::string message =
          "rule '" + rule.id + "' names fact '" + fact + "', which no probe declares";
      if (const std::string hint = schema.Suggest(fact); !hint.empty()) {
        message += " (did you mean '" + hint + "'?)";
      }
      out.push_back(
          {rule.condition_where.line > 0 ? rule.condition_where : rule.where, std::move(message)});
    }
  }
  return out;
}

namespace {

// The whole-catalogue checks, as one set of lines: what a catalogue already fails before a site
// file is merged in is not that file's fault.
std::set<std::string> WholeCatalogProblems(const std::vector<Rule>& rules,
                                           const std::vector<CodeInfo>& codes) {
  std::set<std::string> out;
  for (const Diagnostic& d : CheckCatalog(rules)) out.insert(d.ToString());
  for (const Diagnostic& d : CheckCodes(rules, codes)) out.insert(d.ToString());
  return out;
}

}  // namespace

SiteMerge MergeCatalog(LoadOutcome builtin, const std::vector<std::string>& files,
                       const FactSchema& facts) {
  SiteMerge out;
  std::vector<Rule>& rules = out.catalog.rules;
  std::vector<CodeInfo>& codes = out.catalog.codes;
  rules = std::move(builtin.rules);
  codes = std::move(builtin.codes);
  // Without site files nothing is checked here: what the built-in catalogue fails on its own
  // is the build's to find (static_catalog.h), and `known` only tells a site file's problems from
  // the catalogue's.
  std::set<std::string> known;
  if (!files.empty()) known = WholeCatalogProblems(rules, codes);
  // Where an accepted site file defines each rule id and documents each code.
  std::map<std::string, SourcePos, std::less<>> site_ids;
  std::map<std::string, SourcePos, std::less<>> site_codes;

  for (const std::string& file : files) {
    LoadOutcome site = LoadRuleFile(file);
    if (!site.ok()) {
      for (Diagnostic& d : site.diagnostics) out.catalog.diagnostics.push_back(std::move(d));
      out.rejected.push_back(file);
      continue;
    }
    std::vector<Diagnostic> problems = CheckFactNames(site.rules, facts);

    // The catalogue with this file merged in: a rule replaces the built-in one of its id, keeping
    // its place in the order; a new id is added at the end.
    std::vector<Rule> candidate = rules;
    std::unordered_map<std::string, std::size_t> index;
    for (std::size_t i = 0; i < candidate.size(); ++i) index.emplace(candidate[i].id, i);
    std::map<std::string, SourcePos, std::less<>> file_ids;
    for (const Rule& r : site.rules) {
      const auto earlier_site = site_ids.find(r.id);
      const auto [in_file, first_in_file] = file_ids.emplace(r.id, r.where);
      if (!first_in_file || earlier_site != site_ids.end()) {
        const SourcePos& first = first_in_file ? earlier_site->second : in_file->second;
        problems.push_back(
            At(r, "duplicate rule id '" + r.id + "' (first defined at " + WhereText(first) + ")"));
        continue;
      }
      if (const auto it = index.find(r.id); it != index.end()) {
        candidate[it->second] = r;
      } else {
        index.emplace(r.id, candidate.size());
        candidate.push_back(r);
      }
    }
    std::vector<CodeInfo> candidate_codes = codes;
    std::map<std::string, SourcePos, std::less<>> file_codes;
    for (const CodeInfo& c : site.codes) {
      const auto earlier_site = site_codes.find(c.code);
      const auto [in_file, first_in_file] = file_codes.emplace(c.code, c.where);
      if (!first_in_file || earlier_site != site_codes.end()) {
        const SourcePos& first = first_in_file ? earlier_site->second : in_file->second;
        problems.push_back({c.where, "code '" + c.code + "' is documented twice (first at " +
                                         WhereText(first) + ")"});
        continue;
      }
      const auto same = std::find_if(candidate_codes.begin(), candidate_codes.end(),
                                     [&](const CodeInfo& k) { return k.code == c.code; });
      if (same != candidate_codes.end()) {
        *same = c;
      } else {
        candidate_codes.push_back(c);
      }
    }

    std::set<std::string> now;
    auto take_new = [&](std::vector<Diagnostic> checked) {
      for (Diagnostic& d : checked) {
        std::string line = d.ToString();
        if (!known.contains(line)) problems.push_back(std::move(d));
        now.insert(std::move(line));
      }
    };
    take_new(CheckCatalog(candidate));
    take_new(CheckCodes(candidate, candidate_codes));

    if (!problems.empty()) {
      // The file's own lines in order; a problem it causes in another file (a suppression cycle
      // through a built-in rule) after them.
      std::stable_sort(problems.begin(), problems.end(),
                       [&](const Diagnostic& a, const Diagnostic& b) {
                         return std::tuple(a.where.file != file, a.where.line, a.where.column) <
                                std::tuple(b.where.file != file, b.where.line, b.where.column);
                       });
      for (Diagnostic& d : problems) out.catalog.diagnostics.push_back(std::move(d));
      out.rejected.push_back(file);
      continue;
    }
    known = std::move(now);
    rules = std::move(candidate);
    codes = std::move(candidate_codes);
    for (const Rule& r : site.rules) site_ids.emplace(r.id, r.where);
    for (const CodeInfo& c : site.codes) site_codes.emplace(c.code, c.where);
    out.site_rules += site.rules.size();
  }
  return out;
}

std::string RenderCatalogText(const std::vector<Rule>& rules, Lang lang) {
  std::string out;
  for (const Rule* r : SortedByCode(rules)) {
    if (!out.empty()) out += '\n';
    out += r->code + "  " + std::string(SeverityName(r->severity)) + "  " + r->id + '\n';
    out += "    " + r->title.In(lang) + '\n';
    const std::vector<std::string>& steps = r->remedy.In(lang);
    for (std::size_t i = 0; i < steps.size(); ++i) {
      out += "    " + std::to_string(i + 1) + ". " + steps[i] + '\n';
    }
  }
  return out;
}

std::string RenderCatalogJson(const std::vector<Rule>& rules) {
  nlohmann::ordered_json array = nlohmann::ordered_json::array();
  for (const Rule* r : SortedByCode(rules)) {
    nlohmann::ordered_json rule;
    rule["id"] = r->id;
    rule["code"] = r->code;
    rule["severity"] = SeverityName(r->severity);
    rule["component"] = r->component;
    rule["condition"] = r->condition;
    rule["title"] = {{"zh-CN", r->title.zh_cn}, {"en", r->title.en}};
    nlohmann::ordered_json remedy;
    remedy["zh-CN"] = r->remedy.zh_cn;
    remedy["en"] = r->remedy.en;
    rule["remedy"] = std::move(remedy);
    rule["suppresses"] = r->suppresses;
    array.push_back(std::move(rule));
  }
  // replace: a stray invalid UTF-8 byte must not turn into an exception.
  return array.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + '\n';
}

std::string RenderCatalogMarkdown(const std::vector<Rule>& rules,
                                  const std::vector<CodeInfo>& codes) {
  auto meaning = [&](const std::string& code) {
    for (const CodeInfo& c : codes) {
      if (c.code == code) return c.meaning.en + " · " + c.meaning.zh_cn;
    }
    return std::string("(not documented)");
  };
  std::string out;
  out += "# Merchant codes and rules\n\n";
  out +=
      "This file is generated from rules/catalog by `posdiag codes --format markdown`; do not "
      "edit it by hand.\n";
  const std::vector<const Rule*> sorted = SortedByCode(rules);
  std::size_t i = 0;
  while (i < sorted.size()) {
    const std::string& code = sorted[i]->code;
    std::size_t end = i;
    while (end < sorted.size() && sorted[end]->code == code) ++end;
    out += "\n## " + code + " — " + Cell(meaning(code)) + "\n\n";
    out += "| rule | severity | component | title (en) | title (zh-CN) |\n";
    out += "|---|---|---|---|---|\n";
    for (std::size_t k = i; k < end; ++k) {
      const Rule& r = *sorted[k];
      out += "| " + Cell(CodeSpan(r.id)) + " | " + std::string(SeverityName(r.severity)) + " | " +
             Cell(r.component) + " | " + Cell(r.title.en) + " | " + Cell(r.title.zh_cn) + " |\n";
    }
    for (std::size_t k = i; k < end; ++k) {
      const Rule& r = *sorted[k];
      out += "\n### " + CodeSpan(r.id) + "\n\n";
      out += "Condition: " + CodeSpan(r.condition) + "\n";
      if (!r.suppresses.empty()) {
        out += "\nSuppresses:";
        for (std::size_t s = 0; s < r.suppresses.size(); ++s) {
          out += (s == 0 ? " " : ", ") + CodeSpan(r.suppresses[s]);
        }
        out += "\n";
      }
      for (Lang lang : {Lang::kEn, Lang::kZhCn}) {
        out += "\nRemedy (" + std::string(LangTag(lang)) + "):\n\n";
        const std::vector<std::string>& steps = r.remedy.In(lang);
        for (std::size_t s = 0; s < steps.size(); ++s) {
          out += std::to_string(s + 1) + ". " + OneLine(steps[s]) + "\n";
        }
      }
    }
    i = end;
  }
  return out;
}

}  // namespace posdiag::rules
