// Runs a command line for the end-to-end tests and captures its exit status, stdout and stderr.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace posdiag::e2e {

struct Outcome {
  int exit_status = -1;
  std::string out;
  std::string err;
};

inline std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

inline Outcome RunCommand(const std::vector<std::string>& argv) {
  const std::filesystem::path err_file =
      std::filesystem::temp_directory_path() /
      ("posdiag_e2e_stderr_" + std::to_string(::getpid()) + ".txt");
  std::string command;
  for (const auto& a : argv) command += ShellQuote(a) + " ";
  command += "2>" + ShellQuote(err_file.string());
  Outcome o;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return o;
  char buf[4096];
  std::size_t n = 0;
  while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) o.out.append(buf, n);
  const int status = ::pclose(pipe);
  o.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  std::ifstream err(err_file, std::ios::binary);
  o.err.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>());
  std::filesystem::remove(err_file);
  return o;
}

}  // namespace posdiag::e2e
