#include "drivers/io/companion.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <string>
#include <system_error>

#include "drivers/base/unique_fd.h"

extern char** environ;

#ifndef POSDIAG_LIBEXEC_FROM_BIN
#define POSDIAG_LIBEXEC_FROM_BIN "../libexec/posdiag"
#endif

namespace posdiag::io {
namespace {

bool IsRegularFile(const std::filesystem::path& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

Result<std::filesystem::path> FindCompanionFrom(const std::filesystem::path& binary_dir,
                                                std::string_view name) {
  if (binary_dir.empty()) {
    return Error{ErrorKind::kNotFound,
                 std::string(name) + ": not found (the binary's own path cannot be read)"};
  }
  const std::filesystem::path beside = binary_dir / name;
  if (IsRegularFile(beside)) return beside;
  const std::filesystem::path installed =
      (binary_dir / POSDIAG_LIBEXEC_FROM_BIN / name).lexically_normal();
  if (IsRegularFile(installed)) return installed;
  return Error{ErrorKind::kNotFound, std::string(name) + ": not found beside the binary (" +
                                         beside.string() + ") nor in " +
                                         installed.parent_path().string()};
}

Result<std::filesystem::path> FindCompanion(std::string_view name) {
  std::error_code ec;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return FindCompanionFrom(ec ? std::filesystem::path() : self.parent_path(), name);
}

namespace {

// posix_spawn's file actions, freed on every path.
class FileActions {
 public:
  FileActions() { ok_ = ::posix_spawn_file_actions_init(&actions_) == 0; }
  ~FileActions() {
    if (ok_) ::posix_spawn_file_actions_destroy(&actions_);
  }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  bool ok() const { return ok_; }
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_{};
  bool ok_ = false;
};

CompanionRun Ended(std::string output, int status) {
  CompanionRun run;
  run.output = std::move(output);
  if (WIFEXITED(status)) run.exit_status = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) run.signal = WTERMSIG(status);
  return run;
}

void Kill(pid_t pid) {
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
}

int Reap(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

}  // namespace

Result<CompanionRun> RunCompanion(const std::filesystem::path& program,
                                  const std::vector<std::string>& args, const CompanionIo& io,
                                  Deadline deadline) {
  // Said before spawning: where exec's failure shows only as the child's exit status (an
  // emulator, some C libraries), a missing program would look like a failed one.
  if (::access(program.c_str(), X_OK) != 0) return ErrnoError(program.string(), errno);
  int out_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return ErrnoError("pipe", errno);
  UniqueFd out_read(out_pipe[0]);
  UniqueFd out_write(out_pipe[1]);

  FileActions actions;
  if (!actions.ok()) return Error{ErrorKind::kIo, program.string() + ": spawn set-up failed"};
  int rc = 0;
  if (io.stdin_fd >= 0) {
    rc |= ::posix_spawn_file_actions_adddup2(actions.get(), io.stdin_fd, STDIN_FILENO);
  } else {
    rc |= ::posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  }
  rc |= ::posix_spawn_file_actions_adddup2(actions.get(), out_write.get(), STDOUT_FILENO);
  rc |= ::posix_spawn_file_actions_addopen(actions.get(), STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  if (io.extra_fd >= 0) rc |= ::posix_spawn_file_actions_adddup2(actions.get(), io.extra_fd, 3);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
  // Whatever this process inherited without close-on-exec stays here.
  rc |= ::posix_spawn_file_actions_addclosefrom_np(actions.get(), io.extra_fd >= 0 ? 4 : 3);
#endif
  if (rc != 0) return Error{ErrorKind::kIo, program.string() + ": spawn set-up failed"};

  std::vector<std::string> argv_text;
  argv_text.reserve(args.size() + 1);
  argv_text.push_back(program.filename().string());
  argv_text.insert(argv_text.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& a : argv_text) argv.push_back(a.data());
  argv.push_back(nullptr);

  // Its own process group, so whatever it starts goes with it when it is killed.
  posix_spawnattr_t attr;
  if (::posix_spawnattr_init(&attr) != 0) {
    return Error{ErrorKind::kIo, program.string() + ": spawn set-up failed"};
  }
  ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  ::posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = 0;
  rc = ::posix_spawn(&pid, program.c_str(), actions.get(), &attr, argv.data(), environ);
  ::posix_spawnattr_destroy(&attr);
  if (rc != 0) return ErrnoError(program.string(), rc);
  out_write.Reset();

  std::string output;
  std::array<char, 4096> buf{};
  for (;;) {
    pollfd p{out_read.get(), POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(deadline.Remaining().count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0 || (ready < 0 && deadline.Expired())) {
      Kill(pid);
      Reap(pid);
      return Error{ErrorKind::kTimeout,
                   program.filename().string() + ": no answer within its deadline"};
    }
    if (ready < 0) {
      const int err = errno;
      Kill(pid);
      Reap(pid);
      return ErrnoError("poll", err);
    }
    const ssize_t n = ::read(out_read.get(), buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // its end of the pipe closed (or broke): it is done talking
    if (output.size() + static_cast<std::size_t>(n) > io.max_output) {
      Kill(pid);
      Reap(pid);
      return Error{ErrorKind::kParse, program.filename().string() + ": more output than " +
                                          std::to_string(io.max_output) + " bytes"};
    }
    output.append(buf.data(), static_cast<std::size_t>(n));
  }
  // Its stdout is closed; it should be exiting. Wait for that within the deadline too.
  for (;;) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return Ended(std::move(output), status);
    if (done < 0 && errno != EINTR) return ErrnoError("waitpid", errno);
    if (deadline.Expired()) {
      Kill(pid);
      Reap(pid);
      return Error{ErrorKind::kTimeout,
                   program.filename().string() + ": did not exit within its deadline"};
    }
    ::usleep(200);
  }
}

}  // namespace posdiag::io
