#include "rules/loader/catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "rules/loader/static_catalog.h"

namespace posdiag::rules {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string TestData(std::string_view name) {
  return std::string(POSDIAG_SOURCE_DIR) + "/rules/loader/testdata/" + std::string(name);
}

std::vector<std::string> Messages(const std::vector<Diagnostic>& diagnostics) {
  std::vector<std::string> out;
  for (const Diagnostic& d : diagnostics) out.push_back(d.ToString());
  return out;
}

// A complete rule whose fields a test can change.
Rule MakeRule(std::string id, std::vector<std::string> suppresses = {}) {
  Rule r;
  r.id = std::move(id);
  r.condition = "a.b == 1";
  r.expr = ParseCondition(r.condition).expr;
  r.code = "E1";
  r.severity = Severity::kError;
  r.component = "test";
  r.title = {"标题", "Title"};
  r.remedy = {{"步骤"}, {"Step"}};
  r.suppresses = std::move(suppresses);
  r.where = {"t.toml", 1, 1};
  return r;
}

const std::string kRuleTail =
    "code = \"E1\"\nseverity = \"error\"\ncomponent = \"power\"\n"
    "title = { zh-CN = \"标题\", en = \"Title\" }\n"
    "remedy = { zh-CN = [\"步骤\"], en = [\"Step\"] }\n";

// --- Codes and small helpers -----------------------------------------------------------------

TEST(Codes, Validity) {
  for (const char* ok : {"E1", "T1", "T2", "P1", "P6", "01", "51", "91", "A0", "N7"}) {
    EXPECT_TRUE(IsValidCode(ok)) << ok;
  }
  for (const char* bad : {"", "E", "E2", "T3", "P7", "P0", "a0", "051", "5", "E1 ", "中"}) {
    EXPECT_FALSE(IsValidCode(bad)) << bad;
  }
}

TEST(Codes, Order) {
  std::vector<std::string> codes = {"A0", "51", "P6", "T2", "01", "P1", "E1", "T1", "91"};
  std::sort(codes.begin(), codes.end(), CodeLess);
  EXPECT_THAT(codes, ElementsAre("E1", "T1", "T2", "P1", "P6", "01", "51", "91", "A0"));
}

TEST(Diagnostic, ToString) {
  EXPECT_EQ((Diagnostic{{"a.toml", 3, 7}, "bad"}).ToString(), "a.toml:3:7: bad");
  EXPECT_EQ((Diagnostic{{"a.toml", 3, 0}, "bad"}).ToString(), "a.toml:3: bad");
  EXPECT_EQ((Diagnostic{{"a.toml", 0, 0}, "bad"}).ToString(), "a.toml: bad");
}

TEST(Severity, Names) {
  Severity s = Severity::kInfo;
  EXPECT_TRUE(ParseSeverity("critical", s));
  EXPECT_EQ(s, Severity::kCritical);
  EXPECT_FALSE(ParseSeverity("fatal", s));
  EXPECT_FALSE(ParseSeverity("Error", s));
  EXPECT_EQ(SeverityName(Severity::kWarning), "warning");
}

// --- Loading ---------------------------------------------------------------------------------

TEST(LoadRuleFile, GoodFile) {
  LoadOutcome out = LoadRuleFile(TestData("good.toml"));
  ASSERT_TRUE(out.ok()) << testing::PrintToString(Messages(out.diagnostics));
  ASSERT_EQ(out.rules.size(), 4u);

  const Rule& adapter = out.rules[0];
  EXPECT_EQ(adapter.id, "power.adapter_off");
  EXPECT_EQ(adapter.code, "E1");
  EXPECT_EQ(adapter.severity, Severity::kWarning);
  EXPECT_EQ(adapter.component, "power");
  EXPECT_EQ(adapter.title.zh_cn, "电源适配器未连接");
  EXPECT_EQ(adapter.title.en, "Power adapter not connected");
  EXPECT_THAT(adapter.remedy.en, ElementsAre("Check the power adapter", "Plug it in"));
  EXPECT_THAT(adapter.remedy.zh_cn, ElementsAre("检查电源适配器", "连接电源"));
  EXPECT_THAT(adapter.suppresses, ElementsAre("power.battery_low"));
  ASSERT_NE(adapter.expr, nullptr);
  EXPECT_THAT(ExprFacts(*adapter.expr),
              ElementsAre("power.adapter.online", "power.battery.status"));
  EXPECT_EQ(adapter.where.file, TestData("good.toml"));
  EXPECT_EQ(adapter.where.line, 3);

  // Sub-tables [rule.title] / [rule.remedy] belong to the rule above them.
  EXPECT_EQ(out.rules[1].title.en, "Battery low");
  EXPECT_THAT(out.rules[1].remedy.zh_cn, ElementsAre("连接电源适配器充电"));
  EXPECT_THAT(out.rules[1].suppresses, IsEmpty());
  // A multi-line condition.
  EXPECT_EQ(DescribeExpr(*out.rules[2].expr),
            "(or (== printer.paper \"end\") (and (exists printer.paper_sensor) "
            "(== printer.paper_sensor 0)))");
  EXPECT_EQ(out.rules[3].code, "51");
  EXPECT_THAT(CheckCatalog(out.rules), IsEmpty());
}

TEST(LoadRuleFile, MissingFile) {
  LoadOutcome out = LoadRuleFile(TestData("no_such_file.toml"));
  EXPECT_THAT(out.rules, IsEmpty());
  ASSERT_EQ(out.diagnostics.size(), 1u);
  EXPECT_EQ(out.diagnostics[0].where.file, TestData("no_such_file.toml"));
  EXPECT_THAT(out.diagnostics[0].message, HasSubstr("No such file or directory"));
}

TEST(LoadRuleFile, DirectoryAndOversizedFile) {
  EXPECT_THAT(LoadRuleFile(TestData("")).diagnostics.at(0).message,
              HasSubstr("not a regular file"));

  const std::filesystem::path big =
      std::filesystem::path(testing::TempDir()) / "posdiag_rules_big.toml";
  {
    std::ofstream out(big, std::ios::binary);
    const std::string line(1023, '#');
    for (int i = 0; i < 1100; ++i) out << line << '\n';
  }
  LoadOutcome out = LoadRuleFile(big.string());
  std::filesystem::remove(big);
  ASSERT_EQ(out.diagnostics.size(), 1u);
  EXPECT_THAT(out.diagnostics[0].message, HasSubstr("larger than 1048576 bytes"));
}

struct ErrorCase {
  std::string name;
  std::string text;
  int line;
  int column;
  std::string message;
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

class LoadErrors : public testing::TestWithParam<ErrorCase> {};

TEST_P(LoadErrors, ReportsLineAndColumn) {
  const ErrorCase& c = GetParam();
  LoadOutcome out = LoadRuleText(c.text, "site.toml");
  ASSERT_FALSE(out.diagnostics.empty()) << c.name;
  const Diagnostic& d = out.diagnostics.front();
  EXPECT_EQ(d.where.file, "site.toml");
  EXPECT_EQ(d.where.line, c.line) << d.ToString();
  EXPECT_EQ(d.where.column, c.column) << d.ToString();
  EXPECT_THAT(d.message, HasSubstr(c.message)) << d.ToString();
  EXPECT_THAT(out.rules, IsEmpty()) << "a rule with an error must not load";
}

INSTANTIATE_TEST_SUITE_P(
    Rules, LoadErrors,
    testing::Values(
        ErrorCase{"toml_syntax", "[[rule]]\nid = \"a.b\"\ncondition = \"x == 1\n", 3, 20,
                  "Error while parsing string"},
        ErrorCase{
            "unknown_key",
            "[[rule]]\nid = \"a.b\"\ncondition = 'x == 1'\n" + kRuleTail + "severty = \"error\"\n",
            9, 1, "unknown key 'severty' in rule (did you mean 'severity'?)"},
        ErrorCase{"wrong_type", "[[rule]]\nid = \"a.b\"\ncondition = 42\n" + kRuleTail, 3, 13,
                  "condition must be a string, not an integer"},
        ErrorCase{"bad_id", "[[rule]]\nid = \"Power.Low\"\ncondition = 'x == 1'\n" + kRuleTail, 2,
                  6, "invalid rule id 'Power.Low'"},
        ErrorCase{"bad_severity",
                  "[[rule]]\nid = \"a.b\"\ncondition = 'x == 1'\ncode = \"E1\"\n"
                  "severity = \"fatal\"\ncomponent = \"p\"\ntitle = { zh-CN = \"t\", en = \"t\" }\n"
                  "remedy = { zh-CN = [\"s\"], en = [\"s\"] }\n",
                  5, 12, "invalid severity 'fatal'"},
        ErrorCase{"bad_code",
                  "[[rule]]\nid = \"a.b\"\ncondition = 'x == 1'\ncode = \"E9\"\n"
                  "severity = \"error\"\ncomponent = \"p\"\ntitle = { zh-CN = \"t\", en = \"t\" }\n"
                  "remedy = { zh-CN = [\"s\"], en = [\"s\"] }\n",
                  4, 8, "invalid code 'E9'"},
        ErrorCase{"missing_key", "\n\n[[rule]]\nid = \"a.b\"\n" + kRuleTail, 3, 1,
                  "rule 'a.b' is missing 'condition'"},
        ErrorCase{"remedy_not_list",
                  "[[rule]]\nid = \"a.b\"\ncondition = 'x == 1'\ncode = \"E1\"\n"
                  "severity = \"error\"\ncomponent = \"p\"\ntitle = { zh-CN = \"t\", en = \"t\" }\n"
                  "remedy = { zh-CN = \"s\", en = [\"s\"] }\n",
                  8, 20, "remedy.zh-CN must be an array of strings, not a string"},
        ErrorCase{"rule_not_array", "[rule]\nid = \"a.b\"\n", 1, 1,
                  "'rule' must be an array of tables: write [[rule]], not [rule]"},
        ErrorCase{"top_level_key", "rules = 1\n", 1, 1, "unknown top-level key 'rules'"},
        ErrorCase{"suppresses_entry",
                  "[[rule]]\nid = \"a.b\"\ncondition = 'x == 1'\n" + kRuleTail +
                      "suppresses = [\"ok.id\", 7]\n",
                  9, 24, "each entry of suppresses must be a string, not an integer"},
        // Condition errors point into the condition: quote column + 1 + offset.
        ErrorCase{"condition_literal", "[[rule]]\nid = \"a.b\"\ncondition = 'x =< 1'\n" + kRuleTail,
                  3, 16, "condition: unknown operator '=<' (write '<=')"},
        ErrorCase{"condition_basic_escapes",
                  "[[rule]]\nid = \"a.b\"\ncondition = \"s == \\\"x\\\" and t =< 2\"\n" + kRuleTail,
                  3, 31, "condition: unknown operator '=<'"},
        ErrorCase{"condition_non_ascii",
                  "[[rule]]\nid = \"a.b\"\ncondition = 'x == \"中文\" and y =< 1'\n" + kRuleTail, 3,
                  30, "condition: unknown operator '=<'"},
        ErrorCase{"condition_multiline",
                  "[[rule]]\nid = \"a.b\"\ncondition = '''\npower.x == 1\n  and power.y =< 2'''\n" +
                      kRuleTail,
                  5, 15, "condition: unknown operator '=<'"},
        ErrorCase{"condition_unterminated",
                  "[[rule]]\nid = \"a.b\"\ncondition = 'x == \"abc'\n" + kRuleTail, 3, 19,
                  "condition: unterminated string"},
        ErrorCase{"condition_paren", "[[rule]]\nid = \"a.b\"\ncondition = '(x == 1'\n" + kRuleTail,
                  3, 21, "condition: expected ')'"}),
    [](const testing::TestParamInfo<ErrorCase>& param_info) { return param_info.param.name; });

TEST(LoadRuleText, TitleLanguageKeys) {
  const std::string text =
      "[[rule]]\nid = \"a.b\"\ncondition = 'x == 1'\ncode = \"E1\"\n"
      "severity = \"error\"\ncomponent = \"p\"\n"
      "title = { zh = \"t\", en = \"t\" }\n"
      "remedy = { zh-CN = [\"s\"], en = [\"s\"] }\n";
  LoadOutcome out = LoadRuleText(text, "site.toml");
  ASSERT_EQ(out.diagnostics.size(), 1u);
  EXPECT_EQ(out.diagnostics[0].ToString(),
            "site.toml:7:11: unknown key 'zh' in title (languages are zh-CN and en) (did you mean "
            "'en'?)");
}

TEST(LoadRuleText, ReportsEveryErrorAndKeepsGoodRules) {
  const std::string text = "[[rule]]\nid = \"good.one\"\ncondition = 'x == 1'\n" +
                           kRuleTail +  // lines 1-8
                           "\n[[rule]]\nid = \"bad.one\"\ncondition = 'x === 1 and y = 2'\n" +
                           kRuleTail + "colour = \"red\"\n" +  // lines 10-18
                           "\n[[rule]]\nid = \"good.two\"\ncondition = 'exists(y)'\n" + kRuleTail;
  LoadOutcome out = LoadRuleText(text, "f.toml");
  ASSERT_EQ(out.rules.size(), 2u);
  EXPECT_EQ(out.rules[0].id, "good.one");
  EXPECT_EQ(out.rules[1].id, "good.two");
  EXPECT_THAT(Messages(out.diagnostics),
              ElementsAre("f.toml:12:16: condition: unknown operator '===' (write '==')",
                          "f.toml:12:28: condition: unknown operator '=' (write '==')",
                          "f.toml:18:1: unknown key 'colour' in rule"));
}

// A rule file with a character toml++ 3.3.0 cannot take where it stands (here Chinese punctuation
// after a title, U+3002) is a diagnostic with its place, not undefined behaviour in the parser.
TEST(LoadRuleText, ACharacterTheTomlParserCannotTakeIsADiagnostic) {
  LoadOutcome out = LoadRuleText("[[rule]]\nid = \"a.b\" \xe3\x80\x82\n", "site.toml");
  EXPECT_TRUE(out.rules.empty());
  EXPECT_THAT(Messages(out.diagnostics),
              ElementsAre("site.toml:2:12: a non-ASCII character outside a string or a comment"));
}

// Text the parser could not take as it is (U+3002, U+00E9) loads unchanged: the parser is given
// their escapes, which say the same.
TEST(LoadRuleText, CharactersTheTomlParserCannotTakeLoadUnchangedInStrings) {
  LoadOutcome out = LoadRuleText(
      "[[rule]]\nid = \"a.b\"\ncondition = 'x == 1'\n"
      "code = \"E1\"\nseverity = \"error\"\ncomponent = \"power\"  # \xc3\xa9\xe3\x80\x82\n"
      "title = { zh-CN = \"\xe7\x94\xb5\xe6\xb1\xa0\xe3\x80\x82\", en = \"Caf\xc3\xa9\" }\n"
      "remedy = { zh-CN = [\"\xe6\xad\xa5\xe3\x80\x81\xe9\xaa\xa4\"], en = [\"Step\"] }\n",
      "site.toml");
  ASSERT_TRUE(out.ok()) << Messages(out.diagnostics).front();
  ASSERT_EQ(out.rules.size(), 1u);
  EXPECT_EQ(out.rules[0].title.zh_cn, "\xe7\x94\xb5\xe6\xb1\xa0\xe3\x80\x82");
  EXPECT_EQ(out.rules[0].title.en, "Caf\xc3\xa9");
  EXPECT_EQ(out.rules[0].remedy.zh_cn.front(), "\xe6\xad\xa5\xe3\x80\x81\xe9\xaa\xa4");
}

TEST(LoadRuleText, EmptyFileHasNoRules) {
  LoadOutcome out = LoadRuleText("# nothing here\n", "empty.toml");
  EXPECT_TRUE(out.ok());
  EXPECT_THAT(out.rules, IsEmpty());
}

// --- Whole-catalogue checks ------------------------------------------------------------------

TEST(CheckCatalog, CleanCatalogue) {
  EXPECT_THAT(CheckCatalog({MakeRule("a.one", {"a.two"}), MakeRule("a.two")}), IsEmpty());
}

TEST(CheckCatalog, DuplicateId) {
  Rule second = MakeRule("a.one");
  second.where = {"t.toml", 20, 1};
  EXPECT_THAT(Messages(CheckCatalog({MakeRule("a.one"), second})),
              ElementsAre("t.toml:20:1: duplicate rule id 'a.one' (first defined at t.toml:1:1)"));
}

TEST(CheckCatalog, UnknownAndSelfSuppression) {
  EXPECT_THAT(Messages(CheckCatalog({MakeRule("a.one", {"a.nope", "a.one"})})),
              ElementsAre("t.toml:1:1: rule 'a.one' suppresses unknown rule 'a.nope'",
                          "t.toml:1:1: rule 'a.one' suppresses itself"));
}

TEST(CheckCatalog, SuppressionCycle) {
  std::vector<Diagnostic> d =
      CheckCatalog({MakeRule("a.one", {"a.two"}), MakeRule("a.two", {"a.three"}),
                    MakeRule("a.three", {"a.one"}), MakeRule("a.four", {"a.one"})});
  EXPECT_THAT(Messages(d),
              ElementsAre("t.toml:1:1: suppression cycle: a.one -> a.two -> a.three -> a.one"));
  // Two rules that suppress the same symptom are not a cycle.
  EXPECT_THAT(CheckCatalog({MakeRule("a.one", {"a.three"}), MakeRule("a.two", {"a.three"}),
                            MakeRule("a.three")}),
              IsEmpty());
}

TEST(CheckCatalog, LongChainDoesNotRecurse) {
  std::vector<Rule> rules;
  for (int i = 0; i < 50000; ++i) {
    rules.push_back(MakeRule("r.n" + std::to_string(i), {"r.n" + std::to_string(i + 1)}));
  }
  rules.back().suppresses = {"r.n0"};
  std::vector<Diagnostic> d = CheckCatalog(rules);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_THAT(d[0].message, HasSubstr("suppression cycle: r.n0 -> r.n1 -> "));
}

TEST(CheckCatalog, Translations) {
  Rule r = MakeRule("a.one");
  r.title.en.clear();
  r.remedy.zh_cn.clear();
  r.remedy.en = {"Step", ""};
  EXPECT_THAT(Messages(CheckCatalog({r})),
              ElementsAre("t.toml:1:1: rule 'a.one' has no zh-CN remedy steps",
                          "t.toml:1:1: rule 'a.one' has no en title",
                          "t.toml:1:1: rule 'a.one' has an empty en remedy step 2"));
}

TEST(CheckCatalog, StepCountsMatch) {
  Rule r = MakeRule("a.one");
  r.remedy.en = {"One", "Two"};
  EXPECT_THAT(Messages(CheckCatalog({r})),
              ElementsAre("t.toml:1:1: rule 'a.one' has 1 zh-CN remedy steps but 2 en steps"));
}

TEST(CheckCatalog, CodeSeverityAndCondition) {
  Rule no_code = MakeRule("a.one");
  no_code.code.clear();
  Rule bad_severity = MakeRule("a.two");
  bad_severity.severity = static_cast<Severity>(7);
  Rule bad_condition = MakeRule("a.three");
  bad_condition.expr = nullptr;
  bad_condition.condition = "x =< 1";
  EXPECT_THAT(Messages(CheckCatalog({no_code, bad_severity, bad_condition})),
              ElementsAre("t.toml:1:1: rule 'a.one' has no code",
                          "t.toml:1:1: rule 'a.two' has an invalid severity",
                          "t.toml:1:1: rule 'a.three' condition at offset 2: unknown operator "
                          "'=<' (write '<=')"));
}

// --- Merging -----------------------------------------------------------------------------------

std::vector<Rule> Good() {
  LoadOutcome out = LoadRuleFile(TestData("good.toml"));
  EXPECT_TRUE(out.ok());
  return out.rules;
}

std::vector<std::string> Ids(const std::vector<Rule>& rules) {
  std::vector<std::string> ids;
  for (const Rule& r : rules) ids.push_back(r.id);
  return ids;
}

// The built-in catalogue of the merge tests: good.toml, with the codes it maps to.
LoadOutcome Builtin() {
  LoadOutcome out = LoadRuleFile(TestData("good.toml"));
  LoadOutcome codes = LoadRuleFile(TestData("codes.toml"));
  EXPECT_TRUE(out.ok() && codes.ok());
  out.codes = std::move(codes.codes);
  return out;
}

// The facts the test files name, as probes would declare them.
FactSchema Facts() {
  return FactSchema(MakeFacts({
      {"power.adapter.online", FactType::kBool, "", ""},
      {"power.battery.status", FactType::kText, "", ""},
      {"power.battery.capacity_pct", FactType::kInt, "%", ""},
      {"printer.paper", FactType::kText, "", ""},
      {"printer.paper_sensor", FactType::kInt, "", ""},
      {"journal.last_response", FactType::kText, "", ""},
      {"site.cash_drawer.open", FactType::kBool, "", ""},
      {"site.x", FactType::kInt, "", ""},
  }));
}

// Site files the test writes; removed at the end of the test.
class SiteFiles : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    const std::filesystem::path path = std::filesystem::path(testing::TempDir()) /
                                       ("posdiag_rules_" + std::to_string(::getpid()) + "_" + name);
    std::ofstream(path, std::ios::binary) << text;
    written_.push_back(path);
    return path.string();
  }
  void TearDown() override {
    for (const auto& p : written_) std::filesystem::remove(p);
  }
  std::vector<std::filesystem::path> written_;
};

