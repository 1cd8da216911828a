#include "drivers/journal/journal_line.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace posdiag::drivers::journal {
namespace {

// 2024-05-01T12:34:56Z
constexpr std::int64_t kT = 1714566896;

TEST(ResponseCode, TwoDigitsOrUpperCaseLetters) {
  EXPECT_TRUE(IsResponseCode("00"));
  EXPECT_TRUE(IsResponseCode("A0"));
  EXPECT_TRUE(IsResponseCode("9Z"));
  EXPECT_FALSE(IsResponseCode("a0"));
  EXPECT_FALSE(IsResponseCode("0"));
  EXPECT_FALSE(IsResponseCode("000"));
  EXPECT_FALSE(IsResponseCode("0-"));
}

TEST(ParseTime, Rfc3339WithZones) {
  EXPECT_EQ(*ParseTime("2024-05-01T12:34:56Z"), kT);
  EXPECT_EQ(*ParseTime("2024-05-01t12:34:56z"), kT);
  EXPECT_EQ(*ParseTime("2024-05-01T20:34:56+08:00"), kT);
  EXPECT_EQ(*ParseTime("2024-05-01T20:34:56.789+08:00"), kT);
  EXPECT_EQ(*ParseTime("2024-05-01T20:34:56+0800"), kT);
  EXPECT_EQ(*ParseTime("2024-05-01T20:34:56+08"), kT);
  EXPECT_EQ(*ParseTime("2024-05-01T07:34:56-05:00"), kT);
  EXPECT_EQ(*ParseTime("2024-05-01T12:34Z"), kT - 56);
}

TEST(ParseTime, WithoutAZoneUsesTheGivenOffset) {
  EXPECT_EQ(*ParseTime("2024-05-01 12:34:56"), kT);
  EXPECT_EQ(*ParseTime("2024-05-01 20:34:56", 8 * 3600), kT);
  // An explicit zone wins over the offset for zoneless times.
  EXPECT_EQ(*ParseTime("2024-05-01T12:34:56Z", 8 * 3600), kT);
}

TEST(ParseTime, EpochSeconds) {
  EXPECT_EQ(*ParseTime("1714566896"), kT);
  EXPECT_EQ(*ParseTime(" 1714566896.75 "), kT);
  EXPECT_EQ(*ParseTime("0"), 0);
}

TEST(ParseTime, RejectsWhatIsNotATime) {
  for (const char* bad :
       {"", "yesterday", "2024-05-01", "2024-13-01T00:00:00Z", "2024-02-30T00:00:00Z",
        "2024-05-01T24:00:00Z", "2024-05-01T12:60:00Z", "2024-05-01T12:34:56+25:00",
        "2024-05-01T12:34:56 UTC", "2024-05-01T12:34:56.Z", "1714566896x", "-5",
        "9999999999999999999999", "2024-05-01T12:34:5"}) {
    EXPECT_FALSE(ParseTime(bad).ok()) << bad;
  }
  EXPECT_TRUE(ParseTime("2024-02-29T00:00:00Z").ok());  // a leap year
}

TEST(ParseJsonLine, ReadsTheConfiguredFields) {
  const auto e = ParseJsonLine(
      R"({"time":"2024-05-01T12:34:56Z","type":"sale","amount":12.5,"rc":"51","pan":"6222020000000000001"})",
      FieldNames{});
  ASSERT_TRUE(e.ok()) << e.error().detail;
  EXPECT_EQ(e->epoch_s, kT);
  EXPECT_EQ(e->code, "51");
  EXPECT_EQ(e->type, "sale");
  ASSERT_TRUE(e->amount.has_value());
  EXPECT_DOUBLE_EQ(*e->amount, 12.5);

  FieldNames names;
  names.time = "ts";
  names.code = "resp";
  names.type = "kind";
  names.amount = "amt";
  const auto f =
      ParseJsonLine(R"({"ts":1714566896,"kind":"void","amt":"3.00","resp":"A0"})", names);
  ASSERT_TRUE(f.ok()) << f.error().detail;
  EXPECT_EQ(f->epoch_s, kT);
  EXPECT_EQ(f->code, "A0");
  EXPECT_EQ(f->type, "void");
  EXPECT_DOUBLE_EQ(*f->amount, 3.0);
}

TEST(ParseJsonLine, NumericCodeGetsItsLeadingZeroBack) {
  const auto e = ParseJsonLine(R"({"time":1714566896,"rc":5})", FieldNames{});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->code, "05");
  EXPECT_FALSE(ParseJsonLine(R"({"time":1714566896,"rc":100})", FieldNames{}).ok());
  EXPECT_FALSE(ParseJsonLine(R"({"time":1714566896,"rc":-1})", FieldNames{}).ok());
}

