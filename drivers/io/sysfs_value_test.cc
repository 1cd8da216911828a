#include "drivers/io/sysfs_value.h"

#include <gtest/gtest.h>

#include <string>

namespace posdiag::io {
namespace {

using namespace std::string_literals;

template <typename T>
void ExpectParseError(const Result<T>& r, std::string_view needle = {}) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kParse);
  EXPECT_NE(r.error().detail.find(needle), std::string::npos) << r.error().detail;
}

TEST(ParseIntAttr, ReadsSysfsIntegers) {
  EXPECT_EQ(*ParseIntAttr("1234\n"), 1234);
  EXPECT_EQ(*ParseIntAttr("  -512  "), -512);
  EXPECT_EQ(*ParseIntAttr("+7"), 7);
  EXPECT_EQ(*ParseIntAttr("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(*ParseIntAttr("-9223372036854775808"), INT64_MIN);
}

TEST(ParseIntAttr, RejectsGarbage) {
  ExpectParseError(ParseIntAttr(""), "empty");
  ExpectParseError(ParseIntAttr(" \n"), "empty");
  ExpectParseError(ParseIntAttr("12a"), "not an integer");
  ExpectParseError(ParseIntAttr("0x10"), "not an integer");
  ExpectParseError(ParseIntAttr("1 2"), "not an integer");
  ExpectParseError(ParseIntAttr("+-1"), "not an integer");
  ExpectParseError(ParseIntAttr("+"), "not an integer");
  ExpectParseError(ParseIntAttr("-"), "not an integer");
  ExpectParseError(ParseIntAttr("1.5"), "not an integer");
  ExpectParseError(ParseIntAttr("12\0"s), "\\x00");
  ExpectParseError(ParseIntAttr("9223372036854775808"), "out of range");
  ExpectParseError(ParseIntAttr("-9223372036854775809"), "out of range");
  ExpectParseError(ParseIntAttr(std::string(100000, '9')), "out of range");
}

TEST(ParseIntAttr, MessagesAreBounded) {
  const auto r = ParseIntAttr(std::string(100000, 'x'));
  ASSERT_FALSE(r.ok());
  EXPECT_LT(r.error().detail.size(), 100u);
}

TEST(ParseBoolAttr, AcceptsOnlyZeroAndOne) {
  EXPECT_EQ(*ParseBoolAttr("0\n"), false);
  EXPECT_EQ(*ParseBoolAttr("1"), true);
  ExpectParseError(ParseBoolAttr("2"), "expected 0 or 1");
  ExpectParseError(ParseBoolAttr(""), "expected 0 or 1");
  ExpectParseError(ParseBoolAttr("true"), "expected 0 or 1");
  ExpectParseError(ParseBoolAttr("1\0"s), "expected 0 or 1");
}

TEST(ParseEnumAttr, KeepsInnerSpacesAndTrims) {
  EXPECT_EQ(*ParseEnumAttr("Not charging\n"), "Not charging");
  EXPECT_EQ(*ParseEnumAttr("\tUnspecified failure  "), "Unspecified failure");
}

TEST(ParseEnumAttr, RejectsEmptyLongAndBinary) {
  ExpectParseError(ParseEnumAttr(""), "empty");
  ExpectParseError(ParseEnumAttr("\n\n"), "empty");
  ExpectParseError(ParseEnumAttr(std::string(65, 'a')), "longer than 64");
  EXPECT_TRUE(ParseEnumAttr(std::string(64, 'a')).ok());
  ExpectParseError(ParseEnumAttr("Go\0od"s), "non-printable");
  ExpectParseError(ParseEnumAttr("Good\x1b[2J"), "non-printable");
  ExpectParseError(ParseEnumAttr("\xe7\x94\xb5"), "non-printable");
}

TEST(ParseFirstLine, TakesTheFirstLineOnly) {
  EXPECT_EQ(*ParseFirstLine("2.4.1\nbuilt on a Tuesday\n"), "2.4.1");
  EXPECT_EQ(*ParseFirstLine("2.4.1"), "2.4.1");
  ExpectParseError(ParseFirstLine("\n2.4.1\n"), "empty");
}

constexpr char kMemInfo[] =
    "MemTotal:        1024000 kB\n"
    "MemFree:          200000 kB\n"
    "MemAvailable:     600000 kB\n"
    "Buffers:           10000 kB\n"
    "Cached:           300000 kB\n"
    "Active(anon):      12345 kB\n"
    "SwapTotal:             0 kB\n"
    "SwapFree:              0 kB\n"
    "HugePages_Total:       0\n"
    "Hugepagesize:       2048 kB\n";

TEST(ParseMemInfo, ReadsTheValuesInKiB) {
  const auto m = ParseMemInfo(kMemInfo);
  ASSERT_TRUE(m.ok()) << m.error().detail;
  EXPECT_EQ(m->total_kib, 1024000);
  EXPECT_EQ(m->free_kib, 200000);
  EXPECT_EQ(m->available_kib, 600000);
  EXPECT_EQ(m->buffers_kib, 10000);
  EXPECT_EQ(m->cached_kib, 300000);
  EXPECT_EQ(m->swap_total_kib, 0);
}

TEST(ParseMemInfo, OldKernelsHaveNoMemAvailable) {
  const auto m = ParseMemInfo("MemTotal: 1000 kB\nMemFree: 10 kB\n");
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->available_kib.has_value());
}

TEST(ParseMemInfo, SkipsLinesItDoesNotUse) {
  const auto m = ParseMemInfo("garbage\n\0\xff\nWeird: x y z\nMemTotal: 1000 kB"s);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->total_kib, 1000);
}

