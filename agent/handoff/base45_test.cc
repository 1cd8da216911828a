#include "agent/handoff/base45.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace posdiag::agent::handoff {
namespace {

std::vector<std::uint8_t> Bytes(std::string_view s) { return {s.begin(), s.end()}; }

// RFC 9285 section 4.
TEST(Base45, RfcExamples) {
  EXPECT_EQ(Base45Encode(Bytes("AB")), "BB8");
  EXPECT_EQ(Base45Encode(Bytes("Hello!!")), "%69 VD92EX0");
  EXPECT_EQ(Base45Encode(Bytes("base-45")), "UJCLQE7W581");
  EXPECT_EQ(Base45Encode(Bytes("ietf!")), "QED8WEX0");
  auto back = Base45Decode("QED8WEX0");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, Bytes("ietf!"));
  back = Base45Decode("%69 VD92EX0");
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, Bytes("Hello!!"));
}

TEST(Base45, EveryByteValueRoundTrips) {
  std::vector<std::uint8_t> all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<std::uint8_t>(i));
  for (int i = 255; i >= 0; --i) all.push_back(static_cast<std::uint8_t>(i));
  for (std::size_t n = 0; n <= all.size(); n += 37) {
    const std::vector<std::uint8_t> part(all.begin(), all.begin() + static_cast<long>(n));
    const std::string text = Base45Encode(part);
    EXPECT_EQ(text.size(), Base45Length(n));
    auto back = Base45Decode(text);
    ASSERT_TRUE(back.ok()) << n;
    EXPECT_EQ(*back, part);
  }
  EXPECT_EQ(Base45Encode(std::vector<std::uint8_t>{0xFF, 0xFF}), "FGW");
}

TEST(Base45, BadTextIsAParseError) {
  for (const char* bad : {"GGW", "A", "ABCD", "ab8", "BB8=", "\xe4\xb8\xad"}) {
    auto r = Base45Decode(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().kind, ErrorKind::kParse) << bad;
  }
  EXPECT_FALSE(Base45Decode("ZZ").ok());  // 35 + 35 * 45 > 255
  EXPECT_TRUE(Base45Decode("").ok());
}

}  // namespace
}  // namespace posdiag::agent::handoff
