#include "agent/fleet/outbox.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "agent/report_id.h"
#include "agent/sinks/temp_dir.h"

namespace posdiag::agent::fleet {
namespace {

std::string Payload(const std::string& id, std::size_t pad = 0) {
  return nlohmann::json{{"report_id", id}, {"pad", std::string(pad, 'x')}}.dump();
}

std::set<std::string> Ids(Outbox& outbox) {
  std::set<std::string> ids;
  auto items = outbox.List();
  EXPECT_TRUE(items);
  for (const auto& item : *items) {
    auto text = outbox.Read(item);
    if (text) ids.insert(nlohmann::json::parse(*text)["report_id"].get<std::string>());
  }
  return ids;
}

TEST(OutboxTest, SavedInOrderReadAndRemoved) {
  testing::TempDir dir;
  Outbox outbox(dir.path() / "outbox", 1 << 20);
  EXPECT_TRUE(outbox.List()->empty());  // not even created yet
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) {
    ids.push_back(NewReportId());
    ASSERT_TRUE(outbox.Put(ids.back(), Payload(ids.back())));
  }
  auto items = outbox.List();
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 12u);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_TRUE(IsOutboxName((*items)[i].name)) << (*items)[i].name;
    auto text = outbox.Read((*items)[i]);
    ASSERT_TRUE(text);
    EXPECT_EQ(nlohmann::json::parse(*text)["report_id"], ids[i]);  // oldest first
  }
  ASSERT_TRUE(outbox.Remove((*items)[0]));
  EXPECT_EQ(outbox.List()->size(), 11u);
  EXPECT_EQ(outbox.Dropped(), 0u);
}

TEST(OutboxTest, TheCapDropsTheOldestAndCountsThem) {
  testing::TempDir dir;
  Outbox outbox(dir.path(), 10 * 1024);
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    ids.push_back(NewReportId());
    ASSERT_TRUE(outbox.Put(ids.back(), Payload(ids.back(), 2300)));
  }
  const auto kept = Ids(outbox);
  EXPECT_EQ(kept.size(), 4u);  // 4 x 2.3 KB fit in 10 KB, 5 do not
  for (int i = 6; i < 10; ++i) EXPECT_TRUE(kept.count(ids[i])) << i;
  EXPECT_EQ(outbox.Dropped(), 6u);
  // The newest is kept even when it alone is over the cap.
  ASSERT_TRUE(outbox.Put(ids[0], Payload(ids[0], 20000)));
  EXPECT_EQ(Ids(outbox), std::set<std::string>{ids[0]});
  EXPECT_EQ(outbox.Dropped(), 10u);
}

TEST(OutboxTest, ACutWriteAndADamagedFileAreNeverSent) {
  testing::TempDir dir;
  Outbox outbox(dir.path(), 1 << 20);
  const std::string good = NewReportId();
  ASSERT_TRUE(outbox.Put(good, Payload(good)));
  std::ofstream(dir.path() / ".0000000002-NOID.json.99.tmp") << "{\"report_id\":";
  std::ofstream(dir.path() / "0000000003-NOID.json") << "{\"report_id\": \"ABCD-";
  std::ofstream(dir.path() / "notes.txt") << "not ours";
  auto items = outbox.List();
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 2u);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / ".0000000002-NOID.json.99.tmp"));
  EXPECT_TRUE(outbox.Read((*items)[0]));
  auto bad = outbox.Read((*items)[1]);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().kind, ErrorKind::kParse);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "0000000003-NOID.json.corrupt"));
  EXPECT_EQ(outbox.TakeProblems().size(), 1u);
  EXPECT_EQ(outbox.List()->size(), 1u);
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "notes.txt"));  // never touched
  // The next number is past the one set aside: a name is never used twice.
  ASSERT_TRUE(outbox.Put(good, Payload(good)));
  EXPECT_EQ(outbox.List()->back().name.substr(0, 10), "0000000004");
}

TEST(OutboxTest, KilledWhileWritingLeavesOnlyWholeReports) {
  testing::TempDir dir;
  for (int round = 0; round < 5; ++round) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      Outbox outbox(dir.path(), 64 << 20);
      for (;;) {
        const std::string id = NewReportId();
        (void)outbox.Put(id, Payload(id, 50000));
      }
    }
    ::usleep(static_cast<useconds_t>(20'000 + round * 7'000));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
  }
  Outbox outbox(dir.path(), 64 << 20);
  auto items = outbox.List();
  ASSERT_TRUE(items);
  EXPECT_GT(items->size(), 0u);
  for (const auto& item : *items) EXPECT_TRUE(outbox.Read(item)) << item.name;
  EXPECT_TRUE(outbox.TakeProblems().empty());
}

TEST(OutboxTest, ConcurrentWritersNeverShareAName) {
  testing::TempDir dir;
  std::vector<pid_t> children;
  for (int c = 0; c < 4; ++c) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      Outbox outbox(dir.path(), 64 << 20);
      int failed = 0;
      // Made-up IDs (a forked child would repeat its parent's generator): the names differ by
      // their sequence number alone.
      for (int i = 0; i < 25; ++i) {
        const std::string id = "child" + std::to_string(c) + "-" + std::to_string(i);
        if (!outbox.Put(id, Payload(id))) ++failed;
      }
      ::_exit(failed);
    }
    children.push_back(child);
  }
  for (pid_t child : children) {
    int status = 0;
    ::waitpid(child, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  Outbox outbox(dir.path(), 64 << 20);
  EXPECT_EQ(outbox.List()->size(), 100u);
  EXPECT_EQ(Ids(outbox).size(), 100u);
}

TEST(OutboxNameTest, OnlyNamesTheOutboxWrites) {
  EXPECT_TRUE(IsOutboxName("0000000042-NOID.json"));
  EXPECT_FALSE(IsOutboxName("42-NOID.json"));
  EXPECT_FALSE(IsOutboxName("0000000042-NOID.json.corrupt"));
  EXPECT_FALSE(IsOutboxName("000000004x-NOID.json"));
  EXPECT_FALSE(IsOutboxName("0000000042-.json"));
  EXPECT_FALSE(IsOutboxName("dropped"));
}

}  // namespace
}  // namespace posdiag::agent::fleet