// A complete rule in TOML.
std::string RuleText(std::string_view id, std::string_view condition, std::string_view code = "E1",
                     std::string_view suppresses = "") {
  std::string out = "[[rule]]\nid = \"" + std::string(id) + "\"\ncondition = '" +
                    std::string(condition) + "'\ncode = \"" + std::string(code) +
                    "\"\nseverity = \"error\"\ncomponent = \"site\"\n";
  if (!suppresses.empty()) out += "suppresses = [\"" + std::string(suppresses) + "\"]\n";
  out +=
      "title = { zh-CN = \"标题\", en = \"Title\" }\n"
      "remedy = { zh-CN = [\"步骤\"], en = [\"Step\"] }\n";
  return out;
}

// An undeclared fact is placed at the condition's text, not at the [[rule]] header, whether the
// condition is on one line or starts on the line after a multi-line string's quotes.
TEST_F(SiteFiles, AnUndeclaredFactIsPlacedAtItsCondition) {
  const std::string file =
      Write("facts.toml",
            RuleText("site.one", "printr.paper == \"out\"") +
                "[[rule]]\nid = \"site.two\"\ncondition = '''\nsite.y > 1'''\ncode = \"E1\"\n"
                "severity = \"error\"\ncomponent = \"site\"\n"
                "title = { zh-CN = \"标题\", en = \"Title\" }\n"
                "remedy = { zh-CN = [\"步骤\"], en = [\"Step\"] }\n");
  const LoadOutcome loaded = LoadRuleFile(file);
  ASSERT_TRUE(loaded.ok()) << testing::PrintToString(Messages(loaded.diagnostics));
  EXPECT_THAT(Messages(CheckFactNames(loaded.rules, Facts())),
              ElementsAre(file + ":3:14: rule 'site.one' names fact 'printr.paper', which no probe "
                                 "declares (did you mean 'printer.paper'?)",
                          file + ":12:1: rule 'site.two' names fact 'site.y', which no probe "
                                 "declares (did you mean 'site.x'?)"));
}

