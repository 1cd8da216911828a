// What facts may exist: each probe declares the facts it may write, by name or by a pattern whose
// `*` stands for one segment ("network.if.*.carrier"), with a type, a unit and a meaning. The
// runner drops (and reports) a fact no declaration covers; the rule checker rejects a condition
// over a fact no probe declares, with the nearest declared name as a hint; docs/facts.md is
// rendered from the declarations.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rules/engine/fact.h"

namespace posdiag::rules {

enum class FactType { kBool, kInt, kReal, kText };
std::string_view FactTypeName(FactType type);  // "bool", "integer", "real", "text"

struct FactSpec {
  // Out of line, like the config schema's KeySpec: probes declare facts by the hundred.
  FactSpec(std::string pattern_, FactType type_, std::string unit_, std::string meaning_,
           std::string probe_ = {});
  FactSpec(const FactSpec&);
  FactSpec(FactSpec&&) noexcept;
  FactSpec& operator=(const FactSpec&);
  FactSpec& operator=(FactSpec&&) noexcept;
  ~FactSpec();

  std::string pattern;  // "printer.paper_end", "network.if.*.carrier"
  FactType type = FactType::kBool;
  std::string unit;     // "%", "ms", "" when none
  std::string meaning;  // one line for engineers
  std::string probe;    // the probe that declares it (filled in by the registry)
};

// A declaration as a probe writes it: literals only, so that a probe's list of them is data in
// the binary rather than code that builds strings one by one.
struct FactDecl {
  std::string_view pattern;
  FactType type;
  std::string_view unit;
  std::string_view meaning;
};
std::vector<FactSpec> MakeFacts(std::initializer_list<FactDecl> decls);

// True when `name` matches `pattern` segment by segment, `*` matching any one segment.
bool FactPatternMatches(std::string_view pattern, std::string_view name);

// True when a value fits the declared type (an integer fits a real).
bool FactValueFits(FactType type, const FactValue& value);

class FactSchema {
 public:
  FactSchema() = default;
  explicit FactSchema(std::vector<FactSpec> specs) : specs_(std::move(specs)) {}

  void Add(FactSpec spec) { specs_.push_back(std::move(spec)); }
  void ShrinkToFit() { specs_.shrink_to_fit(); }
  // The declaration that covers `name`, or null.
  const FactSpec* Find(std::string_view name) const;
  // The declared name or pattern nearest to an undeclared `name` (edit distance), "" when none
  // is near enough to be a likely typo.
  std::string Suggest(std::string_view name) const;
  const std::vector<FactSpec>& specs() const { return specs_; }

 private:
  std::vector<FactSpec> specs_;
};

// The schema as Markdown (docs/facts.md) or text (`posdiag facts`), grouped by probe.
std::string RenderFactsMarkdown(const FactSchema& schema);
std::string RenderFactsText(const FactSchema& schema);

}  // namespace posdiag::rules
