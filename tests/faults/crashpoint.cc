// A crash-point shim (LD_PRELOAD): counts the writes to regular files, the fsyncs and the renames
// a process makes, and kills it with SIGKILL right after the N-th one, as a power cut would stop
// it there. POSDIAG_CRASH_AT=N (0 or unset: never); POSDIAG_CRASH_COUNT=FILE: the number of such
// operations is written there at exit, whether by exit() or _exit() (a self-test ends with
// _exit once its output is durable: the run that finds how many points there are). Only what
// the program calls through libc is seen, which is every write posdiag makes to its log, history
// and outbox (write(2), not stdio).
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>

namespace {

std::atomic<long> points{0};
long crash_at = 0;

void CountPoint() {
  const long n = points.fetch_add(1) + 1;
  if (crash_at > 0 && n == crash_at) std::raise(SIGKILL);
}

bool Regular(int fd) {
  struct stat st {};
  return ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

template <typename F>
F Next(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

__attribute__((constructor)) void Init() {
  const char* at = std::getenv("POSDIAG_CRASH_AT");
  crash_at = at != nullptr ? std::atol(at) : 0;
}

void WriteCount() {
  const char* out = std::getenv("POSDIAG_CRASH_COUNT");
  if (out == nullptr) return;
  if (std::FILE* f = std::fopen(out, "w")) {
    std::fprintf(f, "%ld\n", points.load());
    std::fclose(f);
  }
}

__attribute__((destructor)) void Fini() { WriteCount(); }

}  // namespace

extern "C" {

void _exit(int status) {
  static auto real = Next<void (*)(int)>("_exit");
  WriteCount();
  real(status);
  __builtin_unreachable();
}

ssize_t write(int fd, const void* buf, size_t n) {
  static auto real = Next<ssize_t (*)(int, const void*, size_t)>("write");
  const bool counted = Regular(fd);
  const ssize_t r = real(fd, buf, n);
  if (counted) CountPoint();
  return r;
}

int fsync(int fd) {
  static auto real = Next<int (*)(int)>("fsync");
  const int r = real(fd);
  CountPoint();
  return r;
}

int fdatasync(int fd) {
  static auto real = Next<int (*)(int)>("fdatasync");
  const int r = real(fd);
  CountPoint();
  return r;
}

int rename(const char* from, const char* to) noexcept {
  static auto real = Next<int (*)(const char*, const char*)>("rename");
  const int r = real(from, to);
  CountPoint();
  return r;
}

int renameat(int a, const char* from, int b, const char* to) noexcept {
  static auto real = Next<int (*)(int, const char*, int, const char*)>("renameat");
  const int r = real(a, from, b, to);
  CountPoint();
  return r;
}

}  // extern "C"
