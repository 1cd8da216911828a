#include "rules/engine/expr.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace posdiag::rules {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string Tree(std::string_view text) {
  ParseOutcome p = ParseCondition(text);
  if (!p.errors.empty()) {
    std::string all;
    for (const ExprError& e : p.errors) all += std::to_string(e.offset) + ": " + e.message + "; ";
    return "ERROR " + all;
  }
  return DescribeExpr(*p.expr);
}

ExprError FirstError(std::string_view text) {
  ParseOutcome p = ParseCondition(text);
  EXPECT_EQ(p.expr, nullptr) << text;
  if (p.errors.empty()) return {-1, "no error"};
  return p.errors.front();
}

FactSet Facts() {
  FactSet f;
  f.Add({"i", std::int64_t{10}, "", "t"});
  f.Add({"neg", std::int64_t{-3}, "", "t"});
  f.Add({"r", 2.5, "", "t"});
  f.Add({"nan", std::nan(""), "", "t"});
  f.Add({"s", std::string("Discharging"), "", "t"});
  f.Add({"s2", std::string("Charging"), "", "t"});
  f.Add({"yes", true, "", "t"});
  f.Add({"no", false, "", "t"});
  f.AddMissing({"gone", "battery driver timed out", "t"});
  f.AddMissing({"quiet", "", "t"});
  return f;
}

EvalResult Eval(std::string_view text) {
  ParseOutcome p = ParseCondition(text);
  EXPECT_TRUE(p.errors.empty()) << text << ": " << (p.errors.empty() ? "" : p.errors[0].message);
  if (!p.expr) return {Truth::kUnknown, "parse failed"};
  return EvaluateExpr(*p.expr, Facts());
}

Truth T(std::string_view text) { return Eval(text).truth; }

// --- Parsing ---------------------------------------------------------------------------------

TEST(ParseCondition, Comparisons) {
  EXPECT_EQ(Tree("a.b == 1"), "(== a.b 1)");
  EXPECT_EQ(Tree("a != -2"), "(!= a -2)");
  EXPECT_EQ(Tree("a < 2.5"), "(< a 2.5)");
  EXPECT_EQ(Tree("a <= -0.5"), "(<= a -0.5)");
  EXPECT_EQ(Tree("a > 1e3"), "(> a 1000.0)");
  EXPECT_EQ(Tree("a >= 0"), "(>= a 0)");
  EXPECT_EQ(Tree("a == \"x y\""), "(== a \"x y\")");
  EXPECT_EQ(Tree("a == 'it''s'"),
            "ERROR 9: expected 'and', 'or' or the end of the condition, "
            "found string 's'; ");
  EXPECT_EQ(Tree("a == 'say \"hi\"'"), "(== a \"say \\\"hi\\\"\")");
  EXPECT_EQ(Tree("a == \"back\\\\slash \\\"q\\\"\""), "(== a \"back\\\\slash \\\"q\\\"\")");
  EXPECT_EQ(Tree("a == true"), "(== a true)");
  EXPECT_EQ(Tree("a != false"), "(!= a false)");
  EXPECT_EQ(Tree("a < b.c"), "(< a b.c)");
  EXPECT_EQ(Tree("exists(power.battery)"), "(exists power.battery)");
  EXPECT_EQ(Tree("  a\t==\n1  "), "(== a 1)");
}

TEST(ParseCondition, LiteralOnTheLeftIsMirrored) {
  EXPECT_EQ(Tree("10 < a"), "(> a 10)");
  EXPECT_EQ(Tree("10 >= a"), "(<= a 10)");
  EXPECT_EQ(Tree("'x' == a"), "(== a \"x\")");
  EXPECT_EQ(T("20 > i"), Truth::kTrue);
  EXPECT_EQ(T("5 > i"), Truth::kFalse);
}

TEST(ParseCondition, PrecedenceNotThenComparisonThenAndThenOr) {
  EXPECT_EQ(Tree("a == 1 or b == 2 and c == 3"), "(or (== a 1) (and (== b 2) (== c 3)))");
  EXPECT_EQ(Tree("a == 1 and b == 2 or c == 3"), "(or (and (== a 1) (== b 2)) (== c 3))");
  EXPECT_EQ(Tree("not a == 1 and b == 2"), "(and (not (== a 1)) (== b 2))");
  EXPECT_EQ(Tree("not a == 1 or not b == 2 and c == 3"),
            "(or (not (== a 1)) (and (not (== b 2)) (== c 3)))");
  EXPECT_EQ(Tree("not not exists(a)"), "(not (not (exists a)))");
  EXPECT_EQ(Tree("(a == 1 or b == 2) and c == 3"), "(and (or (== a 1) (== b 2)) (== c 3))");
  EXPECT_EQ(Tree("not (a == 1 or b == 2)"), "(not (or (== a 1) (== b 2)))");
  EXPECT_EQ(Tree("a == 1 and b == 2 and c == 3"), "(and (== a 1) (== b 2) (== c 3))");
  EXPECT_EQ(Tree("((a == 1))"), "(== a 1)");
}

