// Both journal line parsers, and the time parser, must turn any bytes into an entry or an error,
// never a crash or a hang.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "drivers/journal/journal_line.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace j = posdiag::drivers::journal;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const j::FieldNames names;
  (void)j::ParseJsonLine(text, names);
  (void)j::ParseTime(text, 8 * 3600);
  (void)j::SplitCsvRecord(text);
  // The first line is a CSV header, the rest a record read against it.
  const std::size_t nl = text.find('\n');
  if (nl != std::string_view::npos) {
    auto header = j::SplitCsvRecord(text.substr(0, nl));
    if (header) {
      auto columns = j::ResolveCsvColumns(names, &*header);
      if (columns) (void)j::ParseCsvLine(text.substr(nl + 1), *columns);
    }
  }
  j::CsvColumns numbered;
  numbered.time = 0;
  numbered.code = 2;
  numbered.type = 1;
  numbered.amount = 3;
  (void)j::ParseCsvLine(text, numbered);
  return 0;
}
