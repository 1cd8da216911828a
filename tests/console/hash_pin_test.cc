// `posdiag console hash-pin`, the real binary: the PIN goes in on stdin, a hash that verifies comes
// out, and the PIN itself is printed nowhere.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "agent/modes/pin_hash.h"

namespace posdiag::agent {
namespace {

struct Ran {
  int status = -1;
  std::string out;  // stdout and stderr
};

Ran HashPin(const std::string& stdin_text, const std::string& args) {
  const std::string command = "printf '%s' '" + stdin_text + "' | '" + POSDIAG_BINARY +
                              "' console hash-pin " + args + " 2>&1";
  Ran ran;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return ran;
  char buffer[512];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) ran.out.append(buffer, n);
  const int status = ::pclose(pipe);
  ran.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return ran;
}

TEST(HashPin, PrintsAHashThatVerifies) {
  const Ran ran = HashPin("482915\n", "--iterations 1000");
  ASSERT_EQ(ran.status, 0) << ran.out;
  ASSERT_FALSE(ran.out.empty());
  EXPECT_EQ(ran.out.back(), '\n');
  EXPECT_EQ(ran.out.find("482915"), std::string::npos);
  auto hash = ParsePinHash(ran.out.substr(0, ran.out.size() - 1));
  ASSERT_TRUE(hash) << hash.error().detail;
  EXPECT_EQ(hash->iterations, 1000u);
  EXPECT_TRUE(VerifyPin(*hash, "482915"));
  EXPECT_FALSE(VerifyPin(*hash, "482916"));
}

TEST(HashPin, DefaultIterations) {
  const Ran ran = HashPin("1234\r\n", "");  // a CRLF from a Windows clipboard is not part of it
  ASSERT_EQ(ran.status, 0) << ran.out;
  auto hash = ParsePinHash(ran.out.substr(0, ran.out.size() - 1));
  ASSERT_TRUE(hash) << hash.error().detail;
  EXPECT_EQ(hash->iterations, kDefaultPinIterations);
  EXPECT_TRUE(VerifyPin(*hash, "1234"));
}

TEST(HashPin, RefusesABadPinOrIterations) {
  EXPECT_EQ(HashPin("\n", "").status, 3);
  EXPECT_EQ(HashPin("12 34\n", "").status, 3);
  EXPECT_EQ(HashPin("1234\n", "--iterations 5").status, 3);
}

}  // namespace
}  // namespace posdiag::agent
