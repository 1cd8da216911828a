// The TOML configuration, checked against schemas that are data. Each section's owner (the core
// here, a device in agent/probes/<device>/, a mode) declares its keys: type, default, range or
// choices, whether it is required, and how keys depend on each other. The loader, `posdiag config
// check`, the getters and docs/configuration.md all read that one declaration, so
//   - a wrong value stops posdiag before it measures anything: exit 3 and one line per problem,
//     `file:line:col: [section] key: why`;
//   - defaults live in the schema only: ConfigSection::GetInt("baud") is the file's value or the
//     declared default, and asking for a key no schema declares is a programming error
//     (std::logic_error, which a test finds).
// Example of a section's declaration:
//   SectionSpec{"printer", "the receipt printer", {
//       String("transport").OneOf({"serial", "usb"}).Default("serial").Means("how it is attached"),
//       TerminalPath("port").RequiredWhen("transport", "serial").Means("its serial port"),
//       Int("baud", 300, 4'000'000).Default(9600).Means("line speed"),
//       Int("vid", 0, 0xFFFF).With("pid").Means("USB vendor id"),
//       Int("pid", 0, 0xFFFF).With("vid").Means("USB product id")}}
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "drivers/base/result.h"

namespace posdiag::agent {

enum class ValueType { kBool, kInt, kReal, kString, kStringList };

using ConfigValue = std::variant<bool, std::int64_t, double, std::string, std::vector<std::string>>;

// Paths in the config: a terminal path is under [system] root (devices, CA files, the journal);
// a host path is posdiag's own (log, history, outbox). Both must be absolute.
enum class PathKind { kNone, kTerminal, kHost };

struct KeySpec {
  // Out of line: a schema declares many keys, and inlined copies of this struct at every
  // declaration would cost the binary more than the schemas themselves.
  KeySpec();
  KeySpec(const KeySpec&);
  KeySpec(KeySpec&&) noexcept;
  KeySpec& operator=(const KeySpec&);
  KeySpec& operator=(KeySpec&&) noexcept;
  ~KeySpec();

  std::string name;
  ValueType type = ValueType::kString;
  std::optional<ConfigValue> default_value;
  std::string default_text;  // for the docs when the default is not a literal ("the host's")
  std::string meaning;       // one line for the docs
  std::int64_t min = std::numeric_limits<std::int64_t>::min();  // kInt, inclusive
  std::int64_t max = std::numeric_limits<std::int64_t>::max();
  double real_min = -std::numeric_limits<double>::infinity();  // kReal, inclusive
  double real_max = std::numeric_limits<double>::infinity();
  std::vector<std::string> choices;  // kString: the value is one of these
  bool required = false;
  bool non_empty = false;  // kString: "" is refused
  PathKind path = PathKind::kNone;
  // A further check of a value of the right type: "" when it is good, else why not.
  std::function<std::string(const ConfigValue&)> check;
  std::string with;      // this key needs `with` set too (declare it on both: both or neither)
  std::string when_key;  // required when `when_key` (after defaults) equals `when_value`
  std::string when_value;

  // Builders on a temporary, each handing the same temporary on (no copy per step).
  KeySpec&& Default(bool v) &&;
  KeySpec&& Default(int v) &&;
  KeySpec&& Default(std::int64_t v) &&;
  KeySpec&& Default(double v) &&;
  KeySpec&& Default(const char* v) &&;
  KeySpec&& Default(std::string v) &&;
  KeySpec&& Default(std::vector<std::string> v) &&;
  KeySpec&& DefaultText(std::string_view text) &&;
  KeySpec&& Means(std::string_view text) &&;
  KeySpec&& OneOf(std::initializer_list<std::string_view> values) &&;
  KeySpec&& Required() &&;
  KeySpec&& NonEmpty() &&;
  KeySpec&& With(std::string_view other) &&;
  KeySpec&& RequiredWhen(std::string_view key, std::string_view value) &&;
  KeySpec&& Check(std::function<std::string(const ConfigValue&)> fn) &&;
};

KeySpec Bool(std::string_view name);
KeySpec Int(std::string_view name, std::int64_t min, std::int64_t max);
KeySpec Real(std::string_view name, double min, double max);
KeySpec String(std::string_view name);
KeySpec StringList(std::string_view name);
KeySpec TerminalPath(std::string_view name);  // a string, absolute, under [system] root
KeySpec HostPath(std::string_view name);      // a string, absolute, on the host

class ConfigSection;

// A problem a section-wide check found: the key to point at and why.
struct KeyProblem {
  std::string key;
  std::string why;
};

struct SectionSpec {
  SectionSpec(std::string_view name_, std::string_view meaning_, std::vector<KeySpec> keys_,
              std::function<std::optional<KeyProblem>(const ConfigSection&)> check_ = {});
  SectionSpec(const SectionSpec&);
  SectionSpec(SectionSpec&&) noexcept;
  SectionSpec& operator=(const SectionSpec&);
  SectionSpec& operator=(SectionSpec&&) noexcept;
  ~SectionSpec();