TEST(ParseMemInfo, RejectsBadValues) {
  ExpectParseError(ParseMemInfo(""), "no MemTotal");
  ExpectParseError(ParseMemInfo("MemFree: 10 kB\n"), "no MemTotal");
  ExpectParseError(ParseMemInfo("MemTotal: 0 kB\n"), "MemTotal is 0");
  ExpectParseError(ParseMemInfo("MemTotal: 10 MB\n"), "expected a value in kB");
  ExpectParseError(ParseMemInfo("MemTotal: 10\n"), "expected a value in kB");
  ExpectParseError(ParseMemInfo("MemTotal: -10 kB\n"), "negative");
  ExpectParseError(ParseMemInfo("MemTotal: ten kB\n"), "not an integer");
  ExpectParseError(ParseMemInfo("MemTotal: 99999999999999999999 kB\n"), "out of range");
  ExpectParseError(ParseMemInfo("MemTotal: 1 kB\nMemTotal: 2 kB\n"), "twice");
  ExpectParseError(ParseMemInfo("MemTotal: 1\0 kB\n"s), "\\x00");
}

TEST(ParseLoadAvg, ReadsAveragesAndCounts) {
  const auto l = ParseLoadAvg("0.52 0.58 1.59 2/1234 5678\n");
  ASSERT_TRUE(l.ok()) << l.error().detail;
  EXPECT_DOUBLE_EQ(l->avg_1m, 0.52);
  EXPECT_DOUBLE_EQ(l->avg_5m, 0.58);
  EXPECT_DOUBLE_EQ(l->avg_15m, 1.59);
  EXPECT_EQ(l->runnable, 2);
  EXPECT_EQ(l->entities, 1234);
  const auto short_form = ParseLoadAvg("1.00 2.00 3.00");
  ASSERT_TRUE(short_form.ok());
  EXPECT_FALSE(short_form->runnable.has_value());
}

TEST(ParseLoadAvg, RejectsGarbage) {
  ExpectParseError(ParseLoadAvg(""), "expected 3 to 5 fields");
  ExpectParseError(ParseLoadAvg("0.1 0.2"), "expected 3 to 5 fields");
  ExpectParseError(ParseLoadAvg("0.1 0.2 0.3 1/2 3 4"), "expected 3 to 5 fields");
  ExpectParseError(ParseLoadAvg("0.1 nan 0.3"), "not a number");
  ExpectParseError(ParseLoadAvg("0.1 inf 0.3"), "not a number");
  ExpectParseError(ParseLoadAvg("0.1 1e999 0.3"), "not a number");
  ExpectParseError(ParseLoadAvg("-0.1 0.2 0.3"), "negative");
  ExpectParseError(ParseLoadAvg("0.1 0.2 0.3 12"), "runnable/total");
  ExpectParseError(ParseLoadAvg("0.1 0.2 0.3 1/x"), "not an integer");
  ExpectParseError(ParseLoadAvg("0.1 0.2 0.3 -1/2"), "negative");
  ExpectParseError(ParseLoadAvg("0.1\0 0.2 0.3"s), "not a number");
}

