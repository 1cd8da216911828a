#include "drivers/network/wireless.h"

#include <gtest/gtest.h>

namespace posdiag::drivers::network {
namespace {

constexpr const char* kHeader =
    "Inter-| sta-|   Quality        |   Discarded packets               | Missed | WE\n"
    " face | tus | link level noise |  nwid  crypt   frag  retry   misc | beacon | 22\n";

TEST(ParseProcNetWireless, RowsWithUpdatedMarks) {
  const std::string text = std::string(kHeader) +
                           " wlan0: 0000   54.  -56.  -256        0      0      0      0      0"
                           "        0\n"
                           "wlan1: 0000   25   -85   -95   0 0 0 0 0 0\n";
  auto rows = ParseProcNetWireless(text);
  ASSERT_TRUE(rows.ok()) << rows.error().detail;
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].interface, "wlan0");
  EXPECT_DOUBLE_EQ((*rows)[0].link_quality, 54);
  EXPECT_EQ((*rows)[0].level, -56);
  EXPECT_FALSE((*rows)[0].noise_dbm);
  EXPECT_EQ((*rows)[1].level, -85);
  EXPECT_EQ((*rows)[1].noise_dbm, -95);
}

TEST(ParseProcNetWireless, HeaderOnlyIsNoInterface) {
  auto rows = ParseProcNetWireless(kHeader);
  ASSERT_TRUE(rows.ok());
  EXPECT_TRUE(rows->empty());
  EXPECT_TRUE(ParseProcNetWireless("").ok());
}

TEST(ParseProcNetWireless, BadRowsAreErrors) {
  for (const char* row :
       {"wlan0 0000 54. -56. -256\n", "wlan0: 0000 54.\n", "wlan0: 0000 x -56 -256\n",
        ": 0000 1 2 3\n", "averyveryverylongname: 0 1 2 3\n"}) {
    auto r = ParseProcNetWireless(std::string(kHeader) + row);
    EXPECT_FALSE(r.ok()) << row;
    if (!r.ok()) {
      EXPECT_EQ(r.error().kind, ErrorKind::kParse);
    }
  }
}

}  // namespace
}  // namespace posdiag::drivers::network
