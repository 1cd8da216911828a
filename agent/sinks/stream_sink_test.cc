#include "agent/sinks/stream_sink.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

#include "agent/sinks/json_report.h"
#include "agent/sinks/sample_report.h"
#include "agent/sinks/text_report.h"

namespace posdiag::agent {
namespace {

using ::testing::HasSubstr;

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

std::string ReadAll(std::FILE* f) {
  std::rewind(f);
  std::string text;
  char buf[4096];
  for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) text.append(buf, n);
  return text;
}

TEST(StreamSinkTest, WritesTheChosenRendering) {
  const Report report = testing::SampleReport(Level::kMerchant);
  File text_file(std::tmpfile());
  File json_file(std::tmpfile());
  ASSERT_TRUE(text_file && json_file);

  StreamSink text(text_file.get(), ReportFormat::kText, rules::Lang::kEn);
  StreamSink json(json_file.get(), ReportFormat::kJson, rules::Lang::kEn, "serial");
  EXPECT_EQ(text.Name(), "stdout");
  EXPECT_EQ(json.Name(), "serial");
  ASSERT_TRUE(text.Write(report).ok());
  ASSERT_TRUE(json.Write(report).ok());
  EXPECT_EQ(ReadAll(text_file.get()), RenderText(report, rules::Lang::kEn));
  EXPECT_EQ(ReadAll(json_file.get()), RenderJson(report));
}

TEST(StreamSinkTest, AFullDiskIsAnErrorNotAnException) {
  File full(std::fopen("/dev/full", "w"));
  if (!full) GTEST_SKIP() << "no /dev/full";
  StreamSink sink(full.get(), ReportFormat::kJson, rules::Lang::kZhCn, "display");
  Result<void> written = Ok();
  ASSERT_NO_THROW(written = sink.Write(testing::SampleReport()));
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().kind, ErrorKind::kIo);
  EXPECT_THAT(written.error().Message(), HasSubstr("display: "));
  EXPECT_THAT(written.error().Message(), HasSubstr("No space left on device"));
  // The sink stays usable: the next report gets its own attempt and its own error.
  EXPECT_FALSE(sink.Write(testing::SampleReport()).ok());
}

TEST(StreamSinkTest, AStreamOpenForReadingIsAnError) {
  File read_only(std::fopen("/dev/null", "r"));
  ASSERT_TRUE(read_only);
  StreamSink sink(read_only.get(), ReportFormat::kText, rules::Lang::kEn);
  const auto written = sink.Write(testing::SampleReport(Level::kBoot));
  ASSERT_FALSE(written.ok());
  EXPECT_THAT(written.error().Message(), HasSubstr("stdout: "));
}

TEST(StreamSinkTest, NoStreamIsAnError) {
  StreamSink sink(nullptr, ReportFormat::kText, rules::Lang::kEn);
  const auto written = sink.Write(testing::SampleReport());
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().kind, ErrorKind::kInvalid);
}

TEST(StreamSinkTest, FormatNames) {
  ReportFormat f = ReportFormat::kText;
  EXPECT_TRUE(ParseReportFormat("json", f));
  EXPECT_EQ(f, ReportFormat::kJson);
  EXPECT_TRUE(ParseReportFormat("text", f));
  EXPECT_EQ(f, ReportFormat::kText);
  EXPECT_FALSE(ParseReportFormat("xml", f));
  EXPECT_EQ(ReportFormatName(ReportFormat::kJson), "json");
}

}  // namespace
}  // namespace posdiag::agent
