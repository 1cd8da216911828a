#include "agent/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>
#include <sstream>
#include <stdexcept>

#include "drivers/base/file.h"
#include "drivers/base/text.h"

namespace posdiag::agent {
namespace {

constexpr std::size_t kMaxConfigBytes = 1 << 20;

std::string_view TypeName(ValueType t) {
  switch (t) {
    case ValueType::kBool:
      return "a boolean";
    case ValueType::kInt:
      return "an integer";
    case ValueType::kReal:
      return "a number";
    case ValueType::kString:
      return "a string";
    case ValueType::kStringList:
      return "a list of strings";
  }
  return "a value";
}

std::string Where(std::string_view file, const toml::source_region& src) {
  std::ostringstream out;
  out << file;
  if (src.begin.line > 0) out << ':' << src.begin.line << ':' << src.begin.column;
  return out.str();
}

// A value as TOML writes it, for messages and the docs.
std::string Literal(const ConfigValue& v) {
  struct {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const {
      std::ostringstream out;
      out << d;
      return out.str();
    }
    std::string operator()(const std::string& s) const { return "\"" + s + "\""; }
    std::string operator()(const std::vector<std::string>& l) const {
      std::string out = "[";
      for (std::size_t i = 0; i < l.size(); ++i) out += (i ? ", \"" : "\"") + l[i] + "\"";
      return out + "]";
    }
  } visit;
  return std::visit(visit, v);
}

std::string Join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? std::string(sep) : "") + items[i];
  return out;
}

// Why a value of the key's type breaks the key's own constraints, or "".
std::string Violation(const KeySpec& spec, const ConfigValue& value) {
  if (spec.type == ValueType::kInt) {
    const auto v = std::get<std::int64_t>(value);
    if (v < spec.min || v > spec.max) {
      return std::to_string(v) + " is out of range " + std::to_string(spec.min) + ".." +
             std::to_string(spec.max);
    }
  }
  if (spec.type == ValueType::kReal) {
    const double v = std::get<double>(value);
    if (!std::isfinite(v) || v < spec.real_min || v > spec.real_max) {
      return Literal(value) + " is out of range " + Literal(spec.real_min) + ".." +
             Literal(spec.real_max);
    }
  }
  if (spec.type == ValueType::kString) {
    const auto& s = std::get<std::string>(value);
    if (!spec.choices.empty() &&
        std::find(spec.choices.begin(), spec.choices.end(), s) == spec.choices.end()) {
      return "must be one of " + Join(spec.choices, ", ") + ", not \"" + s + "\"";
    }
    if ((spec.non_empty || spec.path != PathKind::kNone) && s.empty()) return "must not be empty";
    if (spec.path != PathKind::kNone && s.front() != '/') {
      return "must be an absolute path, not \"" + s + "\"";
    }
  }
  if (spec.check) return spec.check(value);
  return "";
}

// Converts one TOML value to the declared type, or says why it cannot.
std::optional<ConfigValue> Convert(const toml::node& node, const KeySpec& spec) {
  switch (spec.type) {
    case ValueType::kBool:
      if (auto v = node.value_exact<bool>()) return ConfigValue{*v};
      return std::nullopt;
    case ValueType::kInt:
      if (auto v = node.value_exact<std::int64_t>()) return ConfigValue{*v};
      return std::nullopt;
    case ValueType::kReal:
      if (auto v = node.value_exact<double>()) return ConfigValue{*v};
      if (auto i = node.value_exact<std::int64_t>()) return ConfigValue{static_cast<double>(*i)};
      return std::nullopt;
    case ValueType::kString:
      if (auto v = node.value_exact<std::string>()) return ConfigValue{*v};
      return std::nullopt;
    case ValueType::kStringList: {
      const toml::array* arr = node.as_array();
      if (!arr) return std::nullopt;
      std::vector<std::string> out;
      for (const toml::node& item : *arr) {
        auto s = item.value_exact<std::string>();
        if (!s) return std::nullopt;
        out.push_back(*s);
      }
      return ConfigValue{std::move(out)};
    }
  }
  return std::nullopt;
}

