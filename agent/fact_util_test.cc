#include "agent/fact_util.h"

#include <gtest/gtest.h>

#include "rules/engine/fact.h"

namespace posdiag::agent::probes {
namespace {

TEST(FactSegment, GivesAValidFactSegment) {
  EXPECT_EQ(FactSegment("BAT0"), "bat0");
  EXPECT_EQ(FactSegment("axp20x-usb"), "axp20x_usb");
  EXPECT_EQ(FactSegment("thermal_zone0"), "thermal_zone0");
  EXPECT_EQ(FactSegment("a.b c\xff"), "a_b_c_");
  EXPECT_EQ(FactSegment(""), "_");
  for (const char* name : {"BAT0", "ac adapter", "x.y", "", "\n"}) {
    EXPECT_TRUE(rules::IsValidFactName("power.supply." + FactSegment(name) + ".type")) << name;
  }
}

TEST(SetOrMissing, WritesTheValueOrTheReason) {
  FactWriter out;
  SetOrMissing(out, "a.b", Result<std::int64_t>(std::int64_t{3}), "%");
  SetOrMissing(out, "a.c", Result<double>(Error{ErrorKind::kParse, "BAT0/temp: garbage"}));
  ASSERT_EQ(out.facts().size(), 1u);
  EXPECT_EQ(out.facts()[0].name, "a.b");
  EXPECT_EQ(out.facts()[0].value, rules::FactValue(std::int64_t{3}));
  EXPECT_EQ(out.facts()[0].unit, "%");
  ASSERT_EQ(out.missing().size(), 1u);
  EXPECT_EQ(out.missing()[0].name, "a.c");
  EXPECT_EQ(out.missing()[0].reason, "BAT0/temp: garbage");
}

}  // namespace
}  // namespace posdiag::agent::probes
