// `posdiag console hash-pin`, the real binary: the PIN goes in on stdin, a hash that verifies comes
// out, and the PIN itself is printed nowhere.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "agent/modes/pin_hash.h"

namespace posdiag::agent {
namespace {

struct Ran {
  int status = -1;
  std::string out;  // stdout only: the hash, nothing else
  std::string err;  // stderr: errors, and the cost warning on a slow machine
};

std::string Slurp(const std::string& path) {
  std::string text;
  if (FILE* file = std::fopen(path.c_str(), "r")) {
    char buffer[512];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, file)) > 0) text.append(buffer, n);
    std::fclose(file);
  }
  return text;
}

Ran HashPin(const std::string& stdin_text, const std::string& args) {
  const std::string err_path =
      ::testing::TempDir() + "hash_pin_" + std::to_string(::getpid()) + ".err";
  const std::string command = "printf '%s' '" + stdin_text + "' | '" + POSDIAG_BINARY +
                              "' console hash-pin " + args + " 2>'" + err_path + "'";
  Ran ran;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return ran;
  char buffer[512];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) ran.out.append(buffer, n);
  const int status = ::pclose(pipe);
  ran.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  ran.err = Slurp(err_path);
  std::remove(err_path.c_str());
  return ran;
}

TEST(HashPin, PrintsAHashThatVerifies) {
  const Ran ran = HashPin("482915\n", "--iterations 1000");
  ASSERT_EQ(ran.status, 0) << ran.err;
  ASSERT_FALSE(ran.out.empty());
  EXPECT_EQ(ran.out.back(), '\n');
  EXPECT_EQ(ran.out.find("482915"), std::string::npos);
  EXPECT_EQ(ran.err.find("482915"), std::string::npos);
  auto hash = ParsePinHash(ran.out.substr(0, ran.out.size() - 1));
  ASSERT_TRUE(hash) << hash.error().detail;
  EXPECT_EQ(hash->iterations, 1000u);
  EXPECT_EQ(PinMatches(*hash, "482915").value_or(false), true);
  EXPECT_EQ(PinMatches(*hash, "482916").value_or(true), false);
}

TEST(HashPin, DefaultIterations) {
  // A CRLF from a Windows clipboard is not part of it. On a slow machine (or under an emulator) the
  // default count may bring a cost warning: it goes to stderr, and stdout stays the hash alone.
  const Ran ran = HashPin("1234\r\n", "");
  ASSERT_EQ(ran.status, 0) << ran.err;
  auto hash = ParsePinHash(ran.out.substr(0, ran.out.size() - 1));
  ASSERT_TRUE(hash) << hash.error().detail;
  EXPECT_EQ(hash->iterations, kDefaultPinIterations);
  EXPECT_EQ(PinMatches(*hash, "1234").value_or(false), true);
}

TEST(HashPin, RefusesABadPinOrIterations) {
  EXPECT_EQ(HashPin("\n", "").status, 3);
  EXPECT_EQ(HashPin("12 34\n", "").status, 3);
  EXPECT_EQ(HashPin("1234\n", "--iterations 5").status, 3);
}

}  // namespace
}  // namespace posdiag::agent
