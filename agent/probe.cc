#include "agent/probe.h"

#include <algorithm>

namespace posdiag::agent {

void FactWriter::Set(std::string name, rules::FactValue value, std::string unit) {
  facts_.push_back(rules::Fact{std::move(name), std::move(value), std::move(unit), {}});
}

void FactWriter::Missing(std::string name, std::string reason) {
  missing_.push_back(rules::MissingFact{std::move(name), std::move(reason), {}});
}

void FactWriter::Incomplete(std::string reason) { incomplete_.push_back(std::move(reason)); }

void FactWriter::RequireMeasured(const std::vector<std::string>& essential) {
  for (const std::string& name : essential) {
    if (std::any_of(facts_.begin(), facts_.end(),
                    [&](const rules::Fact& f) { return f.name == name; })) {
      continue;
    }
    const auto why = std::find_if(missing_.begin(), missing_.end(),
                                  [&](const rules::MissingFact& m) { return m.name == name; });
    Incomplete(name + ": " + (why != missing_.end() ? why->reason : "not measured"));
  }
}

}  // namespace posdiag::agent