TEST(ParseCondition, KeywordsAreWholeWords) {
  EXPECT_EQ(Tree("android == 1 or orange == 2"), "(or (== android 1) (== orange 2))");
  EXPECT_EQ(Tree("notice.x == 1 and exists.y == 2"), "(and (== notice.x 1) (== exists.y 2))");
}

TEST(ParseCondition, FactsAreSortedAndUnique) {
  ParseOutcome p = ParseCondition("z.a == 1 and a.b < z.a or exists(m) and a.b > 2");
  ASSERT_TRUE(p.errors.empty());
  EXPECT_THAT(p.facts, ElementsAre("a.b", "m", "z.a"));
  EXPECT_EQ(ExprFacts(*p.expr), p.facts);
  EXPECT_EQ(DescribeExpr(*p.expr), "(or (and (== z.a 1) (< a.b z.a)) (and (exists m) (> a.b 2)))");
}

TEST(ParseCondition, ErrorsCarryOffsets) {
  struct Case {
    const char* text;
    int offset;
    const char* message;
  } cases[] = {
      {"a =< 1", 2, "unknown operator '=<' (write '<=')"},
      {"a = 1", 2, "unknown operator '=' (write '==')"},
      {"a == 1 && b == 2", 7, "unknown operator '&&' (write 'and')"},
      {"a == \"abc", 5, "unterminated string"},
      {"a == 'abc", 5, "unterminated string"},
      {"(a == 1", 7, "expected ')'"},
      {"(a == 1 or (b == 2)", 19, "expected ')' to close the '(' at offset 0"},
      {"a == 1)", 6, "unmatched ')'"},
      {"a == ", 5, "expected a fact name or a literal after '=='"},
      {"a", 1, "expected a comparison operator"},
      {"a b", 2, "expected a comparison operator"},
      {"", 0, "empty condition"},
      {"   ", 3, "empty condition"},
      {"1 == 2", 0, "needs a fact name on at least one side"},
      {"a < true", 2, "booleans can only be compared with == or !="},
      {"a == 1 and", 10, "expected a comparison, 'not', 'exists(...)' or '('"},
      {"a == 1 or or b == 2", 10, "expected a comparison"},
      {"exists a", 7, "expected '(' after 'exists'"},
      {"exists(1)", 7, "expected a fact name in exists(...)"},
      {"exists(a", 8, "expected ')' to close 'exists('"},
      {"Power.x == 1", 0, "invalid fact name 'Power.x'"},
      {"a..b == 1", 0, "invalid fact name 'a..b'"},
      {"a == 1 AND b == 2", 7, "keywords are lower-case: write 'and'"},
      {"a == 12abc", 5, "invalid number '12abc'"},
      {"a == 99999999999999999999", 5, "integer '99999999999999999999' is out of range"},
      {"a == 1e999", 5, "number '1e999' is out of range"},
      {"a == 1 # x", 7, "unexpected character '#'"},
      {"a == \"x\\n\"", 7, "unknown escape in string"},
      {"a == \x01", 5, "unexpected control character 0x01"},
      {"a == \xe4\xb8\xad", 5, "unexpected non-ASCII character"},
      {"a == - 1", 5, "unexpected character '-'"},
      {"a == 1.", 5, "invalid number '1.'"},
  };
  for (const Case& c : cases) {
    const ExprError e = FirstError(c.text);
    EXPECT_EQ(e.offset, c.offset) << c.text << " -> " << e.message;
    EXPECT_THAT(e.message, HasSubstr(c.message)) << c.text;
  }
}

TEST(ParseCondition, ReportsEveryIndependentError) {
  ParseOutcome p = ParseCondition("a =< 1 and b == and c = 2 or d == 'x");
  ASSERT_EQ(p.expr, nullptr);
  ASSERT_EQ(p.errors.size(), 4u);
  EXPECT_EQ(p.errors[0].offset, 2);   // =<
  EXPECT_EQ(p.errors[1].offset, 16);  // `and` where b's value belongs
  EXPECT_EQ(p.errors[2].offset, 22);  // =
  EXPECT_EQ(p.errors[3].offset, 34);  // unterminated string
  EXPECT_THAT(p.errors[1].message, HasSubstr("expected a fact name or a literal after '=='"));
  EXPECT_THAT(p.errors[3].message, HasSubstr("unterminated string"));
}

