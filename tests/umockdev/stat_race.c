// What posdiag's probe threads do to umockdev's preload at once, many times over: one thread
// stats an emulated input device (a link to a pty in the test bed), others stat and open /sys
// and /dev paths. Run under umockdev-run with the keypad of tests/daemon and an evemu script
// attached (which makes /dev/input/event3 such a link). Without tests/umockdev/serialize.c the
// preload aborts in is_emulated_device within a few thousand rounds; with it, every round
// sees the device as the character device it emulates. Exit 0 when all rounds did, 1 if not.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum { kRounds = 20000, kOthers = 3 };

static int wrong;

static void* stat_device(void* unused) {
  (void)unused;
  for (int i = 0; i < kRounds; ++i) {
    struct stat st;
    if (lstat("/dev/input/event3", &st) != 0 || !S_ISCHR(st.st_mode)) {
      __atomic_add_fetch(&wrong, 1, __ATOMIC_RELAXED);
    }
  }
  return NULL;
}

static void* other_paths(void* unused) {
  (void)unused;
  for (int i = 0; i < kRounds; ++i) {
    struct stat st;
    (void)stat("/sys/class/input", &st);
    (void)lstat("/sys/devices/platform/gpio-keys/input/input3/name", &st);
    const int fd = open("/sys/devices/platform/gpio-keys/input/input3/name", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) close(fd);
    (void)access("/dev/ttyS9", F_OK);
    char link[64];
    (void)readlink("/proc/self/fd/0", link, sizeof link);
  }
  return NULL;
}

int main(void) {
  pthread_t threads[kOthers + 1];
  if (pthread_create(&threads[0], NULL, stat_device, NULL) != 0) return 2;
  for (int i = 1; i <= kOthers; ++i) {
    if (pthread_create(&threads[i], NULL, other_paths, NULL) != 0) return 2;
  }
  for (int i = 0; i <= kOthers; ++i) pthread_join(threads[i], NULL);
  if (wrong != 0) {
    fprintf(stderr, "stat_race: /dev/input/event3 was not a character device in %d of %d rounds\n",
            wrong, kRounds);
    return 1;
  }
  printf("stat_race: %d rounds, /dev/input/event3 a character device in each\n", kRounds);
  return 0;
}
