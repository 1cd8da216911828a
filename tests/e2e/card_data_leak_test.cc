// No card data escapes: a test card with a known number is swiped through the whole agent
// (posdiag selftest at engineer level in the simulated terminal, swipe-ok scenario), and then
// every report (text and JSON), stdout, stderr and every file the run left behind (log, history,
// config, fixture tree) is searched for the full card number, the raw tracks and the cardholder
// name. The masked number may appear; nothing else may.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/e2e/run_command.h"

namespace posdiag::e2e {
namespace {

// The swipe of tests/sim/scenarios/swipe-ok.sh.
constexpr const char* kPan = "6222021234567890128";
constexpr const char* kMasked = "622202*********0128";
const std::vector<std::string> kNeedles = {
    kPan,
    "B6222021234567890128^ZHANG/SAN^2712101123456789",  // track 1
    "6222021234567890128=27121011234567890",            // track 2
    "ZHANG/SAN",                                        // the cardholder's name
    "2712101123456789",                                 // expiry, service code, discretionary
};

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// "where: needle" for every needle found in text.
void Search(const std::string& where, const std::string& text, std::vector<std::string>& found) {
  for (const auto& needle : kNeedles) {
    if (text.find(needle) != std::string::npos) found.push_back(where + ": " + needle);
  }
}

// Every regular file under dir; returns how many were searched.
int SearchTree(const std::filesystem::path& dir, std::vector<std::string>& found) {
  int files = 0;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
    Search(it->path().string(), ReadAll(it->path()), found);
    ++files;
  }
  return files;
}

// The directory `posdiag-sim run --keep` names on stderr.
std::filesystem::path KeptDir(const std::string& err) {
  const std::string tag = "posdiag-sim: keeping ";
  const auto at = err.find(tag);
  if (at == std::string::npos) return {};
  const auto eol = err.find('\n', at);
  return err.substr(at + tag.size(), eol - at - tag.size());
}

TEST(CardDataLeak, TheSearchFindsCardDataWhereItIs) {
  // The search itself can fail: planted card data is found in output and in a file.
  std::vector<std::string> found;
  Search("stdout", std::string("report: card ") + kPan + " read", found);
  const auto dir =
      std::filesystem::temp_directory_path() / ("posdiag_leak_plant_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "log");
  std::ofstream(dir / "log" / "posdiag.log") << ";6222021234567890128=27121011234567890?\n";
  EXPECT_EQ(SearchTree(dir, found), 1);
  std::filesystem::remove_all(dir);
  EXPECT_EQ(found.size(), 4u);  // the number in both, the track and its tail in the file
}

TEST(CardDataLeak, ASwipedCardAppearsNowhereButMasked) {
  struct Run {
    std::vector<std::string> args;
    bool json;
  };
  const std::vector<Run> runs = {
      {{"--format", "json"}, true},
      {{"--format", "text", "--lang", "en"}, false},
      {{"--format", "text", "--lang", "zh-CN"}, false},
  };
  for (const auto& run : runs) {
    std::vector<std::string> argv = {POSDIAG_SIM,    "run",    "swipe-ok", "--posdiag",
                                     POSDIAG_BINARY, "--keep", "--level",  "engineer"};
    argv.insert(argv.end(), run.args.begin(), run.args.end());
    const Outcome o = RunCommand(argv);
    const std::filesystem::path kept = KeptDir(o.err);
    ASSERT_FALSE(kept.empty()) << o.err;
    EXPECT_EQ(o.exit_status, 0) << o.out << o.err;

    // The swipe went through the agent: the report carries the masked number.
    EXPECT_NE(o.out.find(kMasked), std::string::npos) << o.out;
    if (run.json) {
      EXPECT_NE(o.out.find("\"magstripe.swiped\": true"), std::string::npos) << o.out;
    }
    // The log and the history were written, so searching them means something.
    std::vector<std::string> found;
    EXPECT_GT(SearchTree(kept / "log", found), 0) << "no log under " << kept;
    EXPECT_GT(SearchTree(kept / "history", found), 0) << "no history under " << kept;
    found.clear();  // searched again below with everything else
    Search("stdout", o.out, found);
    Search("stderr", o.err, found);
    const int files = SearchTree(kept, found);
    EXPECT_GT(files, 10);
    for (const auto& f : found) ADD_FAILURE() << "card data found in " << f;
    std::filesystem::remove_all(kept);
  }
}

}  // namespace
}  // namespace posdiag::e2e