TEST(ParseCondition, ErrorCountIsBounded) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "a = 1 or ";
  text += "a == 1";
  ParseOutcome p = ParseCondition(text);
  EXPECT_FALSE(p.errors.empty());
  EXPECT_LE(p.errors.size(), 32u);
}

TEST(ParseCondition, NestingLimit) {
  auto nested = [](int depth) {
    return std::string(static_cast<std::size_t>(depth), '(') + "a == 1" +
           std::string(static_cast<std::size_t>(depth), ')');
  };
  EXPECT_EQ(Tree(nested(kMaxConditionDepth)), "(== a 1)");
  const ExprError e = FirstError(nested(kMaxConditionDepth + 1));
  EXPECT_EQ(e.offset, kMaxConditionDepth);
  EXPECT_THAT(e.message, HasSubstr("nested too deeply"));

  std::string nots;
  for (int i = 0; i <= kMaxConditionDepth; ++i) nots += "not ";
  EXPECT_THAT(FirstError(nots + "a == 1").message, HasSubstr("nested too deeply"));

  // A hostile depth is rejected without exhausting the stack, with one message.
  ParseOutcome deep = ParseCondition(nested(100000));
  ASSERT_EQ(deep.errors.size(), 1u);
  EXPECT_THAT(deep.errors[0].message, HasSubstr("nested too deeply"));
}

TEST(ParseCondition, LongChainsAreFlat) {
  std::string text = "a == 0";
  for (int i = 1; i < 20000; ++i) text += " and a != " + std::to_string(i);
  ParseOutcome p = ParseCondition(text);
  ASSERT_TRUE(p.errors.empty());
  FactSet f;
  f.Add({"a", std::int64_t{0}, "", "t"});
  EXPECT_EQ(EvaluateExpr(*p.expr, f).truth, Truth::kTrue);
}

// --- Evaluation -------------------------------------------------------------------------------

TEST(EvaluateExpr, NumbersCompareAcrossIntegerAndReal) {
  EXPECT_EQ(T("i == 10"), Truth::kTrue);
  EXPECT_EQ(T("i == 10.0"), Truth::kTrue);
  EXPECT_EQ(T("i < 10.5"), Truth::kTrue);
  EXPECT_EQ(T("i > 9.99"), Truth::kTrue);
  EXPECT_EQ(T("i >= 11"), Truth::kFalse);
  EXPECT_EQ(T("i <= 10"), Truth::kTrue);
  EXPECT_EQ(T("i != 10"), Truth::kFalse);
  EXPECT_EQ(T("neg < -2"), Truth::kTrue);
  EXPECT_EQ(T("neg == -3"), Truth::kTrue);
  EXPECT_EQ(T("r == 2.5"), Truth::kTrue);
  EXPECT_EQ(T("r > 2"), Truth::kTrue);
  EXPECT_EQ(T("r < -1"), Truth::kFalse);
  EXPECT_EQ(T("r < i"), Truth::kTrue);
  EXPECT_EQ(T("i > neg"), Truth::kTrue);
  EXPECT_EQ(T("i == i"), Truth::kTrue);
}

TEST(EvaluateExpr, TextAndBool) {
  EXPECT_EQ(T("s == 'Discharging'"), Truth::kTrue);
  EXPECT_EQ(T("s == \"discharging\""), Truth::kFalse);
  EXPECT_EQ(T("s != 'Full'"), Truth::kTrue);
  EXPECT_EQ(T("s > 'C'"), Truth::kTrue);  // lexicographic
  EXPECT_EQ(T("s2 < s"), Truth::kTrue);
  EXPECT_EQ(T("yes == true"), Truth::kTrue);
  EXPECT_EQ(T("no == true"), Truth::kFalse);
  EXPECT_EQ(T("no != true"), Truth::kTrue);
  EXPECT_EQ(T("yes != no"), Truth::kTrue);
}

