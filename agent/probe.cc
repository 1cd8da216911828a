#include "agent/probe.h"

namespace posdiag::agent {

void FactWriter::Set(std::string name, rules::FactValue value, std::string unit) {
  facts_.push_back(rules::Fact{std::move(name), std::move(value), std::move(unit), {}});
}

void FactWriter::Missing(std::string name, std::string reason) {
  missing_.push_back(rules::MissingFact{std::move(name), std::move(reason), {}});
}

}  // namespace posdiag::agent
