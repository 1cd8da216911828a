#include "agent/sinks/display_layout.h"

#include <gtest/gtest.h>

#include <string>

#include "agent/sinks/sample_report.h"
#include "drivers/display/text.h"

namespace posdiag::agent {
namespace {

using drivers::display::CellWidth;
using drivers::display::DecodeUtf8;
using rules::Lang;

std::u32string U(const char* s) { return DecodeUtf8(s); }

bool LineFits(const LayoutLine& line, Cells size) {
  return line.indent + CellWidth(line.text) <= size.columns;
}

TEST(ProgressPage, SaysWhichProbeAndNOfM) {
  const Page page = ProgressPage({3, 8, "printer"}, Level::kBoot, Lang::kEn, {40, 15});
  EXPECT_EQ(page.header, U"Checking · boot");
  ASSERT_GE(page.body.size(), 4u);
  EXPECT_EQ(page.body[1].text, U"3/8 done");
  ASSERT_TRUE(page.body[2].bar.has_value());
  EXPECT_DOUBLE_EQ(*page.body[2].bar, 3.0 / 8.0);
  EXPECT_EQ(page.body[3].text, U"Now: printer");
  const Page done = ProgressPage({8, 8, ""}, Level::kBoot, Lang::kZhCn, {40, 15});
  EXPECT_EQ(done.body[3].text, U("检测完成"));
  EXPECT_DOUBLE_EQ(*done.body[2].bar, 1.0);
  const Page none = ProgressPage({0, 0, ""}, Level::kBoot, Lang::kEn, {40, 15});
  EXPECT_DOUBLE_EQ(*none.body[2].bar, 0.0);
}

TEST(ReportPages, AllClear) {
  Report r = testing::SampleReport(Level::kBoot);
  r.status = RunStatus::kOk;
  r.evaluation.findings.clear();
  const auto pages = ReportPages(r, Lang::kEn, {40, 15});
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_EQ(pages[0].header, U"All clear");
  EXPECT_EQ(pages[0].header_tone, Tone::kOk);
  EXPECT_EQ(pages[0].footer, U"Report ID 1234-567M");
  EXPECT_TRUE(pages[0].header_right.empty());
}

TEST(ReportPages, CouldNotComplete) {
  Report r = testing::SampleReport(Level::kBoot);
  r.status = RunStatus::kUnknown;
  r.evaluation.findings.clear();
  for (auto& p : r.probes) {
    if (p.status == ProbeStatus::kOk) p.status = ProbeStatus::kError;  // nothing measured
  }
  const auto pages = ReportPages(r, Lang::kZhCn, {30, 20});
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_EQ(pages[0].header, U("无法完成检测"));
  EXPECT_EQ(pages[0].header_tone, Tone::kUnknown);
}

TEST(ReportPages, SomeChecksIncompleteIsAmberAndNamesThem) {
  Report r = testing::SampleReport(Level::kBoot);
  r.status = RunStatus::kUnknown;  // the power probe measured; printer and reader did not finish
  r.evaluation.findings.clear();
  const auto pages = ReportPages(r, Lang::kZhCn, {30, 20});
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_EQ(pages[0].header, U("部分检测未完成"));
  EXPECT_EQ(pages[0].header_tone, Tone::kWarning);
  std::u32string body;
  for (const auto& line : pages[0].body) body += line.text;
  EXPECT_NE(body.find(U("打印机、读卡器")), std::u32string::npos);
  EXPECT_NE(body.find(U("请重启终端")), std::u32string::npos);
  EXPECT_EQ(body.find(U("未发现故障")), std::u32string::npos);
}

TEST(ReportPages, FindingsMostSevereFirstWithCodeTitleAndRemedy) {
  const Report r = testing::SampleReport(Level::kMerchant);
  const auto pages = ReportPages(r, Lang::kEn, {60, 17});
  ASSERT_EQ(pages.size(), 1u);
  EXPECT_EQ(pages[0].header_tone, Tone::kError);
  const auto& body = pages[0].body;
  ASSERT_GE(body.size(), 6u);
  EXPECT_EQ(body[0].tag, U"E1");
  EXPECT_EQ(body[0].text, U"Terminal overheated");
  EXPECT_EQ(body[0].tag_tone, Tone::kError);
  EXPECT_EQ(body[1].text, U"Switch off and let it cool for ten minutes");
  EXPECT_EQ(pages[0].header, U"Critical fault · 3 found");
  EXPECT_EQ(body[1].tone, Tone::kDim);
  // The warning is last and amber.
  const auto last_tag =
      std::find_if(body.rbegin(), body.rend(), [](const LayoutLine& l) { return !l.tag.empty(); });
  EXPECT_EQ(last_tag->tag, U"P6");
  EXPECT_EQ(last_tag->tag_tone, Tone::kWarning);
}

TEST(ReportPages, PagesWhenFindingsDoNotFitAndNeverSplitOne) {
  Report r = testing::SampleReport(Level::kMerchant);
  for (int i = 0; i < 9; ++i) r.evaluation.findings.push_back(r.evaluation.findings[i % 3]);
  for (const Cells size : {Cells{29, 20}, Cells{39, 15}, Cells{59, 17}, Cells{80, 24}}) {
    const auto pages = ReportPages(r, Lang::kZhCn, size);
    ASSERT_GT(pages.size(), 1u) << size.columns << "x" << size.rows;
    std::size_t tags = 0;
    for (std::size_t i = 0; i < pages.size(); ++i) {
      const Page& page = pages[i];
      EXPECT_EQ(page.header_right,
                DecodeUtf8(std::to_string(i + 1) + "/" + std::to_string(pages.size())));
      EXPECT_LE(page.body.size(), static_cast<std::size_t>(size.rows - 2));
      ASSERT_FALSE(page.body.empty());
      // A page starts with a finding, or (the last) with the checks that could not complete.
      EXPECT_TRUE(!page.body.front().tag.empty() ||
                  (i + 1 == pages.size() && page.body.front().tone == Tone::kWarning))
          << "page " << i;
      for (const auto& line : page.body) {
        EXPECT_TRUE(LineFits(line, size)) << drivers::display::EncodeUtf8(line.text);
        tags += line.tag.empty() ? 0 : 1;
      }
      EXPECT_LE(CellWidth(page.header) + CellWidth(page.header_right), size.columns);
    }
    EXPECT_EQ(tags, r.evaluation.findings.size()) << "every finding on some page, once";
  }
}

TEST(ReportPages, ReportDataIsMadeSafeForTheScreen) {
  Report r = testing::SampleReport(Level::kMerchant);
  r.evaluation.findings.resize(1);
  r.evaluation.findings[0].title.en = "Card 4111111111111111 read\nagain";
  const auto pages = ReportPages(r, Lang::kEn, {80, 24});
  const std::string title = drivers::display::EncodeUtf8(pages[0].body[0].text);
  EXPECT_EQ(title.find("4111111111111111"), std::string::npos) << title;
  EXPECT_EQ(title.find('\n'), std::string::npos);
}

TEST(MessagePage, WrapsToTheScreen) {
  const Page page = MessagePage("请在 30 秒内刷卡，或按取消键跳过此项测试", Lang::kZhCn, {20, 10});
  EXPECT_EQ(page.header, U("提示"));
  ASSERT_GE(page.body.size(), 3u);
  for (const auto& line : page.body) EXPECT_LE(CellWidth(line.text), 20);
}

}  // namespace
}  // namespace posdiag::agent
