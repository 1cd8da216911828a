#include "agent/probe.h"

namespace posdiag::agent {

std::string_view LevelName(Level level) {
  switch (level) {
    case Level::kBoot:
      return "boot";
    case Level::kMerchant:
      return "merchant";
    case Level::kEngineer:
      return "engineer";
  }
  return "boot";
}

bool ParseLevel(std::string_view text, Level& out) {
  for (Level l : {Level::kBoot, Level::kMerchant, Level::kEngineer}) {
    if (text == LevelName(l)) {
      out = l;
      return true;
    }
  }
  return false;
}

void FactWriter::Set(std::string name, rules::FactValue value, std::string unit) {
  facts_.push_back(rules::Fact{std::move(name), std::move(value), std::move(unit), {}});
}

void FactWriter::Missing(std::string name, std::string reason) {
  missing_.push_back(rules::MissingFact{std::move(name), std::move(reason), {}});
}

}  // namespace posdiag::agent
