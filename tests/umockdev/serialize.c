// Preloaded ahead of umockdev's libumockdev-preload (0.17.16, Debian 12) by
// tests/umockdev/umockdev-run-serialized: one call at a time through every function of umockdev
// that maps a /dev or /sys path into its test bed, and through close().
//
// Why: the preload maps a path into one static buffer. Its stat wrappers release their lock
// before they look at that buffer again (is_emulated_device, then get_rdev with its own static
// buffers), and its file-descriptor tables are changed without a lock. posdiag runs its probes
// on threads that stat and open serial ports and input devices at the same time, so now and
// then one thread read another's path: "is_emulated_device: Assertion `res > 0' failed" and a
// dead posdiag. That is the test bed's fault, not posdiag's; on a terminal there is no preload.
//
// Each wrapper takes one recursive lock (the preload calls some of these itself) and hands the
// call to the next definition (umockdev's, then the C library's). Calls that may block for long
// (read, write, ioctl, poll) are not wrapped. open() is: posdiag opens every device and file with
// O_NONBLOCK, so holding the lock across it holds no other thread for long.
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <unistd.h>

static pthread_mutex_t serialize_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

// The next definition of NAME after this library's, looked up once.
#define NEXT(name)                                                         \
  static __typeof__(&name) next_##name;                                    \
  if (next_##name == NULL) {                                               \
    next_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name);              \
    if (next_##name == NULL) {                                             \
      static const char kMissing[] = "umockdev-serialize: no " #name "\n"; \
      (void)!write(2, kMissing, sizeof kMissing - 1);                      \
      abort();                                                             \
    }                                                                      \
  }

#define LOCKED(call)                     \
  pthread_mutex_lock(&serialize_lock);   \
  __typeof__(call) result = call;        \
  pthread_mutex_unlock(&serialize_lock); \
  return result

// Functions with a path and up to three more arguments.
#define WRAP1(ret, name, t1) \
  ret name(t1 a1) {          \
    NEXT(name);              \
    LOCKED(next_##name(a1)); \
  }
#define WRAP2(ret, name, t1, t2) \
  ret name(t1 a1, t2 a2) {       \
    NEXT(name);                  \
    LOCKED(next_##name(a1, a2)); \
  }
#define WRAP3(ret, name, t1, t2, t3) \
  ret name(t1 a1, t2 a2, t3 a3) {    \
    NEXT(name);                      \
    LOCKED(next_##name(a1, a2, a3)); \
  }
#define WRAP4(ret, name, t1, t2, t3, t4) \
  ret name(t1 a1, t2 a2, t3 a3, t4 a4) { \
    NEXT(name);                          \
    LOCKED(next_##name(a1, a2, a3, a4)); \
  }
#define WRAP5(ret, name, t1, t2, t3, t4, t5)    \
  ret name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5) { \
    NEXT(name);                                 \
    LOCKED(next_##name(a1, a2, a3, a4, a5));    \
  }

// The C library's older and checked entry points, which headers no longer declare.
int __xstat(int, const char*, struct stat*);
int __xstat64(int, const char*, struct stat64*);
int __lxstat(int, const char*, struct stat*);
int __lxstat64(int, const char*, struct stat64*);
int __open_2(const char*, int);
int __open64_2(const char*, int);
char* __realpath_chk(const char*, char*, size_t);
ssize_t __readlinkat_chk(int, const char*, char*, size_t, size_t);
char* __getcwd_chk(char*, size_t, size_t);

WRAP2(int, stat, const char*, struct stat*)
WRAP2(int, lstat, const char*, struct stat*)
WRAP2(int, stat64, const char*, struct stat64*)
WRAP2(int, lstat64, const char*, struct stat64*)
WRAP3(int, __xstat, int, const char*, struct stat*)
WRAP3(int, __xstat64, int, const char*, struct stat64*)
WRAP3(int, __lxstat, int, const char*, struct stat*)
WRAP3(int, __lxstat64, int, const char*, struct stat64*)
WRAP4(int, fstatat, int, const char*, struct stat*, int)
WRAP4(int, fstatat64, int, const char*, struct stat64*, int)
WRAP5(int, statx, int, const char*, int, unsigned int, struct statx*)
WRAP2(int, statfs, const char*, struct statfs*)
WRAP2(int, statfs64, const char*, struct statfs64*)
WRAP2(int, access, const char*, int)
WRAP3(ssize_t, readlink, const char*, char*, size_t)
WRAP4(ssize_t, readlinkat, int, const char*, char*, size_t)
WRAP5(ssize_t, __readlinkat_chk, int, const char*, char*, size_t, size_t)
WRAP2(char*, realpath, const char*, char*)
WRAP3(char*, __realpath_chk, const char*, char*, size_t)
WRAP1(char*, canonicalize_file_name, const char*)
WRAP1(DIR*, opendir, const char*)
WRAP2(int, mkdir, const char*, mode_t)
WRAP2(int, chmod, const char*, mode_t)
WRAP1(int, chdir, const char*)
WRAP2(char*, getcwd, char*, size_t)
WRAP3(char*, __getcwd_chk, char*, size_t, size_t)
WRAP4(ssize_t, getxattr, const char*, const char*, void*, size_t)
WRAP4(ssize_t, lgetxattr, const char*, const char*, void*, size_t)
WRAP3(int, inotify_add_watch, int, const char*, uint32_t)
WRAP2(FILE*, fopen, const char*, const char*)
WRAP2(FILE*, fopen64, const char*, const char*)
WRAP2(int, __open_2, const char*, int)
WRAP2(int, __open64_2, const char*, int)
WRAP1(int, close, int)

// The open family takes a mode only with O_CREAT or O_TMPFILE.
static mode_t mode_of(int flags, va_list args) {
  return (flags & (O_CREAT | O_TMPFILE)) != 0 ? (mode_t)va_arg(args, int) : 0;
}

// PARAMS ends in `int flags, ...`; ARGS passes them on with the mode.
#define WRAP_OPEN(name, params, args)         \
  int name params {                           \
    NEXT(name);                               \
    va_list rest;                             \
    va_start(rest, flags);                    \
    const mode_t mode = mode_of(flags, rest); \
    va_end(rest);                             \
    LOCKED(next_##name args);                 \
  }

WRAP_OPEN(open, (const char* path, int flags, ...), (path, flags, mode))
WRAP_OPEN(open64, (const char* path, int flags, ...), (path, flags, mode))
WRAP_OPEN(openat, (int dir, const char* path, int flags, ...), (dir, path, flags, mode))
WRAP_OPEN(openat64, (int dir, const char* path, int flags, ...), (dir, path, flags, mode))
