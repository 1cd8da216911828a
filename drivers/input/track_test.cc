#include "drivers/input/track.h"

#include <gtest/gtest.h>

#include <string>

namespace posdiag::drivers::input {
namespace {

constexpr const char* kTrack1 = "%B6222021234567890128^ZHANG/SAN^2712101123456789?";
constexpr const char* kTrack2 = ";6222021234567890128=27121011234567890?";

TEST(ParseSwipe, BothTracksGood) {
  const auto v = ParseSwipe(std::string(kTrack1) + kTrack2);
  EXPECT_TRUE(v.ok()) << v.error;
  EXPECT_TRUE(v.track1.present && v.track1.ok);
  EXPECT_TRUE(v.track2.present && v.track2.ok);
  ASSERT_TRUE(v.luhn_ok.has_value());
  EXPECT_TRUE(*v.luhn_ok);
  EXPECT_EQ(v.pan_masked, "622202*********0128");
}

TEST(ParseSwipe, Track2AloneIsEnough) {
  const auto v = ParseSwipe(kTrack2);
  EXPECT_TRUE(v.ok()) << v.error;
  EXPECT_FALSE(v.track1.present);
  EXPECT_EQ(v.pan_masked, "622202*********0128");
}

TEST(ParseSwipe, LuhnFailure) {
  const auto v = ParseSwipe(";6222021234567890127=27121011234567890?");
  EXPECT_FALSE(v.ok());
  EXPECT_TRUE(v.track2.ok);  // well formed; the number itself is wrong
  ASSERT_TRUE(v.luhn_ok.has_value());
  EXPECT_FALSE(*v.luhn_ok);
  EXPECT_EQ(v.error, "card number fails the Luhn check");
  EXPECT_EQ(v.pan_masked, "622202*********0127");
}

TEST(ParseSwipe, TrackFlaggedBadByTheReader) {
  const auto v = ParseSwipe(std::string("%E?") + kTrack2);
  EXPECT_FALSE(v.ok());
  EXPECT_TRUE(v.track1.present);
  EXPECT_FALSE(v.track1.ok);
  EXPECT_EQ(v.track1.error, "track 1 flagged bad by the reader");
  EXPECT_TRUE(v.track2.ok);
  const auto bare = ParseSwipe("E");
  EXPECT_FALSE(bare.ok());
  EXPECT_EQ(bare.error, "track flagged bad by the reader");
  EXPECT_FALSE(bare.luhn_ok.has_value());
}

TEST(ParseSwipe, Sentinels) {
  EXPECT_EQ(ParseSwipe("B6222021234567890128^ZHANG/SAN^2712101?").error, "bad start sentinel");
  EXPECT_EQ(ParseSwipe(";6222021234567890128=2712101").error, "track 2 has no end sentinel");
  EXPECT_EQ(ParseSwipe("%B6222021234567890128^ZHANG/SAN^2712101").error,
            "track 1 has no end sentinel");
  EXPECT_EQ(ParseSwipe("").error, "no track in the swipe");
  EXPECT_EQ(ParseSwipe(std::string(kTrack2) + kTrack2).error, "a track was sent twice");
}

TEST(ParseSwipe, FieldsAndCharacterSets) {
  EXPECT_EQ(ParseSwipe(";62220212345678901282712101?").error, "track 2 field separator missing");
  EXPECT_EQ(ParseSwipe(";6222=2712101?").error, "track 2 bad card number length");
  EXPECT_EQ(ParseSwipe(";6222021234567890128=2713101?").error, "track 2 bad expiry month");
  EXPECT_EQ(ParseSwipe(";6222021234567890128=2712301?").error, "track 2 bad service code");
  EXPECT_EQ(ParseSwipe(";6222021234567890128=27?").error,
            "track 2 no expiry date and service code");
  EXPECT_EQ(ParseSwipe(";6222021234567890128=2712101A?").error,
            "track 2 has a character outside its set");
  EXPECT_EQ(ParseSwipe(";6222021234567890128=27121011234567890123456?").error, "track 2 too long");
  EXPECT_EQ(ParseSwipe("%A6222021234567890128^ZHANG/SAN^2712101?").error,
            "track 1 format code is not B");
  EXPECT_EQ(ParseSwipe("%B6222021234567890128^Z^2712101?").error, "track 1 bad name length");
  EXPECT_EQ(ParseSwipe("%B6222021234567890128^zhang/san^2712101?").error,
            "track 1 has a character outside its set");
  EXPECT_EQ(ParseSwipe("%B6222021234567890128ZHANG/SAN2712101?").error,
            "track 1 field separator missing");
}

TEST(ParseSwipe, AnLrcPassedOnIsChecked) {
  const auto both = ParseSwipe(std::string(kTrack1) + "J" + kTrack2 + "2");
  EXPECT_TRUE(both.ok()) << both.error;
  EXPECT_TRUE(both.track1.ok && both.track2.ok);
  const auto bad = ParseSwipe(std::string(kTrack2) + "3");
  EXPECT_EQ(bad.error, "track 2 bad LRC");
  EXPECT_FALSE(bad.track2.ok);
  EXPECT_EQ(ParseSwipe(std::string(kTrack1) + "K").error, "track 1 bad LRC");
}

TEST(ParseSwipe, TracksThatDisagree) {
  const auto v = ParseSwipe(std::string(kTrack1) + ";4111111111111111=27121011234567890?");
  EXPECT_EQ(v.error, "track 1 and track 2 card numbers differ");
}

TEST(ParseSwipe, NoVerdictFieldHoldsTheFullNumber) {
  for (const char* swipe : {";6222021234567890127=27121011234567890?",
                            "%B6222021234567890128^ZHANG/SAN^2712101123456789?"}) {
    const auto v = ParseSwipe(swipe);
    for (const std::string* s : {&v.error, &v.pan_masked, &v.track1.error, &v.track2.error}) {
      EXPECT_EQ(s->find("22202123456789"), std::string::npos) << *s;
    }
  }
}

TEST(Wipe, ZeroesAndEmpties) {
  std::string secret = "6222021234567890128";
  Wipe(secret);
  EXPECT_TRUE(secret.empty());
}

}  // namespace
}  // namespace posdiag::drivers::input