TEST(ParseJsonLine, TypeAndAmountAreOptional) {
  const auto e = ParseJsonLine(R"({"time":1714566896.5,"rc":"00","amount":"n/a"})", FieldNames{});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->type, "");
  EXPECT_FALSE(e->amount.has_value());
}

TEST(ParseJsonLine, BadLinesAreErrorsThatNeverQuoteTheLine) {
  const std::string pan = "6222020000000000001";
  for (const std::string& bad : std::vector<std::string>{
           "", "not json", R"({"time":"2024-05-01T12:34)", "[1,2,3]", R"("text")", R"({"rc":"00"})",
           R"({"time":1714566896})", R"({"time":true,"rc":"00"})",
           R"({"time":1714566896,"rc":"a0"})", R"({"time":1714566896,"rc":"000"})",
           R"({"time":"soon","rc":"00","pan":")" + pan + R"("})",
           R"({"time":1714566896,"rc":")" + pan + R"("})", R"({"time":-1714566896,"rc":"00"})",
           R"({"time":1e300,"rc":"00"})", std::string(100, '[') + std::string(100, ']'),
           std::string(kMaxLineBytes + 1, ' ')}) {
    const auto e = ParseJsonLine(bad, FieldNames{});
    ASSERT_FALSE(e.ok()) << bad;
    EXPECT_EQ(e.error().kind, ErrorKind::kParse);
    EXPECT_EQ(e.error().detail.find(pan), std::string::npos) << e.error().detail;
  }
}

TEST(ParseJsonLine, ACardNumberInTheTypeFieldIsNotCopied) {
  const auto e =
      ParseJsonLine(R"({"time":1714566896,"rc":"00","type":"6222020000000000001"})", FieldNames{});
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->type, "");
  const auto f =
      ParseJsonLine(R"({"time":1714566896,"rc":"00","amount":6222020000000000001})", FieldNames{});
  ASSERT_TRUE(f.ok());
  EXPECT_FALSE(f->amount.has_value());
}

