#include "drivers/printer/slip.h"

#include <gtest/gtest.h>

#include <string>

namespace posdiag::drivers::printer {
namespace {

SlipContent Chinese() {
  SlipContent c;
  c.chinese = true;
  c.title = "终端诊断单";
  c.fields = {{"时间：", "2026-11-21 13:40:49"},
              {"终端：", "POS-0042"},
              {"报告编号：", "7KQ2-M9X1"},
              {"状态：", "故障"}};
  c.findings = {{"P1", "打印机缺纸", "打开纸仓盖，装入新纸卷后合上"},
                {"T1", "无法连接支付主机", "检查网线或无线网络是否连接正常，然后重新检测一次"}};
  c.footer = "请扫描二维码联系客服";
  c.qr = "PD1:560XNDV-5SV7 E5IAK*6A8NA646.Q6:*096AKIIGNH5/A$EF70FP1JTEPEC6";
  return c;
}

SlipContent English() {
  SlipContent c;
  c.title = "Terminal diagnosis";
  c.fields = {{"Time: ", "2026-11-21 13:40:49"}, {"Report ID: ", "7KQ2-M9X1"}};
  c.findings = {{"P1", "Printer out of paper", "Open the paper cover, load a new roll, close it"}};
  c.qr = "PD1:ABC";
  return c;
}

int CellsOf(const std::string& utf8) {
  int n = 0;
  for (std::size_t i = 0; i < utf8.size();) {
    const auto b = static_cast<unsigned char>(utf8[i]);
    const int len = b < 0x80 ? 1 : b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : 2;
    n += len >= 3 ? 2 : 1;
    i += static_cast<std::size_t>(len);
  }
  return n;
}

TEST(Slip, ChineseThroughGb18030AtBothWidths) {
  for (const PaperWidth width : {PaperWidth::k58mm, PaperWidth::k80mm}) {
    auto bytes = BuildSlip(Chinese(), width);
    ASSERT_TRUE(bytes.ok()) << bytes.error().detail;
    // ESC @, then FS & before any Chinese byte; GB18030 of 终 is D6 D5.
    ASSERT_GE(bytes->size(), 4u);
    EXPECT_EQ((*bytes)[0], 0x1B);
    EXPECT_EQ((*bytes)[1], '@');
    EXPECT_EQ((*bytes)[2], 0x1C);
    EXPECT_EQ((*bytes)[3], '&');
    const std::string raw(bytes->begin(), bytes->end());
    EXPECT_NE(raw.find("\xD6\xD5"), std::string::npos);
    EXPECT_EQ(raw.find("\xE7\xBB\x88"), std::string::npos) << "no UTF-8 reaches the printer";
    // Ends with the feed and the cut.
    EXPECT_EQ(raw.substr(raw.size() - 6), std::string("\x1B\x64\x04\x1D\x56\x01", 6));

    auto doc = ReadEscPos(*bytes);
    ASSERT_TRUE(doc.ok()) << doc.error().detail;
    EXPECT_TRUE(doc->initialised);
    EXPECT_TRUE(doc->chinese);
    EXPECT_TRUE(doc->cut);
    ASSERT_EQ(doc->qr_stored.size(), 1u);
    EXPECT_EQ(doc->qr_stored[0], Chinese().qr);
    EXPECT_EQ(doc->qr_printed, 1);
    EXPECT_EQ(doc->qr_module, width == PaperWidth::k58mm ? 5 : 8);
    std::string all;
    for (const auto& line : doc->lines) {
      all += line + "\n";
      EXPECT_LE(CellsOf(line), Columns(width)) << line;
    }
    for (const char* want : {"终端诊断单", "报告编号：7KQ2-M9X1", "[P1] 打印机缺纸", "打开纸仓盖",
                             "[T1] 无法连接支付主机", "POS-0042", "请扫描二维码联系客服"}) {
      EXPECT_NE(all.find(want), std::string::npos) << want << "\n" << all;
    }
  }
}

TEST(Slip, EnglishIsAsciiAndWrapsOnSpaces) {
  for (const PaperWidth width : {PaperWidth::k58mm, PaperWidth::k80mm}) {
    auto bytes = BuildSlip(English(), width);
    ASSERT_TRUE(bytes.ok());
    auto doc = ReadEscPos(*bytes);
    ASSERT_TRUE(doc.ok()) << doc.error().detail;
    EXPECT_FALSE(doc->chinese);
    for (const auto& line : doc->lines) {
      EXPECT_LE(static_cast<int>(line.size()), Columns(width)) << line;
      for (const char c : line) EXPECT_LT(static_cast<unsigned char>(c), 0x80);
    }
    std::string all;
    for (const auto& line : doc->lines) all += line + "\n";
    EXPECT_NE(all.find("[P1] Printer out of paper"), std::string::npos) << all;
    if (width == PaperWidth::k58mm) {
      EXPECT_NE(all.find("  Open the paper cover, load a\n  new roll, close it"), std::string::npos)
          << all;
    }
  }
}

TEST(Slip, TextCannotSmuggleCommands) {
  SlipContent c = English();
  c.title = "evil\x1B@\x1DV\x01title";
  c.findings[0].title = "\x1C&x\x10\x04\x01";
  c.chinese = false;
  auto bytes = BuildSlip(c, PaperWidth::k80mm);
  ASSERT_TRUE(bytes.ok());
  auto doc = ReadEscPos(*bytes);
  ASSERT_TRUE(doc.ok()) << doc.error().detail;
  EXPECT_FALSE(doc->chinese);
  const std::string raw(bytes->begin(), bytes->end());
  EXPECT_EQ(raw.find("\x10\x04"), std::string::npos);
  // GS ! twice, GS ( k five times, GS V once: no GS from the text.
  EXPECT_EQ(std::count(raw.begin(), raw.end(), '\x1D'), 8);
}

TEST(Slip, ReadingRefusesWhatIsNotASlip) {
  for (const std::string& bad :
       {std::string("\x1B", 1), std::string("\x1Bz", 2), std::string("\x1D(k\x05\x00\x31", 6),
        std::string("a\x01", 2), std::string("\xC4\xE3", 2)}) {
    auto r = ReadEscPos(std::span(reinterpret_cast<const std::uint8_t*>(bad.data()), bad.size()));
    EXPECT_FALSE(r.ok()) << bad.size();
  }
}

TEST(Slip, WrapKeepsWordsAndCountsWideCharacters) {
  EXPECT_EQ(WrapColumns("aaa bbb ccc", 7), (std::vector<std::string>{"aaa bbb", "ccc"}));
  EXPECT_EQ(WrapColumns("打印机缺纸", 4), (std::vector<std::string>{"打印", "机缺", "纸"}));
  EXPECT_EQ(WrapColumns("", 4), (std::vector<std::string>{""}));
  EXPECT_EQ(WrapColumns("abcdefgh", 3), (std::vector<std::string>{"abc", "def", "gh"}));
}

}  // namespace
}  // namespace posdiag::drivers::printer
