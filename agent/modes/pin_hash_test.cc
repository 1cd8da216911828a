#include "agent/modes/pin_hash.h"

#include <gtest/gtest.h>

namespace posdiag::agent {
namespace {

TEST(PinHash, MakeThenVerify) {
  auto hash = MakePinHash("482915", kMinPinIterations);
  ASSERT_TRUE(hash) << hash.error().detail;
  EXPECT_TRUE(hash->starts_with("pbkdf2-sha256$1000$"));
  EXPECT_EQ(hash->find("482915"), std::string::npos);
  auto parsed = ParsePinHash(*hash);
  ASSERT_TRUE(parsed) << parsed.error().detail;
  EXPECT_EQ(parsed->iterations, kMinPinIterations);
  EXPECT_EQ(parsed->salt.size(), 16u);
  EXPECT_EQ(parsed->key.size(), 32u);
  EXPECT_EQ(PinMatches(*parsed, "482915").value_or(false), true);
  EXPECT_EQ(PinMatches(*parsed, "482916").value_or(true), false);
  EXPECT_EQ(PinMatches(*parsed, "48291").value_or(true), false);
  EXPECT_EQ(PinMatches(*parsed, "").value_or(true), false);
  EXPECT_EQ(PinMatches(*parsed, "482915 ").value_or(true), false);
  EXPECT_EQ(FormatPinHash(*parsed), *hash);
}

TEST(PinHash, SaltsDiffer) {
  auto a = MakePinHash("1234", kMinPinIterations);
  auto b = MakePinHash("1234", kMinPinIterations);
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
}

// A hash made elsewhere verifies here: Python's
// hashlib.pbkdf2_hmac("sha256", b"1234", b"posdiag-salt-16b", 1000), base64.
TEST(PinHash, KnownVector) {
  auto parsed = ParsePinHash(
      "pbkdf2-sha256$1000$cG9zZGlhZy1zYWx0LTE2Yg==$VYQ/a/180TUG3tw3J5TF6/nk+hgmzv7vsigasAQzLbQ=");
  ASSERT_TRUE(parsed) << parsed.error().detail;
  EXPECT_EQ(PinMatches(*parsed, "1234").value_or(false), true);
  EXPECT_EQ(PinMatches(*parsed, "1235").value_or(true), false);
}

TEST(PinHash, RejectsMalformed) {
  EXPECT_FALSE(ParsePinHash(""));
  EXPECT_FALSE(ParsePinHash("1234"));
  EXPECT_FALSE(ParsePinHash("sha1$1000$c2FsdHNhbHQ=$a2V5a2V5a2V5a2V5a2V5a2V5"));
  EXPECT_FALSE(ParsePinHash("pbkdf2-sha256$10$c2FsdHNhbHQ=$a2V5a2V5a2V5a2V5a2V5a2V5"));
  EXPECT_FALSE(ParsePinHash("pbkdf2-sha256$x$c2FsdHNhbHQ=$a2V5a2V5a2V5a2V5a2V5a2V5"));
  EXPECT_FALSE(ParsePinHash("pbkdf2-sha256$1000$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5a2V5"));
  EXPECT_FALSE(ParsePinHash("pbkdf2-sha256$1000$c2Fs!HNhbHQ=$a2V5a2V5a2V5a2V5a2V5a2V5"));
  EXPECT_FALSE(
      ParsePinHash("pbkdf2-sha256$1000$c2FsdA==$a2V5a2V5a2V5a2V5a2V5a2V5"));  // 4-byte salt
  EXPECT_FALSE(ParsePinHash("pbkdf2-sha256$1000$c2FsdHNhbHQ=$a2V5"));         // short key
  EXPECT_FALSE(ParsePinHash("pbkdf2-sha256$1000$c2FsdHNhbHQ=$a2V5a2V5a2V5a2V5a2V5a2V5$"));
  EXPECT_FALSE(ParsePinHash("pbkdf2-sha256$1000$c2FsdHNhbHQ=$a2V5a2V5a2V5a2V5a2=5a2V5"));
  auto ok = ParsePinHash("pbkdf2-sha256$1000$c2FsdHNhbHQ=$a2V5a2V5a2V5a2V5a2V5a2V5");
  ASSERT_TRUE(ok) << ok.error().detail;
  EXPECT_EQ(ok->salt.size(), 8u);
  EXPECT_EQ(std::string(ok->salt.begin(), ok->salt.end()), "saltsalt");
  EXPECT_EQ(ok->key.size(), 18u);
}

// Salts and keys of every length modulo 3: each base64 padding, written and read back.
TEST(PinHash, FormatThenParseEveryPadding) {
  for (std::size_t extra = 0; extra < 3; ++extra) {
    PinHash hash;
    hash.iterations = 5000;
    for (std::size_t i = 0; i < 8 + extra; ++i) {
      hash.salt.push_back(static_cast<std::uint8_t>(i * 37));
    }
    for (std::size_t i = 0; i < 16 + extra; ++i) {
      hash.key.push_back(static_cast<std::uint8_t>(255 - i));
    }
    const std::string text = FormatPinHash(hash);
    auto parsed = ParsePinHash(text);
    ASSERT_TRUE(parsed) << text << ": " << parsed.error().detail;
    EXPECT_EQ(parsed->salt, hash.salt) << text;
    EXPECT_EQ(parsed->key, hash.key) << text;
    EXPECT_EQ(FormatPinHash(*parsed), text);
  }
  EXPECT_EQ(FormatPinHash({1000, {'s', 'a', 'l', 't', 's', 'a', 'l', 't'}, {'k', 'e', 'y'}}),
            "pbkdf2-sha256$1000$c2FsdHNhbHQ=$a2V5");
}

TEST(PinHash, RejectsBadPins) {
  EXPECT_FALSE(MakePinHash("", kMinPinIterations));
  EXPECT_FALSE(MakePinHash("12 34", kMinPinIterations));
  EXPECT_FALSE(MakePinHash(std::string(65, '1'), kMinPinIterations));
  EXPECT_FALSE(MakePinHash("1234", 10));
}

TEST(PinCost, WithinTheBudgetNoWarning) {
  using std::chrono::milliseconds;
  EXPECT_EQ(PinCostWarning(kDefaultPinIterations, milliseconds(40)), "");
  EXPECT_EQ(PinCostWarning(kDefaultPinIterations, kPinCheckBudget), "");
}

TEST(PinCost, OverTheBudgetNamesTheEstimateAndSuggestsACount) {
  using std::chrono::milliseconds;
  // 10 million iterations at 1 us each: 10 s; 250 ms is 250000 of them.
  const std::string warning = PinCostWarning(10'000'000, milliseconds(10'000));
  EXPECT_NE(warning.find("10000000 iterations"), std::string::npos) << warning;
  EXPECT_NE(warning.find("about 10.0 s"), std::string::npos) << warning;
  EXPECT_NE(warning.find("more than 250 ms"), std::string::npos) << warning;
  EXPECT_NE(warning.find("--iterations 250000 "), std::string::npos) << warning;
  // Rounded down to two significant digits, never below the minimum count.
  EXPECT_NE(PinCostWarning(1'000'000, milliseconds(700)).find("--iterations 350000 "),
            std::string::npos);
  EXPECT_NE(PinCostWarning(2'000, milliseconds(5'000)).find("--iterations 1000 "),
            std::string::npos);
}

TEST(PinCost, AHugeCountIsEstimatedNotRun) {
  // The estimate times a few thousand iterations: 10 million (the most hash-pin accepts) are
  // seconds on any machine today, and far more on a terminal.
  const auto estimate = EstimatePinCheck(kMaxPinIterations);
  ASSERT_TRUE(estimate) << estimate.error().detail;
  EXPECT_GT(*estimate, kPinCheckBudget);
  EXPECT_NE(PinCostWarning(kMaxPinIterations, *estimate), "");
}

}  // namespace
}  // namespace posdiag::agent