  std::string name;     // "power", "system", ...
  std::string meaning;  // one line for the docs: what the table configures
  std::vector<KeySpec> keys;
  // A check across keys, run on a present section after every key passed its own checks
  // (two actions on one key, a row length too short for the geometry).
  std::function<std::optional<KeyProblem>(const ConfigSection&)> check;
};

// Specs that name the same section are merged (the core [system] keys plus the system probe's).
std::vector<SectionSpec> MergeSpecs(std::vector<SectionSpec> specs);

// The sections every config may have whatever the build: system, run, log, history, rules.
std::vector<SectionSpec> CoreSections();

class ConfigSection {
 public:
  ConfigSection() = default;
  ConfigSection(const SectionSpec* spec, bool present,
                std::map<std::string, ConfigValue, std::less<>> values,
                std::map<std::string, std::string, std::less<>> where, std::string header_where);

  const std::string& name() const;
  // True when the file has this table (a device absent from the config is not_configured).
  bool present() const { return present_; }
  // True when the file sets the key (a default does not count).
  bool Has(std::string_view key) const { return values_.find(key) != values_.end(); }

  // The file's value, else the declared default, else false / 0 / "" / {}.
  bool GetBool(std::string_view key) const;
  std::int64_t GetInt(std::string_view key) const;
  double GetReal(std::string_view key) const;  // integers are accepted too
  std::string GetString(std::string_view key) const;
  std::vector<std::string> GetStringList(std::string_view key) const;

  // "file:line:col" of the key (or of the table when the file does not set it), for messages
  // of checks that can only be made later.
  std::string Where(std::string_view key) const;

 private:
  const KeySpec& Spec(std::string_view key, ValueType type) const;
  const ConfigValue* Value(std::string_view key, ValueType type) const;

  const SectionSpec* spec_ = nullptr;
  bool present_ = false;
  std::map<std::string, ConfigValue, std::less<>> values_;
  std::map<std::string, std::string, std::less<>> where_;
  std::string header_where_;
};

class Config {
 public:
  // Parses TOML text against the declared sections, checking every value, every dependency and
  // every custom check. All problems are reported, one line each: `file:line:col: [s] key: why`.
  static Result<Config> Parse(std::string_view text, std::string_view file_name,
                              std::vector<SectionSpec> sections);
  static Result<Config> Load(const std::string& path, std::vector<SectionSpec> sections);

  // Any declared section; one the file does not have is not present and yields the defaults. An
  // undeclared name is a programming error (std::logic_error).
  const ConfigSection& Section(std::string_view name) const;
  const std::string& source() const { return source_; }
  const std::vector<SectionSpec>& specs() const { return *specs_; }

  // Marks a section present with no keys (built-in defaults when no config file exists).
  void AddEmptySection(std::string_view name);

 private:
  std::string source_;
  std::shared_ptr<const std::vector<SectionSpec>> specs_;
  std::map<std::string, ConfigSection, std::less<>> sections_;
};

// The schemas as a Markdown table (docs/configuration.md) or plain text (`posdiag config keys`).
std::string RenderConfigMarkdown(const std::vector<SectionSpec>& specs);
std::string RenderConfigText(const std::vector<SectionSpec>& specs);

// Checks the schemas themselves: every default passes its key's own checks, every `with` and
// `when_key` names a key of the section, no key is declared twice. One line per problem.
std::vector<std::string> CheckSpecs(const std::vector<SectionSpec>& specs);

}  // namespace posdiag::agent
