#include "rules/engine/fact_schema.h"

#include <algorithm>
#include <variant>

#include "drivers/base/text.h"

namespace posdiag::rules {
namespace {

// The next segment of a dotted name, consumed from `rest`.
std::string_view NextSegment(std::string_view& rest) {
  const auto dot = rest.find('.');
  const std::string_view seg = rest.substr(0, dot);
  rest = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
  return seg;
}

// The pattern with each `*` replaced by the name's segment there, so that "network.if.eth0.carier"
// is compared with "network.if.eth0.carrier", not with the star.
std::string Instantiate(std::string_view pattern, std::string_view name) {
  std::string out;
  while (!pattern.empty()) {
    std::string_view seg = NextSegment(pattern);
    const std::string_view given = NextSegment(name);
    if (seg == "*" && !given.empty()) seg = given;
    out += (out.empty() ? "" : ".") + std::string(seg);
  }
  return out;
}

std::string Escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

}  // namespace

FactSpec::FactSpec(std::string pattern_, FactType type_, std::string unit_, std::string meaning_,
                   std::string probe_)
    : pattern(std::move(pattern_)),
      type(type_),
      unit(std::move(unit_)),
      meaning(std::move(meaning_)),
      probe(std::move(probe_)) {}
FactSpec::FactSpec(const FactSpec&) = default;
FactSpec::FactSpec(FactSpec&&) noexcept = default;
FactSpec& FactSpec::operator=(const FactSpec&) = default;
FactSpec& FactSpec::operator=(FactSpec&&) noexcept = default;
FactSpec::~FactSpec() = default;

std::vector<FactSpec> MakeFacts(std::initializer_list<FactDecl> decls) {
  std::vector<FactSpec> out;
  out.reserve(decls.size());
  for (const FactDecl& d : decls) {
    out.emplace_back(std::string(d.pattern), d.type, std::string(d.unit), std::string(d.meaning));
  }
  return out;
}

std::string_view FactTypeName(FactType type) {
  switch (type) {
    case FactType::kBool:
      return "bool";
    case FactType::kInt:
      return "integer";
    case FactType::kReal:
      return "real";
    case FactType::kText:
      return "text";
  }
  return "text";
}

bool FactPatternMatches(std::string_view pattern, std::string_view name) {
  while (!pattern.empty() && !name.empty()) {
    const std::string_view p = NextSegment(pattern);
    const std::string_view n = NextSegment(name);
    if (p != "*" && p != n) return false;
    if (n.empty()) return false;
  }
  return pattern.empty() && name.empty();
}

bool FactValueFits(FactType type, const FactValue& value) {
  switch (type) {
    case FactType::kBool:
      return std::holds_alternative<bool>(value);
    case FactType::kInt:
      return std::holds_alternative<std::int64_t>(value);
    case FactType::kReal:
      return std::holds_alternative<double>(value) || std::holds_alternative<std::int64_t>(value);
    case FactType::kText:
      return std::holds_alternative<std::string>(value);
  }
  return false;
}

const FactSpec* FactSchema::Find(std::string_view name) const {
  for (const FactSpec& spec : specs_) {
    if (FactPatternMatches(spec.pattern, name)) return &spec;
  }
  return nullptr;
}

std::string FactSchema::Suggest(std::string_view name) const {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(3, name.size() / 4) + 1;
  for (const FactSpec& spec : specs_) {
    const std::size_t d = EditDistance(Instantiate(spec.pattern, name), name);
    if (d < best_distance) {
      best_distance = d;
      best = spec.pattern;
    }
  }
  return best;
}

std::string RenderFactsMarkdown(const FactSchema& schema) {
  std::string out;
  std::string probe = "\x01";
  for (const FactSpec& s : schema.specs()) {
    if (s.probe != probe) {
      probe = s.probe;
      out += "\n## " + (probe.empty() ? std::string("other") : probe) +
             "\n\n| fact | type | unit | meaning |\n|---|---|---|---|\n";
    }
    out += "| `" + s.pattern + "` | " + std::string(FactTypeName(s.type)) + " | " +
           (s.unit.empty() ? "" : "`" + Escape(s.unit) + "`") + " | " + Escape(s.meaning) + " |\n";
  }
  return out;
}

std::string RenderFactsText(const FactSchema& schema) {
  std::string out;
  for (const FactSpec& s : schema.specs()) {
    out += s.pattern + "  " + std::string(FactTypeName(s.type)) +
           (s.unit.empty() ? "" : " [" + s.unit + "]") + "  " + s.meaning + "\n";
  }
  return out;
}

}  // namespace posdiag::rules
