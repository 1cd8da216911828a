#include "drivers/base/card_number.h"

#include <gtest/gtest.h>

namespace posdiag {
namespace {

TEST(Luhn, KnownNumbers) {
  EXPECT_TRUE(LuhnValid("4111111111111111"));
  EXPECT_TRUE(LuhnValid("79927398713"));
  EXPECT_TRUE(LuhnValid("6222021234567890128"));
  EXPECT_FALSE(LuhnValid("4111111111111112"));
  EXPECT_FALSE(LuhnValid("6222021234567890127"));
  EXPECT_FALSE(LuhnValid(""));
  EXPECT_FALSE(LuhnValid("41111a1111111111"));
}

TEST(MaskPan, FirstSixAndLastFour) {
  EXPECT_EQ(MaskPan("6222021234567890128"), "622202*********0128");
  EXPECT_EQ(MaskPan("4111111111111111"), "411111******1111");
  EXPECT_EQ(MaskPan("123456789012"), "************");
}

}  // namespace
}  // namespace posdiag
