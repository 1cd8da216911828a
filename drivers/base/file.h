// Reading posdiag's own files (config, rule files, history entries): whole, bounded, regular
// files only, so a FIFO or device named by mistake cannot hang a run and a huge file cannot
// exhaust memory.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "drivers/base/result.h"

namespace posdiag::io {

struct ReadFileOptions {
  std::size_t max_bytes = 1 << 20;
  bool follow_symlinks = true;
};

// The file's bytes. kNotFound / kPermission / kIo from the system; kInvalid for a file that is not
// regular or is larger than max_bytes. Messages start with the path.
Result<std::string> ReadFileBounded(const std::filesystem::path& path,
                                    ReadFileOptions options = {});

}  // namespace posdiag::io
