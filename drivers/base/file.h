// posdiag's own files (config, rule files, history entries, the outbox): read whole, bounded,
// regular files only, so a FIFO or device named by mistake cannot hang a run and a huge file
// cannot exhaust memory; written atomically under a directory lock.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "drivers/base/result.h"
#include "drivers/base/unique_fd.h"

namespace posdiag::io {

struct ReadFileOptions {
  std::size_t max_bytes = 1 << 20;
  bool follow_symlinks = true;
};

// The file's bytes. kNotFound / kPermission / kIo from the system; kInvalid for a file that is not
// regular or is larger than max_bytes. Messages start with the path.
Result<std::string> ReadFileBounded(const std::filesystem::path& path,
                                    ReadFileOptions options = {});

// Holds an exclusive flock on the directory (the fd keeps it; closing lets it go). Waits up to
// `wait` for another holder, then kBusy: the history and the outbox serialise their writers so.
Result<UniqueFd> LockDirectory(const std::filesystem::path& dir, std::chrono::milliseconds wait);

// Writes `text` to dir/name through a temp file (".NAME.PID.tmp": fsync, rename, fsync of the
// directory), so that the name only ever holds a complete file, through a power cut too.
Result<void> WriteFileAtomically(const std::filesystem::path& dir, const std::string& name,
                                 std::string_view text);

// Renames dir/name to dir/name.corrupt, never over an existing file. Returns `problem` with what
// became of it ("; set aside as NAME.corrupt").
std::string SetAside(const std::filesystem::path& dir, const std::string& name,
                     std::string problem);

}  // namespace posdiag::io