TEST(MergeCatalog, SiteRuleReplacesBuiltinInPlace) {
  const SiteMerge out = MergeCatalog(Builtin(), {TestData("site_override.toml")}, Facts());
  EXPECT_TRUE(out.catalog.ok()) << testing::PrintToString(Messages(out.catalog.diagnostics));
  EXPECT_THAT(out.rejected, IsEmpty());
  EXPECT_EQ(out.site_rules, 2u);
  const std::vector<Rule>& rules = out.catalog.rules;
  EXPECT_THAT(Ids(rules), ElementsAre("power.adapter_off", "power.battery_low", "printer.paper_end",
                                      "host.insufficient_funds", "site.cash_drawer_open"));
  EXPECT_EQ(rules[1].severity, Severity::kCritical);
  EXPECT_EQ(rules[1].title.en, "Battery low (site threshold)");
  EXPECT_EQ(rules[1].where.file, TestData("site_override.toml"));
  EXPECT_EQ(out.catalog.codes.size(), 3u);
}

TEST(MergeCatalog, BrokenFilesContributeNothing) {
  const SiteMerge out = MergeCatalog(
      Builtin(),
      {TestData("site_syntax_error.toml"), TestData("missing.toml"), TestData("site_cycle.toml"),
       TestData("site_missing_translation.toml"), TestData("site_override.toml")},
      Facts());
  // The good site file after the broken ones still applies.
  EXPECT_THAT(Ids(out.catalog.rules),
              ElementsAre("power.adapter_off", "power.battery_low", "printer.paper_end",
                          "host.insufficient_funds", "site.cash_drawer_open"));
  EXPECT_EQ(out.catalog.rules[1].severity, Severity::kCritical);
  EXPECT_THAT(out.rejected,
              ElementsAre(TestData("site_syntax_error.toml"), TestData("missing.toml"),
                          TestData("site_cycle.toml"), TestData("site_missing_translation.toml")));
  const std::vector<Diagnostic>& d = out.catalog.diagnostics;
  ASSERT_EQ(d.size(), 4u) << testing::PrintToString(Messages(d));
  EXPECT_EQ(d[0].where.file, TestData("site_syntax_error.toml"));
  EXPECT_EQ(d[0].where.line, 3);
  EXPECT_THAT(d[1].message, HasSubstr("No such file"));
  // The cycle closes through a built-in rule: the file that closes it is the one left out.
  EXPECT_THAT(d[2].message, HasSubstr("suppression cycle: power.adapter_off -> power.battery_low "
                                      "-> power.adapter_off"));
  EXPECT_EQ(d[3].ToString(), TestData("site_missing_translation.toml") +
                                 ":2:1: rule 'site.untranslated' has no en remedy steps");
}

