#include "rules/engine/fact.h"

#include <cmath>
#include <cstdio>

namespace posdiag::rules {

std::string_view FactTypeName(const FactValue& value) {
  switch (value.index()) {
    case 0:
      return "bool";
    case 1:
      return "integer";
    case 2:
      return "real";
    default:
      return "text";
  }
}

std::string FactValueToString(const FactValue& value) {
  if (const bool* b = std::get_if<bool>(&value)) return *b ? "true" : "false";
  if (const auto* i = std::get_if<std::int64_t>(&value)) return std::to_string(*i);
  if (const double* d = std::get_if<double>(&value)) {
    if (!std::isfinite(*d)) return std::isnan(*d) ? "nan" : (*d > 0 ? "inf" : "-inf");
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", *d);
    return buf;
  }
  return std::get<std::string>(value);
}

bool IsValidFactName(std::string_view name) {
  if (name.empty() || name.size() > 200) return false;
  bool segment_start = true;
  for (char c : name) {
    if (c == '.') {
      if (segment_start) return false;
      segment_start = true;
      continue;
    }
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
    segment_start = false;
  }
  return !segment_start;
}

bool FactSet::Add(Fact fact) {
  if (!IsValidFactName(fact.name)) return false;
  missing_.erase(fact.name);
  std::string key = fact.name;
  facts_.insert_or_assign(std::move(key), std::move(fact));
  return true;
}

void FactSet::AddMissing(MissingFact missing) {
  if (!IsValidFactName(missing.name) || facts_.contains(missing.name)) return;
  std::string key = missing.name;
  missing_.insert_or_assign(std::move(key), std::move(missing));
}

const Fact* FactSet::Find(std::string_view name) const {
  auto it = facts_.find(name);
  return it == facts_.end() ? nullptr : &it->second;
}

const MissingFact* FactSet::FindMissing(std::string_view name) const {
  auto it = missing_.find(name);
  return it == missing_.end() ? nullptr : &it->second;
}

}  // namespace posdiag::rules
