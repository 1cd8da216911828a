#include "rules/engine/fact_schema.h"

#include <gtest/gtest.h>

namespace posdiag::rules {
namespace {

FactSchema Schema() {
  return FactSchema({{"printer.paper_end", FactType::kBool, "", "no paper", "printer"},
                     {"network.if.*.carrier", FactType::kBool, "", "cable in", "network"},
                     {"power.battery.capacity_pct", FactType::kInt, "%", "charge", "power"},
                     {"modem.signal_dbm", FactType::kReal, "dBm", "signal", "modem"}});
}

TEST(FactSchema, PatternsMatchOneSegmentPerStar) {
  EXPECT_TRUE(FactPatternMatches("network.if.*.carrier", "network.if.eth0.carrier"));
  EXPECT_FALSE(FactPatternMatches("network.if.*.carrier", "network.if.carrier"));
  EXPECT_FALSE(FactPatternMatches("network.if.*.carrier", "network.if.a.b.carrier"));
  EXPECT_FALSE(FactPatternMatches("network.if.*.carrier", "network.if.eth0.carrier.x"));
  EXPECT_TRUE(FactPatternMatches("printer.paper_end", "printer.paper_end"));
  EXPECT_FALSE(FactPatternMatches("printer.paper_end", "printer.paper"));
  EXPECT_FALSE(FactPatternMatches("printer.paper", "printer.paper_end"));
}

TEST(FactSchema, FindsTheDeclaration) {
  const FactSchema s = Schema();
  ASSERT_NE(s.Find("network.if.wlan0.carrier"), nullptr);
  EXPECT_EQ(s.Find("network.if.wlan0.carrier")->probe, "network");
  EXPECT_EQ(s.Find("printr.paper_end"), nullptr);
}

TEST(FactSchema, SuggestsTheNearestNameForATypo) {
  const FactSchema s = Schema();
  EXPECT_EQ(s.Suggest("printr.paper_end"), "printer.paper_end");
  EXPECT_EQ(s.Suggest("network.if.eth0.carier"), "network.if.*.carrier");
  EXPECT_EQ(s.Suggest("completely.different"), "");
}

TEST(FactSchema, ValuesFitTheirTypes) {
  EXPECT_TRUE(FactValueFits(FactType::kBool, FactValue{true}));
  EXPECT_FALSE(FactValueFits(FactType::kBool, FactValue{std::int64_t{1}}));
  EXPECT_TRUE(FactValueFits(FactType::kReal, FactValue{std::int64_t{1}}));
  EXPECT_FALSE(FactValueFits(FactType::kInt, FactValue{1.5}));
  EXPECT_TRUE(FactValueFits(FactType::kText, FactValue{std::string("x")}));
}

TEST(FactSchema, RendersOneTablePerProbe) {
  const std::string md = RenderFactsMarkdown(Schema());
  EXPECT_NE(md.find("## printer"), std::string::npos);
  EXPECT_NE(md.find("| `power.battery.capacity_pct` | integer | `%` | charge |"),
            std::string::npos);
}

}  // namespace
}  // namespace posdiag::rules
