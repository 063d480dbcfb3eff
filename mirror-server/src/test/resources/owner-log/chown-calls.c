/*
 * A program (musl's for DebianBuildIT, arm64 glibc's for EmulatedBuildIT) that chowns through
 * each call the owner log interposes: chown-calls CALL UID GID PATH, CALL one of chown, lchown, fchown, fchownat (-1: keep the id).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: chown-calls chown|lchown|fchown|fchownat UID GID PATH\n");
    return 2;
  }
  uid_t uid = (uid_t) atol(argv[2]);
  gid_t gid = (gid_t) atol(argv[3]);
  const char *call = argv[1], *path = argv[4];
  int result;
  if (strcmp(call, "chown") == 0) {
    result = chown(path, uid, gid);
  } else if (strcmp(call, "lchown") == 0) {
    result = lchown(path, uid, gid);
  } else if (strcmp(call, "fchown") == 0) {
    int fd = open(path, O_RDONLY);
    result = fd < 0 ? -1 : fchown(fd, uid, gid);
  } else {
    result = fchownat(AT_FDCWD, path, uid, gid, AT_SYMLINK_NOFOLLOW);
  }
  if (result != 0) {
    perror(path);
    return 1;
  }
  return 0;
}