const KeySpec* FindKey(const SectionSpec& section, std::string_view name) {
  for (const auto& k : section.keys) {
    if (k.name == name) return &k;
  }
  return nullptr;
}

// The value a key has after defaults, as text, for RequiredWhen.
std::string EffectiveText(const SectionSpec& spec,
                          const std::map<std::string, ConfigValue, std::less<>>& values,
                          std::string_view key) {
  auto it = values.find(key);
  const KeySpec* k = FindKey(spec, key);
  const ConfigValue* v = it != values.end()                   ? &it->second
                         : (k != nullptr && k->default_value) ? &*k->default_value
                                                              : nullptr;
  if (v == nullptr) return "";
  if (const auto* s = std::get_if<std::string>(v)) return *s;
  return Literal(*v);
}

ValueType TypeOf(const ConfigValue& v) {
  switch (v.index()) {
    case 0:
      return ValueType::kBool;
    case 1:
      return ValueType::kInt;
    case 2:
      return ValueType::kReal;
    case 3:
      return ValueType::kString;
    default:
      return ValueType::kStringList;
  }
}

// A root that is not there would make every probe read nothing and look healthy.
std::string IsDirectory(const ConfigValue& value) {
  std::error_code ec;
  const auto& path = std::get<std::string>(value);
  if (std::filesystem::is_directory(path, ec)) return "";
  return "\"" + path + "\" is not a directory";
}

KeySpec Make(std::string_view name, ValueType type) {
  KeySpec k;
  k.name = name;
  k.type = type;
  return k;
}

}  // namespace

KeySpec::KeySpec() = default;
KeySpec::KeySpec(const KeySpec&) = default;
KeySpec::KeySpec(KeySpec&&) noexcept = default;
KeySpec& KeySpec::operator=(const KeySpec&) = default;
KeySpec& KeySpec::operator=(KeySpec&&) noexcept = default;
KeySpec::~KeySpec() = default;

SectionSpec::SectionSpec(std::string_view name_, std::string_view meaning_,
                         std::vector<KeySpec> keys_,
                         std::function<std::optional<KeyProblem>(const ConfigSection&)> check_)
    : name(name_), meaning(meaning_), keys(std::move(keys_)), check(std::move(check_)) {}
SectionSpec::SectionSpec(const SectionSpec&) = default;
SectionSpec::SectionSpec(SectionSpec&&) noexcept = default;
SectionSpec& SectionSpec::operator=(const SectionSpec&) = default;
SectionSpec& SectionSpec::operator=(SectionSpec&&) noexcept = default;
SectionSpec::~SectionSpec() = default;

KeySpec&& KeySpec::Default(bool v) && {
  default_value = ConfigValue{v};
  return std::move(*this);
}
KeySpec&& KeySpec::Default(int v) && {
  if (type == ValueType::kReal) {
    default_value = ConfigValue{static_cast<double>(v)};
  } else {
    default_value = ConfigValue{static_cast<std::int64_t>(v)};
  }
  return std::move(*this);
}
KeySpec&& KeySpec::Default(std::int64_t v) && {
  default_value = ConfigValue{v};
  return std::move(*this);
}
KeySpec&& KeySpec::Default(double v) && {
  default_value = ConfigValue{v};
  return std::move(*this);
}
KeySpec&& KeySpec::Default(const char* v) && { return std::move(*this).Default(std::string(v)); }
KeySpec&& KeySpec::Default(std::string v) && {
  default_value = ConfigValue{std::move(v)};
  return std::move(*this);
}
KeySpec&& KeySpec::Default(std::vector<std::string> v) && {
  default_value = ConfigValue{std::move(v)};
  return std::move(*this);
}
KeySpec&& KeySpec::DefaultText(std::string_view text) && {
  default_text = text;
  return std::move(*this);
}
KeySpec&& KeySpec::Means(std::string_view text) && {
  meaning = text;
  return std::move(*this);
}
KeySpec&& KeySpec::OneOf(std::initializer_list<std::string_view> values) && {
  choices.assign(values.begin(), values.end());
  return std::move(*this);
}
KeySpec&& KeySpec::Required() && {
  required = true;
  return std::move(*this);
}
KeySpec&& KeySpec::NonEmpty() && {
  non_empty = true;
  return std::move(*this);
}
KeySpec&& KeySpec::With(std::string_view other) && {
  with = other;
  return std::move(*this);
}
KeySpec&& KeySpec::RequiredWhen(std::string_view key, std::string_view value) && {
  when_key = key;
  when_value = value;
  return std::move(*this);
}
KeySpec&& KeySpec::Check(std::function<std::string(const ConfigValue&)> fn) && {
  check = std::move(fn);
  return std::move(*this);
}