TEST_F(SiteFiles, DuplicateIdsInOneSiteFile) {
  const std::string file =
      Write("dup.toml", RuleText("site.dup", "site.x == 1") + RuleText("site.dup", "site.x == 2"));
  const SiteMerge out = MergeCatalog(Builtin(), {file}, Facts());
  EXPECT_EQ(out.catalog.rules.size(), 4u);
  EXPECT_THAT(out.rejected, ElementsAre(file));
  ASSERT_EQ(out.catalog.diagnostics.size(), 1u);
  EXPECT_EQ(out.catalog.diagnostics[0].ToString(),
            file + ":9:1: duplicate rule id 'site.dup' (first defined at " + file + ":1:1)");
}

// The same id in two site files is a duplicate: the later file is left out whole, with every rule
// in it, and the earlier file's rule applies.
TEST_F(SiteFiles, DuplicateIdsAcrossSiteFiles) {
  const std::string first = Write("first.toml", RuleText("site.dup", "site.x == 1"));
  const std::string second = Write(
      "second.toml", RuleText("site.other", "site.x == 3") + RuleText("site.dup", "site.x == 2"));
  const SiteMerge out = MergeCatalog(Builtin(), {first, second}, Facts());
  EXPECT_THAT(out.rejected, ElementsAre(second));
  EXPECT_THAT(Messages(out.catalog.diagnostics),
              ElementsAre(second + ":9:1: duplicate rule id 'site.dup' (first defined at " + first +
                          ":1:1)"));
  EXPECT_THAT(Ids(out.catalog.rules),
              ElementsAre("power.adapter_off", "power.battery_low", "printer.paper_end",
                          "host.insufficient_funds", "site.dup"));
  EXPECT_EQ(out.catalog.rules.back().condition, "site.x == 1");
  EXPECT_EQ(out.site_rules, 1u);
}