TEST(SplitCsvRecord, Rfc4180Quoting) {
  const auto f = SplitCsvRecord(R"(a,"b, c","say ""hi""",,"")"
                                "\r");
  ASSERT_TRUE(f.ok()) << f.error().detail;
  EXPECT_EQ(*f, (std::vector<std::string>{"a", "b, c", R"(say "hi")", "", ""}));
  EXPECT_EQ(*SplitCsvRecord("a,"), (std::vector<std::string>{"a", ""}));
  EXPECT_EQ(*SplitCsvRecord(""), (std::vector<std::string>{""}));
  EXPECT_FALSE(SplitCsvRecord(R"(a,"b)").ok());
  EXPECT_FALSE(SplitCsvRecord(R"(a,"b"c)").ok());
  EXPECT_FALSE(SplitCsvRecord(R"(a,b"c)").ok());
  EXPECT_FALSE(SplitCsvRecord(std::string(300, ',')).ok());
}

TEST(ResolveCsvColumns, ByHeaderName) {
  const std::vector<std::string> header{"when", " rc ", "kind", "amount", "card"};
  FieldNames names;
  names.time = "when";
  names.type = "kind";
  names.pan = "card";
  const auto c = ResolveCsvColumns(names, &header);
  ASSERT_TRUE(c.ok()) << c.error().detail;
  EXPECT_EQ(c->time, 0u);
  EXPECT_EQ(c->code, 1u);
  EXPECT_EQ(c->type, 2u);
  EXPECT_EQ(c->amount, 3u);
  EXPECT_EQ(c->pan, 4u);
}

TEST(ResolveCsvColumns, ByColumnNumberAndOptionalColumns) {
  FieldNames names;
  names.time = "2";
  names.code = "0";
  names.type = "";
  names.amount = "";
  const auto c = ResolveCsvColumns(names, nullptr);
  ASSERT_TRUE(c.ok()) << c.error().detail;
  EXPECT_EQ(c->time, 2u);
  EXPECT_EQ(c->code, 0u);
  EXPECT_FALSE(c->type.has_value());
  EXPECT_FALSE(c->amount.has_value());

  const std::vector<std::string> header{"time", "rc"};
  const auto d = ResolveCsvColumns(FieldNames{}, &header);
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->type.has_value());  // not in the header: not used
}

TEST(ResolveCsvColumns, Refusals) {
  const std::vector<std::string> header{"time", "type", "rc", "pan"};
  FieldNames names;
  names.code = "result";
  EXPECT_EQ(ResolveCsvColumns(names, &header).error().kind, ErrorKind::kInvalid);
  EXPECT_EQ(ResolveCsvColumns(FieldNames{}, nullptr).error().kind, ErrorKind::kInvalid);
  FieldNames same;
  same.pan = "rc";
  EXPECT_EQ(ResolveCsvColumns(same, &header).error().kind, ErrorKind::kInvalid);
  FieldNames twice;
  twice.time = "2";
  EXPECT_EQ(ResolveCsvColumns(twice, &header).error().kind, ErrorKind::kInvalid);
}

TEST(ParseCsvLine, ReadsTheColumnsAndNeverThePan) {
  const std::vector<std::string> header{"time", "type", "amount", "rc", "pan"};
  FieldNames names;
  names.pan = "pan";
  const auto c = ResolveCsvColumns(names, &header);
  ASSERT_TRUE(c.ok());
  const auto e =
      ParseCsvLine(R"(2024-05-01T20:34:56+08:00,"sale, chip",12.50,51,6222020000000000001)", *c);
  ASSERT_TRUE(e.ok()) << e.error().detail;
  EXPECT_EQ(e->epoch_s, kT);
  EXPECT_EQ(e->code, "51");
  EXPECT_EQ(e->type, "sale, chip");
  EXPECT_DOUBLE_EQ(*e->amount, 12.5);

  EXPECT_FALSE(ParseCsvLine("2024-05-01T12:34:56Z,sale", *c).ok());        // too few fields
  EXPECT_FALSE(ParseCsvLine("2024-05-01T12:34:56Z,sale,1,5,x", *c).ok());  // one-digit code
  EXPECT_FALSE(ParseCsvLine("later,sale,1,51,x", *c).ok());
  EXPECT_FALSE(ParseCsvLine(R"(2024-05-01T12:34:56Z,"sale,1,51)", *c).ok());
}

Entry At(std::int64_t t, std::string code) { return Entry{t, std::move(code), {}, {}}; }

TEST(Summarize, CountsTheWindowAndTheFailuresSinceTheLastApproval) {
  const std::int64_t now = kT;
  const std::vector<Entry> entries{
      At(now - 4000, "91"),  // outside a 30-minute window
      At(now - 1700, "00"), At(now - 600, "91"), At(now - 500, "98"),
      At(now - 400, "68"),  At(now - 300, "51"), At(now - 10, "A0"),
  };
  const Summary s = Summarize(entries, now, 1800);
  EXPECT_EQ(s.window_total, 6);
  EXPECT_EQ(s.window_approved, 1);
  EXPECT_EQ(s.window_failed, 5);
  EXPECT_EQ(s.window_bank_side, 3);
  EXPECT_EQ(s.window_timeouts, 2);
  EXPECT_EQ(s.window_codes.at("91"), 1);
  EXPECT_EQ(s.window_codes.at("A0"), 1);
  ASSERT_TRUE(s.last.has_value());
  EXPECT_EQ(s.last->code, "A0");
  EXPECT_TRUE(s.last_in_window);
  EXPECT_EQ(s.consecutive_failures, 5);
}

TEST(Summarize, EmptyAndStale) {
  const Summary empty = Summarize({}, kT, 1800);
  EXPECT_EQ(empty.window_total, 0);
  EXPECT_FALSE(empty.last.has_value());
  EXPECT_EQ(empty.consecutive_failures, 0);

  const Summary stale = Summarize({At(kT - 7200, "51"), At(kT + 60, "00")}, kT, 1800);
  // An entry stamped after now still counts as recent: the clock may be behind.
  EXPECT_EQ(stale.window_total, 1);
  EXPECT_EQ(stale.consecutive_failures, 0);
  const Summary old = Summarize({At(kT - 7200, "51")}, kT, 1800);
  EXPECT_FALSE(old.last_in_window);
  EXPECT_EQ(old.consecutive_failures, 1);
}

}  // namespace
}  // namespace posdiag::drivers::journal