KeySpec Bool(std::string_view name) { return Make(name, ValueType::kBool); }
KeySpec Int(std::string_view name, std::int64_t min, std::int64_t max) {
  KeySpec k = Make(name, ValueType::kInt);
  k.min = min;
  k.max = max;
  return k;
}
KeySpec Real(std::string_view name, double min, double max) {
  KeySpec k = Make(name, ValueType::kReal);
  k.real_min = min;
  k.real_max = max;
  return k;
}
KeySpec String(std::string_view name) { return Make(name, ValueType::kString); }
KeySpec StringList(std::string_view name) { return Make(name, ValueType::kStringList); }
KeySpec TerminalPath(std::string_view name) {
  KeySpec k = Make(name, ValueType::kString);
  k.path = PathKind::kTerminal;
  return k;
}
KeySpec HostPath(std::string_view name) {
  KeySpec k = Make(name, ValueType::kString);
  k.path = PathKind::kHost;
  return k;
}

std::vector<SectionSpec> MergeSpecs(std::vector<SectionSpec> specs) {
  std::vector<SectionSpec> out;
  for (auto& spec : specs) {
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const SectionSpec& s) { return s.name == spec.name; });
    if (it == out.end()) {
      out.push_back(std::move(spec));
      continue;
    }
    if (it->meaning.empty()) it->meaning = spec.meaning;
    if (!it->check) it->check = std::move(spec.check);
    for (auto& key : spec.keys) it->keys.push_back(std::move(key));  // CheckSpecs finds twins
  }
  return out;
}

