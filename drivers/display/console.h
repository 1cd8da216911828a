// A text console (a tty such as /dev/tty1 or a serial line): its size in cells, and bounded
// writes that give up at a deadline instead of blocking on a stalled terminal. What is written
// (plain text or ANSI colour) is the caller's; this only moves bytes.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string_view>

#include "drivers/base/clock.h"
#include "drivers/base/result.h"

namespace posdiag::drivers::display {

class TextConsole {
 public:
  // Opens a terminal for writing (not as the controlling tty, non-blocking); anything that is
  // not a terminal is kInvalid.
  static Result<std::unique_ptr<TextConsole>> Open(const std::filesystem::path& path);
  ~TextConsole();
  TextConsole(const TextConsole&) = delete;
  TextConsole& operator=(const TextConsole&) = delete;

  // Columns and rows the terminal reports (TIOCGWINSZ), else 80x24.
  int columns() const { return columns_; }
  int rows() const { return rows_; }

  // Writes all of `bytes` or fails: kTimeout when the terminal does not take them in time.
  Result<void> Write(std::string_view bytes, const io::Deadline& deadline);

 private:
  TextConsole(int fd, std::string name, int columns, int rows);

  int fd_;
  std::string name_;
  int columns_;
  int rows_;
};

}  // namespace posdiag::drivers::display
