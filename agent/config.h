// The TOML configuration. Every section and key is declared (core sections here, device sections
// by their probes), so an unknown key, a wrong type or a missing file is a clear error naming the
// key and file, and `posdiag` exits 3. Values are read through ConfigSection with defaults in code.
#pragma once

#include <climits>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "drivers/io/result.h"

namespace posdiag::agent {

enum class ValueType { kBool, kInt, kReal, kString, kStringList };

struct KeySpec {
  std::string name;
  ValueType type;
  // Accepted range for kInt keys (inclusive).
  std::int64_t min = 0;
  std::int64_t max = INT64_MAX;
};

struct SectionSpec {
  std::string name;  // "power", "system", ...
  std::vector<KeySpec> keys;
};

using ConfigValue = std::variant<bool, std::int64_t, double, std::string, std::vector<std::string>>;

class ConfigSection {
 public:
  ConfigSection() = default;
  ConfigSection(std::string name, bool present, std::map<std::string, ConfigValue, std::less<>> v)
      : name_(std::move(name)), present_(present), values_(std::move(v)) {}

  const std::string& name() const { return name_; }
  // True when the file has this table (a device absent from the config is not_configured).
  bool present() const { return present_; }
  bool Has(std::string_view key) const { return values_.find(key) != values_.end(); }

  bool GetBool(std::string_view key, bool fallback) const;
  std::int64_t GetInt(std::string_view key, std::int64_t fallback) const;
  double GetReal(std::string_view key, double fallback) const;  // integers are accepted too
  std::string GetString(std::string_view key, std::string fallback) const;
  std::vector<std::string> GetStringList(std::string_view key) const;

 private:
  std::string name_;
  bool present_ = false;
  std::map<std::string, ConfigValue, std::less<>> values_;
};

class Config {
 public:
  // Core sections every config may have: system, run, log, history, rules.
  static std::vector<SectionSpec> CoreSections();
  // Merges specs that name the same section (core [system] plus the system probe's keys).
  static std::vector<SectionSpec> MergeSpecs(std::vector<SectionSpec> specs);

  // Parses TOML text against the declared sections. file_name is used in messages.
  static Result<Config> Parse(std::string_view text, std::string_view file_name,
                              const std::vector<SectionSpec>& sections);
  static Result<Config> Load(const std::string& path, const std::vector<SectionSpec>& sections);

  // A section; an empty, not-present one when the file does not have it.
  const ConfigSection& Section(std::string_view name) const;
  const std::string& source() const { return source_; }

  // Marks a section present with no keys (built-in defaults when no config file exists).
  void AddEmptySection(std::string name);

 private:
  std::string source_;
  std::map<std::string, ConfigSection, std::less<>> sections_;
};

}  // namespace posdiag::agent