// Replacing a built-in rule is allowed once; two site files replacing it is a duplicate.
TEST_F(SiteFiles, TwoSiteFilesReplacingOneBuiltinRule) {
  const std::string first =
      Write("first.toml", RuleText("power.battery_low", "power.battery.capacity_pct < 20"));
  const std::string second =
      Write("second.toml", RuleText("power.battery_low", "power.battery.capacity_pct < 30"));
  const SiteMerge out = MergeCatalog(Builtin(), {first, second}, Facts());
  EXPECT_THAT(out.rejected, ElementsAre(second));
  EXPECT_THAT(Messages(out.catalog.diagnostics),
              ElementsAre(HasSubstr("duplicate rule id 'power.battery_low'")));
  EXPECT_EQ(out.catalog.rules[1].condition, "power.battery.capacity_pct < 20");
}

// A code a site rule maps to must be documented by a [[code]] table: of the built-in catalogue,
// of the same file or of a site file before it.
TEST_F(SiteFiles, UndocumentedCodeLeavesTheFileOut) {
  const std::string undocumented = Write("n7.toml", RuleText("site.n7", "site.x == 1", "N7"));
  const std::string documented = Write(
      "n8.toml", RuleText("site.n8", "site.x == 1", "N8") +
                     "[[code]]\ncode = \"N8\"\nmeaning = { zh-CN = \"站点\", en = \"Site\" }\n");
  const std::string uses_n8 = Write("uses_n8.toml", RuleText("site.n8_too", "site.x == 2", "N8"));
  const SiteMerge out = MergeCatalog(Builtin(), {undocumented, documented, uses_n8}, Facts());
  EXPECT_THAT(out.rejected, ElementsAre(undocumented));
  EXPECT_THAT(
      Messages(out.catalog.diagnostics),
      ElementsAre(undocumented + ":1:1: rule 'site.n7' maps to code 'N7', which no [[code]] table "
                                 "documents"));
  EXPECT_THAT(Ids(out.catalog.rules), ::testing::Contains("site.n8_too"));
  EXPECT_THAT(Ids(out.catalog.rules), ::testing::Not(::testing::Contains("site.n7")));
  EXPECT_EQ(out.catalog.codes.size(), 4u);
}

