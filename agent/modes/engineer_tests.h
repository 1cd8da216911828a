// The interactive engineer tests the serial console offers: each asks the engineer to act (swipe a
// card, insert a chip card, press every key, look at the panel, take the slip), waits until the
// deadline and says what it saw. A test whose device is held by the payment application reports
// that and leaves the device alone; one the engineer does not act on by the deadline is kSkipped.
// Example:
//   EngineerTests tests(diagnoser, screen);
//   EngineerTestResult r = tests.Swipe(io::Deadline::In(std::chrono::seconds(30)));
#pragma once

#include <string>

#include "agent/modes/diagnose.h"
#include "agent/screen.h"
#include "drivers/base/clock.h"

namespace posdiag::agent {

struct EngineerTestResult {
  enum class Verdict { kPassed, kFailed, kSkipped, kError };
  Verdict verdict = Verdict::kError;
  // One line for the engineer. Never holds card data beyond a masked card number (6 + 4).
  std::string detail;
};

// "passed", "failed", "skipped", "error".
std::string_view VerdictName(EngineerTestResult::Verdict verdict);

class EngineerTests {
 public:
  // `screen` may be null (no display): the prompts then go to the console only.
  EngineerTests(const Diagnoser& diagnoser, Screen* screen);

  // Swipe a card through the magnetic-stripe reader ([magstripe] device): tracks, Luhn, masked PAN.
  EngineerTestResult Swipe(io::Deadline deadline);
  // Insert a chip card in the CCID reader ([card_reader]): slot status, power on, ATR, power off.
  EngineerTestResult Chip(io::Deadline deadline);
  // Press every configured key ([keys] diagnose, page_next, page_prev, back) once.
  EngineerTestResult Keys(io::Deadline deadline);
  // Colour bars and a frame on the display; passes when the screen drew it.
  EngineerTestResult DisplayPattern(io::Deadline deadline);
  // Print the test slip on the receipt printer ([printer]).
  EngineerTestResult TestSlip(io::Deadline deadline);

 private:
  void Prompt(std::string_view zh_cn, std::string_view en);

  const Diagnoser* diagnoser_;
  Screen* screen_;
};

}  // namespace posdiag::agent
