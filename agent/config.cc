#include "agent/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <sstream>

#include "drivers/io/file.h"

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

Error ConfigError(std::string_view file, const toml::source_region& src, std::string message) {
  return Error{ErrorKind::kInvalid, Where(file, src) + ": " + message};
}

// Converts one TOML value to the declared type, or says why it cannot.
Result<ConfigValue> Convert(const toml::node& node, const KeySpec& spec, std::string_view file,
                            std::string_view section) {
  auto wrong_type = [&] {
    return ConfigError(file, node.source(),
                       "[" + std::string(section) + "] " + spec.name + " must be " +
                           std::string(TypeName(spec.type)));
  };
  switch (spec.type) {
    case ValueType::kBool:
      if (auto v = node.value_exact<bool>()) return ConfigValue{*v};
      return wrong_type();
    case ValueType::kInt: {
      auto v = node.value_exact<std::int64_t>();
      if (!v) return wrong_type();
      if (*v < spec.min || *v > spec.max) {
        return ConfigError(file, node.source(),
                           "[" + std::string(section) + "] " + spec.name + " = " +
                               std::to_string(*v) + " is out of range " + std::to_string(spec.min) +
                               ".." + std::to_string(spec.max));
      }
      return ConfigValue{*v};
    }
    case ValueType::kReal:
      if (auto v = node.value_exact<double>()) return ConfigValue{*v};
      if (auto i = node.value_exact<std::int64_t>()) return ConfigValue{static_cast<double>(*i)};
      return wrong_type();
    case ValueType::kString:
      if (auto v = node.value_exact<std::string>()) return ConfigValue{*v};
      return wrong_type();
    case ValueType::kStringList: {
      const toml::array* arr = node.as_array();
      if (!arr) return wrong_type();
      std::vector<std::string> out;
      for (const toml::node& item : *arr) {
        auto s = item.value_exact<std::string>();
        if (!s) return wrong_type();
        out.push_back(*s);
      }
      return ConfigValue{std::move(out)};
    }
  }
  return wrong_type();
}

}  // namespace

bool ConfigSection::GetBool(std::string_view key, bool fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  const bool* v = std::get_if<bool>(&it->second);
  return v ? *v : fallback;
}

std::int64_t ConfigSection::GetInt(std::string_view key, std::int64_t fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  const auto* v = std::get_if<std::int64_t>(&it->second);
  return v ? *v : fallback;
}

double ConfigSection::GetReal(std::string_view key, double fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  if (const double* d = std::get_if<double>(&it->second)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&it->second)) return static_cast<double>(*i);
  return fallback;
}

std::string ConfigSection::GetString(std::string_view key, std::string fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  const auto* v = std::get_if<std::string>(&it->second);
  return v ? *v : fallback;
}

std::vector<std::string> ConfigSection::GetStringList(std::string_view key) const {
  auto it = values_.find(key);
  if (it == values_.end()) return {};
  const auto* v = std::get_if<std::vector<std::string>>(&it->second);
  return v ? *v : std::vector<std::string>{};
}

std::vector<SectionSpec> Config::CoreSections() {
  using VT = ValueType;
  return {
      {"system", {{"root", VT::kString}, {"model", VT::kString}}},
      {"run", {{"budget_ms", VT::kInt, 1, 600'000}}},
      {"log",
       {{"dir", VT::kString}, {"max_size_kb", VT::kInt, 16, 1 << 20}, {"files", VT::kInt, 1, 100}}},
      {"history", {{"dir", VT::kString}, {"keep", VT::kInt, 1, 10'000}}},
      {"rules", {{"files", VT::kStringList}, {"dir", VT::kString}}},
  };
}

std::vector<SectionSpec> Config::MergeSpecs(std::vector<SectionSpec> specs) {
  std::vector<SectionSpec> out;
  for (auto& spec : specs) {
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const SectionSpec& s) { return s.name == spec.name; });
    if (it == out.end()) {
      out.push_back(std::move(spec));
      continue;
    }
    for (auto& key : spec.keys) {
      const bool known = std::any_of(it->keys.begin(), it->keys.end(),
                                     [&](const KeySpec& k) { return k.name == key.name; });
      if (!known) it->keys.push_back(std::move(key));
    }
  }
  return out;
}

Result<Config> Config::Parse(std::string_view text, std::string_view file_name,
                             const std::vector<SectionSpec>& sections) {
  toml::table root;
  try {
    root = toml::parse(text, file_name);
  } catch (const toml::parse_error& e) {
    return ConfigError(file_name, e.source(), std::string(e.description()));
  }

  Config config;
  config.source_ = std::string(file_name);
  for (const auto& [key, node] : root) {
    const std::string name(key.str());
    auto spec = std::find_if(sections.begin(), sections.end(),
                             [&](const SectionSpec& s) { return s.name == name; });
    if (spec == sections.end()) {
      return ConfigError(file_name, key.source(), "unknown section [" + name + "]");
    }
    const toml::table* table = node.as_table();
    if (!table) return ConfigError(file_name, node.source(), "[" + name + "] must be a table");

    std::map<std::string, ConfigValue, std::less<>> values;
    for (const auto& [k, v] : *table) {
      const std::string key_name(k.str());
      auto key_spec = std::find_if(spec->keys.begin(), spec->keys.end(),
                                   [&](const KeySpec& ks) { return ks.name == key_name; });
      if (key_spec == spec->keys.end()) {
        return ConfigError(file_name, k.source(),
                           "[" + name + "] unknown key \"" + key_name + "\"");
      }
      auto value = Convert(v, *key_spec, file_name, name);
      if (!value) return value.error();
      values.emplace(key_name, std::move(*value));
    }
    config.sections_.insert_or_assign(name, ConfigSection(name, true, std::move(values)));
  }
  return config;
}

Result<Config> Config::Load(const std::string& path, const std::vector<SectionSpec>& sections) {
  auto text = io::ReadFileBounded(path, {.max_bytes = kMaxConfigBytes});
  if (!text) return text.error().Context("cannot read config file");
  return Parse(*text, path, sections);
}

const ConfigSection& Config::Section(std::string_view name) const {
  static const ConfigSection kAbsent;
  auto it = sections_.find(name);
  return it == sections_.end() ? kAbsent : it->second;
}

void Config::AddEmptySection(std::string name) {
  if (sections_.contains(name)) return;
  std::string key = name;
  sections_.emplace(std::move(key), ConfigSection(std::move(name), true, {}));
}

}  // namespace posdiag::agent