TEST_F(SiteFiles, SiteCodeReplacesABuiltinOneOnce) {
  const std::string code =
      "[[code]]\ncode = \"E1\"\nmeaning = { zh-CN = \"站点\", en = \"Site E1\" }\n";
  const std::string first = Write("first.toml", code);
  const std::string second = Write("second.toml", code);
  const SiteMerge out = MergeCatalog(Builtin(), {first, second}, Facts());
  EXPECT_THAT(out.rejected, ElementsAre(second));
  EXPECT_THAT(
      Messages(out.catalog.diagnostics),
      ElementsAre(second + ":1:1: code 'E1' is documented twice (first at " + first + ":1:1)"));
  ASSERT_EQ(out.catalog.codes.size(), 3u);
  EXPECT_EQ(out.catalog.codes[0].meaning.en, "Site E1");
}

TEST_F(SiteFiles, UndeclaredFactLeavesTheFileOut) {
  const std::string file =
      Write("fact.toml", RuleText("site.typo", "site.cash_drawer.opn == true"));
  const SiteMerge out = MergeCatalog(Builtin(), {file}, Facts());
  EXPECT_THAT(out.rejected, ElementsAre(file));
  EXPECT_THAT(
      Messages(out.catalog.diagnostics),
      ElementsAre(file + ":3:14: rule 'site.typo' names fact 'site.cash_drawer.opn', which no "
                         "probe declares (did you mean 'site.cash_drawer.open'?)"));
  EXPECT_EQ(out.catalog.rules.size(), 4u);
}

// Files are checked in order, each against what was accepted before it: a file that suppresses a
// rule of a file left out (or of a later file) is left out too.
TEST_F(SiteFiles, AFileNeedingALeftOutFileIsLeftOut) {
  const std::string broken =
      Write("a.toml", RuleText("site.a", "site.nope == 1") + RuleText("site.a2", "site.x == 1"));
  const std::string needs = Write("b.toml", RuleText("site.b", "site.x == 2", "E1", "site.a2"));
  const std::string later = Write("c.toml", RuleText("site.c", "site.x == 3", "E1", "site.d"));
  const std::string defines = Write("d.toml", RuleText("site.d", "site.x == 4"));
  const SiteMerge out = MergeCatalog(Builtin(), {broken, needs, later, defines}, Facts());
  EXPECT_THAT(out.rejected, ElementsAre(broken, needs, later));
  EXPECT_THAT(Messages(out.catalog.diagnostics),
              ElementsAre(HasSubstr("names fact 'site.nope'"),
                          needs + ":1:1: rule 'site.b' suppresses unknown rule 'site.a2'",
                          later + ":1:1: rule 'site.c' suppresses unknown rule 'site.d'"));
  EXPECT_THAT(Ids(out.catalog.rules),
              ElementsAre("power.adapter_off", "power.battery_low", "printer.paper_end",
                          "host.insufficient_funds", "site.d"));
}

TEST(MergeCatalog, NoFiles) {
  const SiteMerge out = MergeCatalog(Builtin(), {}, Facts());
  EXPECT_TRUE(out.catalog.ok());
  EXPECT_EQ(out.catalog.rules.size(), 4u);
  EXPECT_EQ(out.catalog.codes.size(), 3u);
  EXPECT_EQ(out.site_rules, 0u);
}