TEST(EvaluateExpr, TypeMismatchIsUnknownWithReason) {
  EvalResult r = Eval("s > 5");
  EXPECT_EQ(r.truth, Truth::kUnknown);
  EXPECT_EQ(r.why_unknown, "type mismatch: s is text (\"Discharging\"), compared with integer 5");
  r = Eval("i == 'ten'");
  EXPECT_EQ(r.truth, Truth::kUnknown);
  EXPECT_THAT(r.why_unknown, HasSubstr("type mismatch: i is integer (10), compared with text"));
  EXPECT_THAT(Eval("yes == 1").why_unknown, HasSubstr("type mismatch: yes is bool"));
  EXPECT_THAT(Eval("i == true").why_unknown, HasSubstr("compared with bool true"));
  EXPECT_THAT(Eval("s == r").why_unknown, HasSubstr("type mismatch: s is text, r is real"));
  EXPECT_THAT(Eval("yes < no").why_unknown, HasSubstr("only == and != compare"));
  EXPECT_EQ(T("yes < no"), Truth::kUnknown);
  EXPECT_EQ(T("nan > 1"), Truth::kUnknown);
  EXPECT_THAT(Eval("nan > 1").why_unknown, HasSubstr("nan is not a number"));
  EXPECT_EQ(T("nan == r"), Truth::kUnknown);
}

TEST(EvaluateExpr, MissingFactsAreUnknownWithTheirReason) {
  EvalResult r = Eval("gone < 10");
  EXPECT_EQ(r.truth, Truth::kUnknown);
  EXPECT_EQ(r.why_unknown, "gone not measured: battery driver timed out");
  EXPECT_EQ(Eval("quiet == 1").why_unknown, "quiet not measured");
  EXPECT_EQ(Eval("never.probed == 1").why_unknown, "never.probed not measured");
  EXPECT_EQ(Eval("i < gone").why_unknown, "gone not measured: battery driver timed out");
  // The reason names the operand that made the whole condition unknown.
  EXPECT_EQ(Eval("i == 10 and (i == 1 or gone == 2)").why_unknown,
            "gone not measured: battery driver timed out");
  EXPECT_EQ(Eval("(quiet == 1 and i == 0) or gone == 2").why_unknown,
            "gone not measured: battery driver timed out");
}

TEST(EvaluateExpr, ExistsIsNeverUnknown) {
  EXPECT_EQ(T("exists(i)"), Truth::kTrue);
  EXPECT_EQ(T("exists(gone)"), Truth::kFalse);
  EXPECT_EQ(T("exists(never.probed)"), Truth::kFalse);
  EXPECT_EQ(T("not exists(gone)"), Truth::kTrue);
  EXPECT_EQ(T("exists(gone) and gone > 1"), Truth::kFalse);
}

// Kleene tables with operands T (i == 10), F (i == 0) and U (gone == 1).
TEST(EvaluateExpr, ThreeValuedLogic) {
  const std::pair<const char*, Truth> operands[] = {
      {"i == 10", Truth::kTrue}, {"i == 0", Truth::kFalse}, {"gone == 1", Truth::kUnknown}};
  auto kleene_and = [](Truth a, Truth b) {
    if (a == Truth::kFalse || b == Truth::kFalse) return Truth::kFalse;
    if (a == Truth::kUnknown || b == Truth::kUnknown) return Truth::kUnknown;
    return Truth::kTrue;
  };
  auto kleene_or = [](Truth a, Truth b) {
    if (a == Truth::kTrue || b == Truth::kTrue) return Truth::kTrue;
    if (a == Truth::kUnknown || b == Truth::kUnknown) return Truth::kUnknown;
    return Truth::kFalse;
  };
  for (const auto& [a, ta] : operands) {
    for (const auto& [b, tb] : operands) {
      const std::string x(a);
      const std::string y(b);
      EXPECT_EQ(T(x + " and " + y), kleene_and(ta, tb)) << x << " and " << y;
      EXPECT_EQ(T(x + " or " + y), kleene_or(ta, tb)) << x << " or " << y;
    }
  }
  EXPECT_EQ(T("not i == 10"), Truth::kFalse);
  EXPECT_EQ(T("not i == 0"), Truth::kTrue);
  EXPECT_EQ(T("not gone == 1"), Truth::kUnknown);
  // Spelled out as in the catalogue's documentation.
  EXPECT_EQ(T("i == 0 and gone == 1"), Truth::kFalse);
  EXPECT_EQ(T("gone == 1 and i == 0"), Truth::kFalse);
  EXPECT_EQ(T("i == 10 or gone == 1"), Truth::kTrue);
  EXPECT_EQ(T("gone == 1 or i == 10"), Truth::kTrue);
  EXPECT_EQ(T("gone == 1 and i == 10"), Truth::kUnknown);
  EXPECT_EQ(T("gone == 1 or i == 0"), Truth::kUnknown);
}

TEST(EvaluateExpr, KnownResultHasNoReason) {
  EXPECT_EQ(Eval("i == 10 or gone == 1").why_unknown, "");
  EXPECT_EQ(Eval("i == 0 and gone == 1").why_unknown, "");
}

}  // namespace
}  // namespace posdiag::rules
