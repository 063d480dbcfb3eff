/*
 * owner-log: records the chowns of a RUN step that runs under plain proot (musl and static images,
 * where no libfakeroot loads), so that the layer holds the owners the step gave its files.
 *
 * Preloaded into the image's programs. Each chown, lchown, fchown and fchownat still makes its
 * system call (proot -0 makes it succeed, as root's would); when it succeeds, one line
 * "DEV INO UID GID" (device and inode of the file chowned, -1 for an id left as it was) is appended
 * to the file $LADING_OWNER_LOG names. Lading maps the inodes to paths with the tree it reads after
 * the step, so a file chowned and then renamed (apk extracts under a temporary name) keeps its owner.
 *
 * Built freestanding (no libc at link time): it calls only syscall() and getenv(), which glibc and
 * musl both export unversioned, so one build loads into the programs of either C library.
 */
#define _GNU_SOURCE /* AT_EMPTY_PATH */
#include <fcntl.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <sys/types.h>

long syscall(long number, ...);
char *getenv(const char *name);

#define EXPORT __attribute__((visibility("default")))

/* The kernel's struct stat begins with st_dev and st_ino on every 64-bit architecture. */
struct stat_head {
  unsigned long dev;
  unsigned long ino;
  unsigned long rest[30];
};

static char *put_number(char *p, long long value) {
  char digits[24];
  int n = 0;
  unsigned long long v;
  if (value < 0) {
    *p++ = '-';
    v = (unsigned long long) -value;
  } else {
    v = (unsigned long long) value;
  }
  do {
    digits[n++] = (char) ('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) {
    *p++ = digits[--n];
  }
  return p;
}

static void record(const struct stat_head *st, uid_t uid, gid_t gid) {
  const char *log = getenv("LADING_OWNER_LOG");
  if (log == NULL || log[0] == '\0') {
    return;
  }
  char line[128];
  char *p = line;
  p = put_number(p, (long long) st->dev);
  *p++ = ' ';
  p = put_number(p, (long long) st->ino);
  *p++ = ' ';
  p = put_number(p, uid == (uid_t) -1 ? -1 : (long long) uid);
  *p++ = ' ';
  p = put_number(p, gid == (gid_t) -1 ? -1 : (long long) gid);
  *p++ = '\n';
  /* One write of one short line with O_APPEND: lines of concurrent processes never interleave. */
  long fd = syscall(SYS_openat, (long) AT_FDCWD, log, (long) (O_WRONLY | O_APPEND | O_CLOEXEC));
  if (fd >= 0) {
    syscall(SYS_write, fd, line, (size_t) (p - line));
    syscall(SYS_close, fd);
  }
}

static int chown_at(int dirfd, const char *path, uid_t uid, gid_t gid, int flags) {
  long result = syscall(SYS_fchownat, (long) dirfd, path, (long) uid, (long) gid, (long) flags);
  if (result == 0) {
    struct stat_head st;
    if (syscall(SYS_newfstatat, (long) dirfd, path, &st, (long) (flags & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))) == 0) {
      record(&st, uid, gid);
    }
  }
  return (int) result;
}

EXPORT int chown(const char *path, uid_t uid, gid_t gid) {
  return chown_at(AT_FDCWD, path, uid, gid, 0);
}

EXPORT int lchown(const char *path, uid_t uid, gid_t gid) {
  return chown_at(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW);
}

EXPORT int fchownat(int dirfd, const char *path, uid_t uid, gid_t gid, int flags) {
  return chown_at(dirfd, path, uid, gid, flags);
}

EXPORT int fchown(int fd, uid_t uid, gid_t gid) {
  long result = syscall(SYS_fchown, (long) fd, (long) uid, (long) gid);
  if (result == 0) {
    struct stat_head st;
    if (syscall(SYS_fstat, (long) fd, &st) == 0) {
      record(&st, uid, gid);
    }
  }
  return (int) result;
}