// The built-in catalogue checks against itself: each of its files, given as a site file,
// replaces its own rules and codes without a word.
TEST(MergeCatalog, BuiltinFilesPassAsSiteFiles) {
  std::vector<std::string> files;
  const internal::StaticCatalogTables& tables = internal::StaticCatalog();
  for (const internal::TextRef name : tables.List(tables.files)) {
    files.push_back(std::string(POSDIAG_SOURCE_DIR) + "/" + std::string(tables.Text(name)));
  }
  FactSchema every;
  for (const Rule& r : BuiltinCatalog().rules) {
    for (const std::string& fact : ExprFacts(*r.expr)) every.Add({fact, FactType::kText, "", ""});
  }
  const SiteMerge out = MergeCatalog(BuiltinCatalog(), files, every);
  EXPECT_THAT(Messages(out.catalog.diagnostics), IsEmpty());
  EXPECT_EQ(out.catalog.rules.size(), BuiltinCatalog().rules.size());
  EXPECT_EQ(out.site_rules, BuiltinCatalog().rules.size());
}

// --- The built-in catalogue -------------------------------------------------------------------

// The tables hold every file of rules/catalog (static_catalog_test checks their contents).
TEST(BuiltinCatalog, TablesHoldEveryCatalogueFile) {
  const std::filesystem::path dir = std::filesystem::path(POSDIAG_SOURCE_DIR) / "rules/catalog";
  std::vector<std::string> on_disk;
  if (std::filesystem::exists(dir)) {
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() == ".toml") {
        on_disk.push_back("rules/catalog/" + entry.path().filename().string());
      }
    }
  }
  std::sort(on_disk.begin(), on_disk.end());
  const internal::StaticCatalogTables& tables = internal::StaticCatalog();
  std::vector<std::string> compiled;
  for (const internal::TextRef name : tables.List(tables.files)) {
    compiled.emplace_back(tables.Text(name));
  }
  EXPECT_EQ(compiled, on_disk) << "stale: rebuild";
}

TEST(BuiltinCatalog, LoadsCleanlyOnce) {
  const LoadOutcome& a = BuiltinCatalog();
  const LoadOutcome& b = BuiltinCatalog();
  EXPECT_EQ(&a, &b);
  EXPECT_TRUE(a.ok()) << testing::PrintToString(Messages(a.diagnostics));
  for (const Rule& r : a.rules) {
    EXPECT_NE(r.expr, nullptr) << r.id;
    EXPECT_TRUE(r.where.file.starts_with("rules/catalog/")) << r.where.file;
  }
}

// The catalogue itself: every code a rule maps to is documented in both languages, and every
// rule carries both languages (CheckCatalog), so the built-in catalogue loads without a word.
TEST(BuiltinCatalog, EveryCodeIsDocumented) {
  const LoadOutcome& catalog = BuiltinCatalog();
  EXPECT_THAT(Messages(CheckCodes(catalog.rules, catalog.codes)), ::testing::IsEmpty());
  std::set<std::string> used;
  for (const Rule& r : catalog.rules) used.insert(r.code);
  for (std::string_view code : {"E1", "T1", "T2", "P1", "P2", "P3", "P4", "P5", "P6"}) {
    EXPECT_TRUE(std::any_of(catalog.codes.begin(), catalog.codes.end(),
                            [&](const CodeInfo& c) { return c.code == code; }))
        << code << " (a DESIGN.md code) has no [[code]] table";
  }
  EXPECT_FALSE(used.empty());
}

TEST(CheckCodes, UndocumentedAndDuplicateCodes) {
  const LoadOutcome loaded = LoadRuleText(R"toml(
[[code]]
code = "E1"
meaning = { zh-CN = "终端状态故障", en = "Terminal state fault" }

[[code]]
code = "E1"
meaning = { zh-CN = "", en = "again" }

[[code]]
code = "T1"
meanin = { en = "typo" }
)toml",
                                          "codes.toml");
  EXPECT_THAT(Messages(loaded.diagnostics),
              ::testing::ElementsAre(
                  ::testing::HasSubstr("codes.toml:10:1: code entry is missing 'meaning'"),
                  ::testing::HasSubstr(
                      "codes.toml:12:1: unknown key 'meanin' in code (did you mean 'meaning'?)")));
  Rule t2 = MakeRule("reader.absent");
  t2.code = "T2";
  const auto problems = Messages(CheckCodes({t2}, loaded.codes));
  EXPECT_THAT(problems, ::testing::Contains(::testing::HasSubstr("documented twice")));
  EXPECT_THAT(problems, ::testing::Contains(::testing::HasSubstr("has no zh-CN meaning")));
  EXPECT_THAT(problems, ::testing::Contains(::testing::HasSubstr(
                            "maps to code 'T2', which no [[code]] table documents")));
}

