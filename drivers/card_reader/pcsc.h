// The reader as pcscd sees it, through PC/SC (libpcsclite). Used when pcscd holds the reader: the
// agent then asks pcscd instead of claiming the interface it owns.
#pragma once

#include <string>
#include <vector>

#include "drivers/base/clock.h"
#include "drivers/base/result.h"

namespace posdiag::drivers::card_reader {

struct PcscReaderState {
  std::string name;
  bool present = false;  // a card is in the slot
  bool mute = false;     // pcscd could not get an ATR from it
  bool in_use = false;   // an application has the card open
  bool exclusive = false;
};

// Every reader pcscd knows with its card state; the status query waits at most until the
// deadline. kNotFound when pcscd is not running or knows no reader.
Result<std::vector<PcscReaderState>> ReadPcscReaders(io::Deadline deadline);

}  // namespace posdiag::drivers::card_reader