std::vector<SectionSpec> CoreSections() {
  return {
      {"system",
       "the terminal itself",
       {HostPath("root")
            .Default("/")
            .Check(IsDirectory)
            .Means(
                "prefix for /sys, /proc, /dev and every terminal path (a fixture tree in tests)"),
        String("model").Means("the terminal model; reported as the fact system.model")}},
      {"run",
       "one diagnosis",
       {Int("budget_ms", 1, 600'000)
            .Default(10'000)
            .Means("whole-run budget: no probe's deadline goes past it")}},
      {"log",
       "posdiag's own rotating log, posdiag.log",
       {HostPath("dir").Default("/var/log/posdiag").Means("where the log files are"),
        Int("max_size_kb", 16, 1 << 20).Default(1024).Means("size of one log file"),
        Int("files", 1, 100).Default(3).Means("log files kept, the current one included")}},
      {"history",
       "one JSON report per run",
       {HostPath("dir").Default("/var/lib/posdiag/history").Means("where the reports are kept"),
        Int("keep", 1, 10'000).Default(50).Means("reports kept")}},
      {"export",
       "the report for monitoring a site already runs (docs/fleet.md)",
       {HostPath("prometheus_textfile")
            .Means("node_exporter textfile collector file, rewritten atomically after every run")}},
      {"rules",
       "site rule files, merged over the built-in catalogue",
       {StringList("files")
            .Default(std::vector<std::string>{})
            .Means("site rule files (host paths)"),
        HostPath("dir").Means("every *.toml in it is a site rule file")}},
  };
}

ConfigSection::ConfigSection(const SectionSpec* spec, bool present,
                             std::map<std::string, ConfigValue, std::less<>> values,
                             std::map<std::string, std::string, std::less<>> where,
                             std::string header_where)
    : spec_(spec),
      present_(present),
      values_(std::move(values)),
      where_(std::move(where)),
      header_where_(std::move(header_where)) {}

const std::string& ConfigSection::name() const {
  static const std::string kNone;
  return spec_ ? spec_->name : kNone;
}

const KeySpec& ConfigSection::Spec(std::string_view key, ValueType type) const {
  const KeySpec* k = spec_ ? FindKey(*spec_, key) : nullptr;
  if (k == nullptr) {
    throw std::logic_error("config key [" + name() + "] " + std::string(key) + " is not declared");
  }
  if (k->type != type && !(type == ValueType::kReal && k->type == ValueType::kInt)) {
    throw std::logic_error("config key [" + name() + "] " + std::string(key) + " is " +
                           std::string(TypeName(k->type)));
  }
  return *k;
}

const ConfigValue* ConfigSection::Value(std::string_view key, ValueType type) const {
  const KeySpec& k = Spec(key, type);
  auto it = values_.find(key);
  if (it != values_.end()) return &it->second;
  return k.default_value ? &*k.default_value : nullptr;
}

bool ConfigSection::GetBool(std::string_view key) const {
  const ConfigValue* v = Value(key, ValueType::kBool);
  return v ? std::get<bool>(*v) : false;
}

std::int64_t ConfigSection::GetInt(std::string_view key) const {
  const ConfigValue* v = Value(key, ValueType::kInt);
  return v ? std::get<std::int64_t>(*v) : 0;
}

double ConfigSection::GetReal(std::string_view key) const {
  const ConfigValue* v = Value(key, ValueType::kReal);
  if (v == nullptr) return 0.0;
  if (const auto* i = std::get_if<std::int64_t>(v)) return static_cast<double>(*i);
  return std::get<double>(*v);
}

std::string ConfigSection::GetString(std::string_view key) const {
  const ConfigValue* v = Value(key, ValueType::kString);
  return v ? std::get<std::string>(*v) : std::string();
}

std::vector<std::string> ConfigSection::GetStringList(std::string_view key) const {
  const ConfigValue* v = Value(key, ValueType::kStringList);
  return v ? std::get<std::vector<std::string>>(*v) : std::vector<std::string>{};
}

std::string ConfigSection::Where(std::string_view key) const {
  auto it = where_.find(key);
  return it != where_.end() ? it->second : header_where_;
}

Result<Config> Config::Parse(std::string_view text, std::string_view file_name,
                             std::vector<SectionSpec> sections) {
  Config config;
  config.source_ = std::string(file_name);
  config.specs_ = std::make_shared<const std::vector<SectionSpec>>(std::move(sections));
  const std::vector<SectionSpec>& specs = *config.specs_;

  // The text the parser may take (drivers/base/text.h).
  const TomlSafeText safe = MakeTomlParserSafe(text);
  if (safe.hazard) {
    return Error{ErrorKind::kInvalid,
                 std::string(file_name) + ":" + std::to_string(safe.hazard->line) + ":" +
                     std::to_string(safe.hazard->column) + ": " + safe.hazard->why};
  }
  toml::table root;
  try {
    root = toml::parse(safe.text, file_name);
  } catch (const toml::parse_error& e) {
    return Error{ErrorKind::kInvalid,
                 Where(file_name, e.source()) + ": " + std::string(e.description())};
  }

  std::vector<std::string> problems;
  auto problem = [&](const std::string& where, const std::string& section, const std::string& key,
                     const std::string& why) {
    problems.push_back(where + ": [" + section + "]" + (key.empty() ? "" : " " + key) + ": " + why);
  };

  for (const auto& [key, node] : root) {
    const std::string name(key.str());
    auto spec = std::find_if(specs.begin(), specs.end(),
                             [&](const SectionSpec& s) { return s.name == name; });
    if (spec == specs.end()) {
      problem(Where(file_name, key.source()), name, "", "unknown section");
      continue;
    }
    const toml::table* table = node.as_table();
    if (!table) {
      problem(Where(file_name, node.source()), name, "", "must be a table");
      continue;
    }
    const std::string header = Where(file_name, table->source());
    const std::size_t problems_before = problems.size();
    std::map<std::string, ConfigValue, std::less<>> values;
    std::map<std::string, std::string, std::less<>> where;
    std::set<std::string, std::less<>> rejected;  // set, but refused: said once, above
    for (const auto& [k, v] : *table) {
      const std::string key_name(k.str());
      const std::string at = Where(file_name, k.source());
      const KeySpec* key_spec = FindKey(*spec, key_name);
      if (key_spec == nullptr) {
        problem(at, name, key_name, "unknown key");
        continue;
      }
      auto value = Convert(v, *key_spec);
      if (!value) {
        problem(Where(file_name, v.source()), name, key_name,
                "must be " + std::string(TypeName(key_spec->type)));
        rejected.insert(key_name);
        continue;
      }
      if (const std::string why = Violation(*key_spec, *value); !why.empty()) {
        problem(Where(file_name, v.source()), name, key_name, why);
        rejected.insert(key_name);
        continue;
      }
      where.emplace(key_name, at);
      values.emplace(key_name, std::move(*value));
    }
    for (const KeySpec& k : spec->keys) {
      if (rejected.contains(k.name)) continue;
      const bool has = values.contains(k.name);
      if (k.required && !has) problem(header, name, k.name, "is required");
      if (!k.with.empty() && has && !values.contains(k.with) && !rejected.contains(k.with)) {
        problem(where[k.name], name, k.name, "goes with " + k.with + ", which is not set");
      }
      if (!k.when_key.empty() && !has && !rejected.contains(k.when_key) &&
          EffectiveText(*spec, values, k.when_key) == k.when_value) {
        auto at = where.find(k.when_key);
        problem(at != where.end() ? at->second : header, name, k.name,
                "is required when " + k.when_key + " = \"" + k.when_value + "\"");
      }
    }
    ConfigSection section(&*spec, true, std::move(values), std::move(where), header);
    if (spec->check && problems.size() == problems_before) {
      if (auto bad = spec->check(section))
        problem(section.Where(bad->key), name, bad->key, bad->why);
    }
    config.sections_.insert_or_assign(name, std::move(section));
  }
  if (!problems.empty()) return Error{ErrorKind::kInvalid, Join(problems, "\n")};

  for (const SectionSpec& spec : specs) {
    if (!config.sections_.contains(spec.name)) {
      config.sections_.emplace(spec.name, ConfigSection(&spec, false, {}, {}, config.source_));
    }
  }
  return config;
}

Result<Config> Config::Load(const std::string& path, std::vector<SectionSpec> sections) {
  auto text = io::ReadFileBounded(path, {.max_bytes = kMaxConfigBytes});
  if (!text) return text.error().Context("cannot read config file");
  return Parse(*text, path, std::move(sections));
}

const ConfigSection& Config::Section(std::string_view name) const {
  auto it = sections_.find(name);
  if (it == sections_.end()) {
    throw std::logic_error("config section [" + std::string(name) + "] is not declared");
  }
  return it->second;
}

void Config::AddEmptySection(std::string_view name) {
  auto it = sections_.find(name);
  if (it == sections_.end()) {
    throw std::logic_error("config section [" + std::string(name) + "] is not declared");
  }
  if (it->second.present()) return;
  auto spec = std::find_if(specs_->begin(), specs_->end(),
                           [&](const SectionSpec& s) { return s.name == name; });
  it->second = ConfigSection(&*spec, true, {}, {}, source_);
}

namespace {

std::string TypeText(const KeySpec& k, bool markdown) {
  const std::string q = markdown ? "`" : "";
  switch (k.type) {
    case ValueType::kBool:
      return "bool";
    case ValueType::kInt:
      if (k.min == std::numeric_limits<std::int64_t>::min()) return "integer";
      return "integer " + std::to_string(k.min) + "–" + std::to_string(k.max);
    case ValueType::kReal:
      return "number " + Literal(k.real_min) + "–" + Literal(k.real_max);
    case ValueType::kStringList:
      return "list of strings";
    case ValueType::kString:
      break;
  }
  if (!k.choices.empty()) {
    std::vector<std::string> quoted;
    for (const auto& c : k.choices) quoted.push_back(q + c + q);
    return "one of " + Join(quoted, ", ");
  }
  if (k.path == PathKind::kTerminal) return "terminal path";
  if (k.path == PathKind::kHost) return "host path";
  return "string";
}

std::string DefaultText(const KeySpec& k, bool markdown) {
  const std::string q = markdown ? "`" : "";
  if (k.default_value) return q + Literal(*k.default_value) + q;
  if (!k.default_text.empty()) return k.default_text;
  return "—";
}

std::string MeaningText(const KeySpec& k, bool markdown) {
  const std::string q = markdown ? "`" : "";
  std::string out = k.meaning;
  auto add = [&out](const std::string& s) { out += (out.empty() ? "" : "; ") + s; };
  if (k.required) add("required");
  if (!k.with.empty()) add("together with " + q + k.with + q);
  if (!k.when_key.empty()) {
    add("required when " + q + k.when_key + " = \"" + k.when_value + "\"" + q);
  }
  return out;
}

std::string Cell(std::string s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\";
    out += c;
  }
  return out;
}

}  // namespace

std::string RenderConfigMarkdown(const std::vector<SectionSpec>& specs) {
  std::string out = "| section | key | type | default | meaning |\n|---|---|---|---|---|\n";
  for (const SectionSpec& s : specs) {
    bool first = true;
    for (const KeySpec& k : s.keys) {
      out += "|" + (first ? " `[" + s.name + "]` " : std::string(" ")) + "| `" + k.name + "` | " +
             Cell(TypeText(k, true)) + " | " + Cell(DefaultText(k, true)) + " | " +
             Cell(MeaningText(k, true)) + " |\n";
      first = false;
    }
  }
  return out;
}

std::string RenderConfigText(const std::vector<SectionSpec>& specs) {
  std::string out;
  for (const SectionSpec& s : specs) {
    out += "[" + s.name + "]" + (s.meaning.empty() ? "" : "  " + s.meaning) + "\n";
    for (const KeySpec& k : s.keys) {
      out += "  " + k.name + "  " + TypeText(k, false) + ", default " + DefaultText(k, false);
      const std::string meaning = MeaningText(k, false);
      out += (meaning.empty() ? "" : "  " + meaning) + "\n";
    }
  }
  return out;
}

std::vector<std::string> CheckSpecs(const std::vector<SectionSpec>& specs) {
  std::vector<std::string> problems;
  std::set<std::string> sections;
  for (const SectionSpec& s : specs) {
    if (!sections.insert(s.name).second) problems.push_back("[" + s.name + "] declared twice");
    std::set<std::string> keys;
    for (const KeySpec& k : s.keys) {
      const std::string at = "[" + s.name + "] " + k.name + ": ";
      if (!keys.insert(k.name).second) problems.push_back(at + "declared twice");
      if (k.default_value) {
        if (TypeOf(*k.default_value) != k.type) {
          problems.push_back(at + "default is not " + std::string(TypeName(k.type)));
        } else if (const std::string why = Violation(k, *k.default_value); !why.empty()) {
          problems.push_back(at + "default: " + why);
        }
      }
      if (!k.with.empty() && FindKey(s, k.with) == nullptr) {
        problems.push_back(at + "goes with undeclared key " + k.with);
      }
      if (!k.when_key.empty() && FindKey(s, k.when_key) == nullptr) {
        problems.push_back(at + "required when undeclared key " + k.when_key);
      }
      if (k.meaning.empty()) problems.push_back(at + "says nothing of its meaning");
    }
  }
  return problems;
}

}  // namespace posdiag::agent
