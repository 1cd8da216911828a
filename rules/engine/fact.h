// Facts are what probes measured: a dotted stable name ("power.battery.capacity_pct"), a typed
// value, a unit where one applies and the probe that made it. A fact a probe tried and failed
// to measure is recorded as missing, with the reason, so a rule over it is "not evaluated"
// rather than false.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace posdiag::rules {

using FactValue = std::variant<bool, std::int64_t, double, std::string>;

// "bool", "integer", "real", "text".
std::string_view FactTypeName(const FactValue& value);
// A value as text for reports: true/false, 42, 3.5, the string itself.
std::string FactValueToString(const FactValue& value);

struct Fact {
  std::string name;
  FactValue value;
  std::string unit;   // "%", "V", "degC", "KiB", "s", "" when none
  std::string probe;  // the probe that made it
};

struct MissingFact {
  std::string name;
  std::string reason;
  std::string probe;
};

// Fact names: lower-case ASCII segments [a-z0-9_] joined by '.', each segment non-empty.
bool IsValidFactName(std::string_view name);

class FactSet {
 public:
  // Adds or replaces a fact. Returns false (and stores nothing) for an invalid name.
  bool Add(Fact fact);
  // Records that a fact could not be measured. A later Add of the same name wins.
  void AddMissing(MissingFact missing);

  const Fact* Find(std::string_view name) const;
  const MissingFact* FindMissing(std::string_view name) const;

  const std::map<std::string, Fact, std::less<>>& facts() const { return facts_; }
  const std::map<std::string, MissingFact, std::less<>>& missing() const { return missing_; }
  std::size_t size() const { return facts_.size(); }

 private:
  std::map<std::string, Fact, std::less<>> facts_;
  std::map<std::string, MissingFact, std::less<>> missing_;
};

}  // namespace posdiag::rules
