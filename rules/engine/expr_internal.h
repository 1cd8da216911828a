// The parsed form of a condition, shared by expr.cc and the evaluator only. A condition is a flat
// array of small nodes; and/or are n-ary so a long chain costs no recursion, literal types are
// resolved while parsing, and facts are named by slot so a caller can resolve each fact once.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "rules/engine/expr.h"
#include "rules/engine/fact.h"

namespace posdiag::rules::internal {

enum class CmpOp : std::uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };

enum class Kind : std::uint8_t {
  kAnd,         // children[a .. a+b)
  kOr,          // children[a .. a+b)
  kNot,         // node a
  kExists,      // slot a
  kCmpLiteral,  // slot a <op> literals[b]
  kCmpFacts,    // slot a <op> slot b
};

struct Node {
  Kind kind = Kind::kAnd;
  CmpOp op = CmpOp::kEq;
  std::uint32_t a = 0;
  std::uint32_t b = 0;
};

enum class LitType : std::uint8_t { kBool, kInt, kReal, kText };

struct Literal {
  LitType type = LitType::kBool;
  bool b = false;
  std::int64_t i = 0;
  double d = 0;  // also set for integers, for comparison with real facts
  std::string s;
};

struct ExprData {
  std::vector<Node> nodes;
  std::vector<std::uint32_t> children;
  std::vector<Literal> literals;
  std::vector<std::string> slots;        // fact names, sorted, unique
  std::vector<std::size_t> slot_hashes;  // HashName(slots[i]), so lookups need not hash
  std::uint32_t root = 0;
};

const ExprData& Data(const Expr& expr);

// A condition from its parsed form (the built-in catalogue's tables): `data` as ParseCondition
// leaves it, slots sorted; the slot hashes are filled in here.
std::shared_ptr<const Expr> MakeExpr(ExprData data);

inline std::size_t HashName(std::string_view name) { return std::hash<std::string_view>{}(name); }

enum class Compare : std::uint8_t { kFalse, kTrue, kMismatch, kNotANumber };

inline Compare FromBool(bool b) { return b ? Compare::kTrue : Compare::kFalse; }

inline Compare ApplyEq(CmpOp op, bool equal) { return FromBool(op == CmpOp::kEq ? equal : !equal); }

template <typename T>
Compare Apply(CmpOp op, const T& x, const T& y) {
  switch (op) {
    case CmpOp::kEq:
      return FromBool(x == y);
    case CmpOp::kNe:
      return FromBool(x != y);
    case CmpOp::kLt:
      return FromBool(x < y);
    case CmpOp::kLe:
      return FromBool(x <= y);
    case CmpOp::kGt:
      return FromBool(x > y);
    case CmpOp::kGe:
      return FromBool(x >= y);
  }
  return Compare::kMismatch;
}

Compare CompareToLiteral(const FactValue& value, CmpOp op, const Literal& lit);
Compare CompareFacts(const FactValue& a, CmpOp op, const FactValue& b);

// The reason a comparison node came out unknown, for NotEvaluated and EvalResult.
std::string ExplainUnknown(const ExprData& e, std::uint32_t node, const FactSet& facts);

// A truth value and, when unknown, the comparison node that made it so; the reason text is
// built only for a final unknown, so evaluation itself never allocates.
struct Step {
  Truth truth;
  std::uint32_t why;
};

// Kleene logic: false decides an `and`, true decides an `or`, otherwise any unknown operand
// makes the result unknown. lookup(slot) returns the measured value or nullptr.
template <typename Lookup>
Step EvalNode(const ExprData& e, std::uint32_t index, const Lookup& lookup) {
  const Node& n = e.nodes[index];
  switch (n.kind) {
    case Kind::kAnd:
    case Kind::kOr: {
      const Truth decisive = n.kind == Kind::kAnd ? Truth::kFalse : Truth::kTrue;
      Step unknown{Truth::kUnknown, 0};
      bool any_unknown = false;
      for (std::uint32_t i = 0; i < n.b; ++i) {
        const Step s = EvalNode(e, e.children[n.a + i], lookup);
        if (s.truth == decisive) return s;
        if (s.truth == Truth::kUnknown && !any_unknown) {
          any_unknown = true;
          unknown = s;
        }
      }
      if (any_unknown) return unknown;
      return {n.kind == Kind::kAnd ? Truth::kTrue : Truth::kFalse, 0};
    }
    case Kind::kNot: {
      Step s = EvalNode(e, n.a, lookup);
      if (s.truth == Truth::kTrue) {
        s.truth = Truth::kFalse;
      } else if (s.truth == Truth::kFalse) {
        s.truth = Truth::kTrue;
      }
      return s;
    }
    case Kind::kExists:
      return {lookup(n.a) != nullptr ? Truth::kTrue : Truth::kFalse, 0};
    case Kind::kCmpLiteral: {
      const FactValue* v = lookup(n.a);
      if (v == nullptr) return {Truth::kUnknown, index};
      const Compare c = CompareToLiteral(*v, n.op, e.literals[n.b]);
      if (c == Compare::kTrue) return {Truth::kTrue, 0};
      if (c == Compare::kFalse) return {Truth::kFalse, 0};
      return {Truth::kUnknown, index};
    }
    case Kind::kCmpFacts: {
      const FactValue* x = lookup(n.a);
      const FactValue* y = lookup(n.b);
      if (x == nullptr || y == nullptr) return {Truth::kUnknown, index};
      const Compare c = CompareFacts(*x, n.op, *y);
      if (c == Compare::kTrue) return {Truth::kTrue, 0};
      if (c == Compare::kFalse) return {Truth::kFalse, 0};
      return {Truth::kUnknown, index};
    }
  }
  return {Truth::kUnknown, index};
}

}  // namespace posdiag::rules::internal