TEST(ParseUptime, ReadsBothFields) {
  const auto u = ParseUptime("12345.67 54321.00\n");
  ASSERT_TRUE(u.ok());
  EXPECT_DOUBLE_EQ(u->uptime_s, 12345.67);
  EXPECT_DOUBLE_EQ(*u->idle_s, 54321.0);
  const auto one = ParseUptime("5.5");
  ASSERT_TRUE(one.ok());
  EXPECT_FALSE(one->idle_s.has_value());
}

TEST(ParseUptime, RejectsGarbage) {
  ExpectParseError(ParseUptime(""), "expected 1 or 2 fields");
  ExpectParseError(ParseUptime("1 2 3"), "expected 1 or 2 fields");
  ExpectParseError(ParseUptime("-1 2"), "negative");
  ExpectParseError(ParseUptime("abc 2"), "not a number");
  ExpectParseError(ParseUptime("1 nan"), "not a number");
}

TEST(ParseCpuListCount, CountsRangesAndSingles) {
  EXPECT_EQ(*ParseCpuListCount("0\n"), 1);
  EXPECT_EQ(*ParseCpuListCount("0-3"), 4);
  EXPECT_EQ(*ParseCpuListCount("0,2-5,7"), 6);
  EXPECT_EQ(*ParseCpuListCount("0-3,2-5"), 6);  // overlaps counted once
  EXPECT_EQ(*ParseCpuListCount("0-8191"), 8192);
}

TEST(ParseCpuListCount, RejectsGarbage) {
  ExpectParseError(ParseCpuListCount(""), "empty");
  ExpectParseError(ParseCpuListCount("3-1"), "bad entry \"3-1\"");
  ExpectParseError(ParseCpuListCount("0-8192"), "bad entry");
  ExpectParseError(ParseCpuListCount("-1"), "bad entry");
  ExpectParseError(ParseCpuListCount("0--2"), "bad entry");
  ExpectParseError(ParseCpuListCount("+1"), "bad entry");
  ExpectParseError(ParseCpuListCount("0,,1"), "bad entry \"\"");
  ExpectParseError(ParseCpuListCount("0-"), "bad entry");
  ExpectParseError(ParseCpuListCount("a-b"), "bad entry");
  ExpectParseError(ParseCpuListCount("0-99999999999999999999"), "bad entry");
  ExpectParseError(ParseCpuListCount("0-3\0"s), "\\x00");
}

constexpr char kDpkgStatus[] =
    "Package: libc6\n"
    "Status: install ok installed\n"
    "Version: 2.36-9\n"
    "Description: GNU C Library\n"
    " Contains the standard libraries.\n"
    " Version: 9.9 (a continuation line, not a field)\n"
    "\n"
    "Package: oldapp\n"
    "Status: deinstall ok config-files\n"
    "Version: 1.0\n"
    "\n"
    "Package: payapp\n"
    "Status: hold ok installed\n"
    "Architecture: armhf\n"
    "Version: 2.4.1\n";

TEST(FindInstalledPackageVersion, FindsTheInstalledVersion) {
  EXPECT_EQ(*FindInstalledPackageVersion(kDpkgStatus, "payapp"), "2.4.1");
  EXPECT_EQ(*FindInstalledPackageVersion(kDpkgStatus, "libc6"), "2.36-9");
}

TEST(FindInstalledPackageVersion, MissingOrRemovedIsNotFound) {
  auto absent = FindInstalledPackageVersion(kDpkgStatus, "nothere");
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(absent.error().detail.find("not listed"), std::string::npos);
  auto removed = FindInstalledPackageVersion(kDpkgStatus, "oldapp");
  ASSERT_FALSE(removed.ok());
  EXPECT_EQ(removed.error().kind, ErrorKind::kNotFound);
  EXPECT_NE(removed.error().detail.find("not installed"), std::string::npos);
  EXPECT_FALSE(FindInstalledPackageVersion("", "payapp").ok());
  EXPECT_FALSE(FindInstalledPackageVersion(kDpkgStatus, "").ok());
}

TEST(FindInstalledPackageVersion, BadVersionIsAParseError) {
  ExpectParseError(FindInstalledPackageVersion(
                       "Package: p\nStatus: install ok installed\nVersion: \x01\x02\n", "p"),
                   "non-printable");
  ExpectParseError(FindInstalledPackageVersion("Package: p\nStatus: install ok installed\n", "p"),
                   "empty");
}

}  // namespace
}  // namespace posdiag::io
