// Reading the tail of the payment application's journal: the file may be large and is being
// appended to, so only its last bytes are read, bounded in size and under a deadline. Lines are
// returned as they are; parsing them is journal_line.h's job.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "drivers/base/clock.h"
#include "drivers/base/result.h"

namespace posdiag::drivers::journal {

struct TailOptions {
  std::size_t max_bytes = 256 * 1024;
  std::size_t max_lines = 2000;
};

struct Tail {
  // Oldest first, without their '\n'; empty lines are dropped. The last one may be a line the
  // application is still writing.
  std::vector<std::string> lines;
  // lines[0] is the file's first line (a CSV header, when the file has one).
  bool from_start = false;
};

// kNotFound / kPermission / kIo from the system, kInvalid for a file that is not regular,
// kTimeout when the deadline passes while reading. A UTF-8 byte order mark is dropped.
Result<Tail> ReadTail(const std::filesystem::path& path, const io::Deadline& deadline,
                      TailOptions options = {});

// The file's first line, read from at most max_bytes at its start (a CSV header when the tail
// does not reach back to it). kParse when no line ends within max_bytes.
Result<std::string> ReadFirstLine(const std::filesystem::path& path, const io::Deadline& deadline,
                                  std::size_t max_bytes = 8 * 1024);

}  // namespace posdiag::drivers::journal
