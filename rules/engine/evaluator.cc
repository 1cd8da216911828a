#include "rules/engine/evaluator.h"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <string_view>
#include <unordered_map>

#include "rules/engine/expr_internal.h"

namespace posdiag::rules {
namespace {

constexpr std::uint32_t kNone = UINT32_MAX;

// An open-addressing index over the fact set, built once per evaluation: the conditions carry
// their fact names' hashes, so resolving a fact costs a probe and one string comparison instead
// of a walk down the ordered map.
class FactIndex {
 public:
  explicit FactIndex(const FactSet& facts) {
    std::size_t capacity = 16;
    while (capacity < facts.size() * 2) capacity *= 2;
    slots_.resize(capacity);
    mask_ = capacity - 1;
    for (const auto& [name, fact] : facts.facts()) {
      const std::size_t hash = internal::HashName(name);
      std::size_t i = hash & mask_;
      while (slots_[i].fact != nullptr) i = (i + 1) & mask_;
      slots_[i] = {hash, &fact};
    }
  }

  const FactValue* Find(std::string_view name, std::size_t hash) const {
    for (std::size_t i = hash & mask_; slots_[i].fact != nullptr; i = (i + 1) & mask_) {
      if (slots_[i].hash == hash && slots_[i].fact->name == name) return &slots_[i].fact->value;
    }
    return nullptr;
  }

 private:
  struct Slot {
    std::size_t hash = 0;
    const Fact* fact = nullptr;
  };
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
};

Finding MakeFinding(const Rule& rule, const Expr& expr, const FactIndex& index) {
  Finding f;
  f.rule = rule.id;
  f.code = rule.code;
  f.severity = rule.severity;
  f.component = rule.component;
  f.title = rule.title;
  f.remedy = rule.remedy;
  const internal::ExprData& e = internal::Data(expr);
  for (std::size_t i = 0; i < e.slots.size(); ++i) {
    if (const FactValue* value = index.Find(e.slots[i], e.slot_hashes[i])) {
      f.evidence.emplace(e.slots[i], *value);
    }
  }
  return f;
}

}  // namespace

Evaluation Evaluate(const std::vector<Rule>& rules, const FactSet& facts) {
  Evaluation out;
  out.rules_evaluated = rules.size();

  // A rule built by hand may carry only its text; parse it here rather than skip it.
  std::vector<std::shared_ptr<const Expr>> parsed_here;
  std::vector<const Expr*> exprs(rules.size(), nullptr);
  std::vector<std::uint32_t> fired;
  const FactIndex index(facts);

  for (std::size_t i = 0; i < rules.size(); ++i) {
    const Rule& rule = rules[i];
    const Expr* expr = rule.expr.get();
    if (expr == nullptr) {
      ParseOutcome p = ParseCondition(rule.condition);
      if (!p.errors.empty()) {
        out.not_evaluated.push_back(
            {rule.id, "condition does not parse: " + p.errors.front().message + " (offset " +
                          std::to_string(p.errors.front().offset) + ")"});
        continue;
      }
      expr = p.expr.get();
      parsed_here.push_back(std::move(p.expr));
    }
    exprs[i] = expr;
    const internal::ExprData& e = internal::Data(*expr);
    const internal::Step step = internal::EvalNode(e, e.root, [&](std::uint32_t slot) {
      return index.Find(e.slots[slot], e.slot_hashes[slot]);
    });
    if (step.truth == Truth::kTrue) {
      fired.push_back(static_cast<std::uint32_t>(i));
    } else if (step.truth == Truth::kUnknown) {
      out.not_evaluated.push_back({rule.id, internal::ExplainUnknown(e, step.why, facts)});
    }
  }
  if (fired.empty()) return out;

  // Most severe first, ties in catalogue order.
  auto before = [&](std::uint32_t a, std::uint32_t b) {
    if (rules[a].severity != rules[b].severity) return rules[a].severity > rules[b].severity;
    return a < b;
  };
  std::sort(fired.begin(), fired.end(), before);

  // The suppression graph among fired rules only: a rule that did not fire hides nothing.
  std::unordered_map<std::string_view, std::vector<std::uint32_t>> fired_by_id;
  for (std::uint32_t i : fired) fired_by_id[rules[i].id].push_back(i);
  std::unordered_map<std::uint32_t, std::vector<std::uint32_t>> hides;
  std::vector<bool> hidden(rules.size(), false);
  for (std::uint32_t i : fired) {
    for (const std::string& target : rules[i].suppresses) {
      auto it = fired_by_id.find(target);
      if (it == fired_by_id.end()) continue;
      for (std::uint32_t j : it->second) {
        if (j == i) continue;
        hides[i].push_back(j);
        hidden[j] = true;
      }
    }
  }

  // Each hidden rule belongs to the first root cause (in report order) that reaches it. Rules
  // only reachable from each other (a cycle the catalogue check should have caught) are not
  // dropped: the first of them in report order stands as its own root.
  std::vector<std::uint32_t> owner(rules.size(), kNone);
  std::vector<std::uint32_t> roots;
  auto claim = [&](std::uint32_t root) {
    owner[root] = root;
    roots.push_back(root);
    std::deque<std::uint32_t> queue{root};
    while (!queue.empty()) {
      const std::uint32_t at = queue.front();
      queue.pop_front();
      auto it = hides.find(at);
      if (it == hides.end()) continue;
      for (std::uint32_t next : it->second) {
        if (owner[next] != kNone) continue;
        owner[next] = root;
        queue.push_back(next);
      }
    }
  };
  for (std::uint32_t i : fired) {
    if (!hidden[i]) claim(i);
  }
  for (std::uint32_t i : fired) {
    if (owner[i] == kNone) claim(i);
  }

  // Roots found in the second pass (cycles) may belong before earlier ones.
  std::sort(roots.begin(), roots.end(), before);
  std::unordered_map<std::uint32_t, std::size_t> finding_of_root;
  for (std::uint32_t root : roots) {
    finding_of_root[root] = out.findings.size();
    out.findings.push_back(MakeFinding(rules[root], *exprs[root], index));
  }
  std::vector<std::vector<std::uint32_t>> owned(roots.size());
  for (std::uint32_t i : fired) {  // already in report order
    if (owner[i] == i) continue;
    Finding f = MakeFinding(rules[i], *exprs[i], index);
    f.suppressed_by = rules[owner[i]].id;
    out.suppressed.push_back(std::move(f));
    owned[finding_of_root[owner[i]]].push_back(i);
  }
  for (std::size_t r = 0; r < roots.size(); ++r) {
    std::sort(owned[r].begin(), owned[r].end());  // catalogue order
    for (std::uint32_t i : owned[r]) out.findings[r].suppressed.push_back(rules[i].id);
  }
  return out;
}

}  // namespace posdiag::rules