// docs/codes.md is RenderCatalogMarkdown of the built-in catalogue, committed; a rule change
// without regenerating it fails here.
TEST(BuiltinCatalog, CodesDocumentIsCurrent) {
  const std::filesystem::path doc = std::filesystem::path(POSDIAG_SOURCE_DIR) / "docs/codes.md";
  std::ifstream in(doc, std::ios::binary);
  ASSERT_TRUE(in) << "docs/codes.md is missing: posdiag codes --format markdown > docs/codes.md";
  const std::string committed((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
  EXPECT_EQ(committed, RenderCatalogMarkdown(BuiltinCatalog().rules, BuiltinCatalog().codes))
      << "regenerate it: posdiag codes --format markdown > docs/codes.md";
}

// --- Rendering ---------------------------------------------------------------------------------

TEST(RenderCatalog, Text) {
  const std::string text = RenderCatalogText(Good(), Lang::kEn);
  EXPECT_EQ(text,
            "E1  warning  power.adapter_off\n"
            "    Power adapter not connected\n"
            "    1. Check the power adapter\n"
            "    2. Plug it in\n"
            "\n"
            "E1  error  power.battery_low\n"
            "    Battery low\n"
            "    1. Plug in the power adapter to charge\n"
            "\n"
            "P1  error  printer.paper_end\n"
            "    Printer out of paper\n"
            "    1. Load a new paper roll\n"
            "\n"
            "51  info  host.insufficient_funds\n"
            "    Insufficient funds\n"
            "    1. Ask the cardholder for another card\n");
  EXPECT_THAT(RenderCatalogText(Good(), Lang::kZhCn), HasSubstr("    电池电量低\n"));
}

TEST(RenderCatalog, Json) {
  const std::string text = RenderCatalogJson(Good());
  const nlohmann::json j = nlohmann::json::parse(text);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 4u);
  EXPECT_EQ(j[0]["id"], "power.adapter_off");
  EXPECT_EQ(j[0]["code"], "E1");
  EXPECT_EQ(j[0]["severity"], "warning");
  EXPECT_EQ(j[0]["component"], "power");
  EXPECT_EQ(j[0]["title"]["zh-CN"], "电源适配器未连接");
  EXPECT_EQ(j[0]["remedy"]["en"][1], "Plug it in");
  EXPECT_EQ(j[0]["suppresses"][0], "power.battery_low");
  EXPECT_EQ(j[3]["id"], "host.insufficient_funds");
  EXPECT_EQ(j[3]["condition"], "journal.last_response == \"51\"");
  // Fixed key order, pretty printed, UTF-8 as is.
  EXPECT_THAT(text, HasSubstr("[\n  {\n    \"id\": \"power.adapter_off\",\n    \"code\": \"E1\",\n"
                              "    \"severity\": \"warning\",\n    \"component\": \"power\",\n"
                              "    \"condition\": "));
  EXPECT_THAT(text,
              HasSubstr("\"title\": {\n      \"zh-CN\": \"电源适配器未连接\",\n      \"en\""));
  EXPECT_EQ(RenderCatalogJson({}), "[]\n");
}

TEST(RenderCatalog, JsonSurvivesInvalidUtf8) {
  Rule r = MakeRule("a.one");
  r.title.en = "bad \xff byte";
  EXPECT_THAT(RenderCatalogJson({r}), HasSubstr("bad \xef\xbf\xbd byte"));
}

TEST(RenderCatalog, Markdown) {
  std::vector<Rule> rules = Good();
  Rule a0 = MakeRule("host.mac_error");
  a0.code = "A0";
  a0.condition = "journal.last_response == 'A0' or x.y == `tick`";
  rules.insert(rules.begin(), a0);
  std::vector<CodeInfo> codes{{"E1", {"终端状态故障", "Terminal state fault"}, {}},
                              {"P1", {"打印机缺纸", "Printer: paper end"}, {}}};
  const std::string md = RenderCatalogMarkdown(rules, codes);
  EXPECT_TRUE(md.starts_with("# Merchant codes and rules\n\n"));
  EXPECT_THAT(md, HasSubstr("generated from rules/catalog by `posdiag codes --format markdown`; "
                            "do not edit it by hand."));
  const std::size_t e1 = md.find("\n## E1 — Terminal state fault · 终端状态故障\n");
  const std::size_t p1 = md.find("\n## P1 — Printer: paper end · 打印机缺纸\n");
  const std::size_t c51 = md.find("\n## 51 — (not documented)\n");
  const std::size_t ca0 = md.find("\n## A0 — (not documented)\n");
  ASSERT_NE(e1, std::string::npos);
  ASSERT_NE(p1, std::string::npos);
  ASSERT_NE(c51, std::string::npos);
  ASSERT_NE(ca0, std::string::npos);
  EXPECT_LT(e1, p1);
  EXPECT_LT(p1, c51);
  EXPECT_LT(c51, ca0);
  EXPECT_THAT(md,
              HasSubstr("| rule | severity | component | title (en) | title (zh-CN) |\n"
                        "|---|---|---|---|---|\n"
                        "| `power.adapter_off` | warning | power | Power adapter not connected "
                        "| 电源适配器未连接 |\n"
                        "| `power.battery_low` | error | power | Battery low | 电池电量低 |\n"));
  EXPECT_THAT(md, HasSubstr("### `power.adapter_off`\n\n"
                            "Condition: `power.adapter.online == false and power.battery.status "
                            "== \"Discharging\"`\n\n"
                            "Suppresses: `power.battery_low`\n\n"
                            "Remedy (en):\n\n1. Check the power adapter\n2. Plug it in\n\n"
                            "Remedy (zh-CN):\n\n1. 检查电源适配器\n2. 连接电源\n"));
  // A condition with a backtick still makes one code span; multi-line conditions are one line.
  EXPECT_THAT(md, HasSubstr("Condition: `` journal.last_response == 'A0' or x.y == `tick` ``\n"));
  EXPECT_THAT(md, HasSubstr("Condition: `printer.paper == \"end\" or "
                            "(exists(printer.paper_sensor) and printer.paper_sensor == 0)`\n"));
  // Deterministic: input order does not matter.
  std::vector<Rule> reversed(rules.rbegin(), rules.rend());
  EXPECT_EQ(RenderCatalogMarkdown(reversed, codes), md);
}

}  // namespace
}  // namespace posdiag::rules
