#include "agent/report_id.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

namespace posdiag::agent {
namespace {

constexpr int kIds = 2000;

TEST(ReportIdTest, CheckSymbolMatchesHandComputedLuhnMod32) {
  // "0000001": the rightmost symbol is doubled, 1*2 = 2, check = 32 - 2 = 30 -> 'Y'.
  EXPECT_EQ(ReportIdCheckSymbol("0000001"), 'Y');
  // 'G' is 16, doubled 32 = "10" in base 32, digit sum 1, check 31 -> 'Z'.
  EXPECT_EQ(ReportIdCheckSymbol("000000G"), 'Z');
  // 14+6+10+4+6+2+2 = 44, 44 mod 32 = 12, check 20 -> 'M'.
  EXPECT_EQ(ReportIdCheckSymbol("1234567"), 'M');
  EXPECT_EQ(ReportIdCheckSymbol("0000000"), '0');
}

TEST(ReportIdTest, CheckSymbolReadsLikeCrockford) {
  EXPECT_EQ(ReportIdCheckSymbol("i234-5b7"), ReportIdCheckSymbol("12345B7"));
  EXPECT_EQ(ReportIdCheckSymbol("o0oOOO1"), 'Y');
  EXPECT_EQ(ReportIdCheckSymbol(""), '\0');
  EXPECT_EQ(ReportIdCheckSymbol("12U4567"), '\0');
  EXPECT_EQ(ReportIdCheckSymbol("12 4567"), '\0');
  EXPECT_EQ(ReportIdCheckSymbol(std::string(65, '1')), '\0');
}

TEST(ReportIdTest, ValidatesForgivingly) {
  EXPECT_TRUE(IsValidReportId("1234-567M"));
  EXPECT_TRUE(IsValidReportId("1234567M"));
  EXPECT_TRUE(IsValidReportId("1234-567m"));
  EXPECT_TRUE(IsValidReportId("I234-567M"));
  EXPECT_TRUE(IsValidReportId("l234567m"));
  EXPECT_TRUE(IsValidReportId("oooo-001y"));
  EXPECT_EQ(NormalizeReportId("l2-34567m").value_or(""), "1234-567M");

  EXPECT_FALSE(IsValidReportId(""));
  EXPECT_FALSE(IsValidReportId("1234-567N"));   // wrong check symbol
  EXPECT_FALSE(IsValidReportId("1234-567"));    // no check symbol
  EXPECT_FALSE(IsValidReportId("1234-567MM"));  // too long
  EXPECT_FALSE(IsValidReportId("U234-567M"));   // U is not in the alphabet
  EXPECT_FALSE(IsValidReportId("1234 567M"));
  EXPECT_FALSE(NormalizeReportId("1234-567N").has_value());
}

TEST(ReportIdTest, NewIdsArePrintedCanonicallyAndValid) {
  std::set<std::string> seen;
  for (int n = 0; n < kIds; ++n) {
    const std::string id = NewReportId();
    ASSERT_EQ(id.size(), 9u) << id;
    EXPECT_EQ(id[4], '-') << id;
    for (std::size_t i = 0; i < id.size(); ++i) {
      if (i == 4) continue;
      EXPECT_NE(kReportIdAlphabet.find(id[i]), std::string_view::npos) << id;
    }
    EXPECT_TRUE(IsValidReportId(id)) << id;
    EXPECT_EQ(NormalizeReportId(id).value_or(""), id);
    seen.insert(id);
  }
  // 32^7 possible payloads: a repeat among a few thousand would mean a broken generator.
  EXPECT_EQ(seen.size(), static_cast<std::size_t>(kIds));
}

std::string Symbols(const std::string& id) {
  std::string s;
  for (char c : id) {
    if (c != '-') s += c;
  }
  return s;
}

TEST(ReportIdTest, EverySingleSubstitutionIsCaught) {
  for (int n = 0; n < kIds; ++n) {
    const std::string id = Symbols(NewReportId());
    for (std::size_t pos = 0; pos < id.size(); ++pos) {
      for (char c : kReportIdAlphabet) {
        if (c == id[pos]) continue;
        std::string misread = id;
        misread[pos] = c;
        ASSERT_FALSE(IsValidReportId(misread)) << id << " read as " << misread;
      }
    }
  }
}

TEST(ReportIdTest, EveryAdjacentTranspositionIsCaught) {
  for (int n = 0; n < kIds; ++n) {
    const std::string id = Symbols(NewReportId());
    for (std::size_t pos = 0; pos + 1 < id.size(); ++pos) {
      if (id[pos] == id[pos + 1]) continue;  // swapping equal symbols changes nothing
      std::string misread = id;
      std::swap(misread[pos], misread[pos + 1]);
      ASSERT_FALSE(IsValidReportId(misread)) << id << " read as " << misread;
    }
  }
}

TEST(ReportIdTest, TheOneBlindTranspositionNeverAppearsInNewIds) {
  // Luhn mod 32 cannot tell "0Z" from "Z0" (both add 31), so the generator avoids that pair.
  EXPECT_EQ(ReportIdCheckSymbol("000000Z"), ReportIdCheckSymbol("00000Z0"));
  for (int n = 0; n < kIds * 10; ++n) {
    const std::string id = Symbols(NewReportId());
    ASSERT_EQ(id.find("0Z"), std::string::npos) << id;
    ASSERT_EQ(id.find("Z0"), std::string::npos) << id;
  }
}

TEST(ReportIdTest, PrefixIsReadLikeAnIdAndKeepsTheDash) {
  EXPECT_EQ(NormalizeReportIdPrefix("7kq2"), "7KQ2");
  EXPECT_EQ(NormalizeReportIdPrefix("7kq2m"), "7KQ2-M");
  EXPECT_EQ(NormalizeReportIdPrefix("7-KQ2-M9"), "7KQ2-M9");
  EXPECT_EQ(NormalizeReportIdPrefix("oil"), "011");
  const std::string id = NewReportId();
  EXPECT_EQ(NormalizeReportIdPrefix(id), id);
  EXPECT_FALSE(NormalizeReportIdPrefix(""));
  EXPECT_FALSE(NormalizeReportIdPrefix("--"));
  EXPECT_FALSE(NormalizeReportIdPrefix("7KQU"));       // U is not a symbol
  EXPECT_FALSE(NormalizeReportIdPrefix("7KQ2M9X4A"));  // longer than an ID
}

}  // namespace
}  // namespace posdiag::agent
