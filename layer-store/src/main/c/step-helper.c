/*
 * lading-step: what a RUN step needs around it on the host, as one small static program (it runs
 * on the host, never in the image, so it does not depend on the host having perl or any library).
 *
 *   lading-step [--init child|fd3] [--filter] [--no-network] [--die-with-parent] [--] PROGRAM [ARG...]
 *
 * --init MODE ends a step as a container ends (StepInit.java): when the step's first process exits,
 *   with that process's status, and with whatever it left running killed, as the kernel kills the
 *   rest of a PID namespace whose first process exits. This process makes itself the subreaper of
 *   the step's processes, so that none escapes by forking twice, and sweeps them with SIGKILL.
 *   MODE "child": the step's status is PROGRAM's. MODE "fd3": PROGRAM (proot, whose exit status is
 *   that of whichever of its processes exited last) runs the command further down, and the
 *   command's status arrives as a line on file descriptor 3. SIGTERM, SIGINT or SIGHUP (the build
 *   cancelled) kill everything, the command first; so does the end of Lading itself, however killed.
 * --filter runs PROGRAM under the seccomp filter proot needs (SyscallFilter.java): the calls proot
 *   does not translate fail with ENOSYS, so that the C library falls back to older ones it does,
 *   and prctl(PR_SET_DUMPABLE) succeeds without effect.
 * --no-network runs PROGRAM (the step, RUN --network=none) unable to make IPv4 and IPv6 sockets, the
 *   loopback's included: socket() fails with ENETUNREACH, as does an i386 program's socketcall()
 *   for any socket, and io_uring (which can make sockets too) is ENOSYS. Without a network namespace
 *   (which takes privileges or user namespaces) this is how a step is kept off the network.
 * --die-with-parent runs PROGRAM (faked) so that it gets SIGTERM when Lading dies: faked then saves its
 *   state and removes its System V message queue and semaphore, which would otherwise stay behind.
 *
 * Built static for each architecture Lading ships it for (src/build/native.sh).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The calls filtered, by number: statx, faccessat2, fchmodat2, openat2, clone3, execveat. */
#if defined(__x86_64__)
#define FILTER_ARCH AUDIT_ARCH_X86_64
#define NR_PRCTL 157
static const unsigned FILTERED[] = {332, 439, 452, 437, 435, 322};
#elif defined(__aarch64__)
#define FILTER_ARCH AUDIT_ARCH_AARCH64
#define NR_PRCTL 167
static const unsigned FILTERED[] = {291, 439, 452, 437, 435, 281};
#endif

static void fail(const char *what) {
  fprintf(stderr, "lading: %s: %s\n", what, strerror(errno));
  exit(126);
}

/* Adds a seccomp filter of n instructions to this process (and what it runs). */
static void load(struct sock_filter *insns, int n) {
  struct sock_fprog program = {.len = (unsigned short) n, .filter = insns};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    fail("prctl(PR_SET_NO_NEW_PRIVS)");
  }
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0) != 0) {
    fail("prctl(PR_SET_SECCOMP)");
  }
}

static void install_filter(void) {
#ifdef FILTER_ARCH
  enum { N = sizeof FILTERED / sizeof FILTERED[0], ALLOW = 6 + 2 * N };
  struct sock_filter insns[ALLOW + 2];
  int i = 0;
  insns[i++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
  /* Another architecture's call (a 32-bit program): allowed. */
  insns[i++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FILTER_ARCH, 0, ALLOW - 2);
  insns[i++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
  insns[i++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NR_PRCTL, 0, 2);
  /* prctl: its option, the low half of the first argument (both architectures are little-endian). */
  insns[i++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
  insns[i++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_SET_DUMPABLE, ALLOW + 1 - 6, ALLOW - 6);
  for (int n = 0; n < N; n++) {
    insns[i++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, FILTERED[n], 0, 1);
    insns[i++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
  }
  insns[i++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  insns[i++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 0); /* succeed */
  load(insns, i);
#else
  errno = ENOSYS;
  fail("no system-call filter for this architecture");
#endif
}

/*
 * The --no-network filter: a list of rules, each "this architecture, this call[, first argument]:
 * fail with this errno", checked in turn; anything else is allowed.
 */
struct rule {
  unsigned arch, nr;
  int has_arg;
  unsigned arg, err;
};

#if defined(__x86_64__)
#define X32 0x40000000u
static const struct rule NETWORK_RULES[] = {
    {AUDIT_ARCH_X86_64, 41, 1, AF_INET, ENETUNREACH}, /* socket */
    {AUDIT_ARCH_X86_64, 41, 1, AF_INET6, ENETUNREACH},
    {AUDIT_ARCH_X86_64, X32 | 41, 1, AF_INET, ENETUNREACH},
    {AUDIT_ARCH_X86_64, X32 | 41, 1, AF_INET6, ENETUNREACH},
    {AUDIT_ARCH_X86_64, 425, 0, 0, ENOSYS}, /* io_uring_setup */
    {AUDIT_ARCH_X86_64, X32 | 425, 0, 0, ENOSYS},
    {AUDIT_ARCH_I386, 359, 1, AF_INET, ENETUNREACH}, /* socket */
    {AUDIT_ARCH_I386, 359, 1, AF_INET6, ENETUNREACH},
    {AUDIT_ARCH_I386, 102, 1, 1 /* SYS_SOCKET */, ENETUNREACH}, /* socketcall: its family unseen */
    {AUDIT_ARCH_I386, 425, 0, 0, ENOSYS},
};
#elif defined(__aarch64__)
static const struct rule NETWORK_RULES[] = {
    {AUDIT_ARCH_AARCH64, 198, 1, AF_INET, ENETUNREACH}, /* socket */
    {AUDIT_ARCH_AARCH64, 198, 1, AF_INET6, ENETUNREACH},
    {AUDIT_ARCH_AARCH64, 425, 0, 0, ENOSYS}, /* io_uring_setup */
    {AUDIT_ARCH_ARM, 281, 1, AF_INET, ENETUNREACH},
    {AUDIT_ARCH_ARM, 281, 1, AF_INET6, ENETUNREACH},
    {AUDIT_ARCH_ARM, 425, 0, 0, ENOSYS},
};
#endif

static void install_network_filter(void) {
#ifdef FILTER_ARCH
  enum { RULES = sizeof NETWORK_RULES / sizeof NETWORK_RULES[0] };
  struct sock_filter insns[RULES * 7 + 1];
  int i = 0;
  for (int r = 0; r < RULES; r++) {
    const struct rule *rule = &NETWORK_RULES[r];
    /* Each rule's block jumps past its own end when it does not match: to the next rule. */
    int left = rule->has_arg ? 7 : 5; /* instructions of this block */
    insns[i++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    insns[i++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, rule->arch, 0, left - 2);
    insns[i++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    insns[i++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, rule->nr, 0, left - 4);
    if (rule->has_arg) {
      /* The low half of the first argument (both architectures are little-endian). */
      insns[i++] = (struct sock_filter) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
      insns[i++] = (struct sock_filter) BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, rule->arg, 0, 1);
    }
    insns[i++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | rule->err);
  }
  insns[i++] = (struct sock_filter) BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
  load(insns, i);
#else
  errno = ENOSYS;
  fail("no system-call filter for this architecture");
#endif
}

static int no_network;

static void run(char **argv, int filter) {
  if (filter) {
    install_filter();
  }
  if (no_network) {
    install_network_filter();
  }
  execvp(argv[0], argv);
  fprintf(stderr, "lading: cannot run %s: %s\n", argv[0], strerror(errno));
  _exit(127);
}

/* The init's state: the first process, and its status once it has been reaped. */
static pid_t main_pid;
static int main_status = -1;

/* A wait status as a shell reports it. */
static int status_of(int w) {
  return WIFSIGNALED(w) ? 128 + WTERMSIG(w) : WEXITSTATUS(w);
}

static pid_t reap(int flags) {
  int w;
  pid_t pid = waitpid(-1, &w, flags);
  if (pid > 0 && pid == main_pid) {
    main_status = status_of(w);
  }
  return pid;
}

static void reap_all(void) {
  while (reap(WNOHANG) > 0) {
  }
}

struct proc {
  pid_t pid, parent;
  char state;
};

/* This process's descendants that are not yet dead, from /proc; their count, in *out. */
static size_t living_descendants(pid_t **out) {
  size_t cap = 256, n = 0;
  struct proc *all = malloc(cap * sizeof *all);
  DIR *proc = opendir("/proc");
  *out = NULL;
  if (all == NULL || proc == NULL) {
    free(all);
    if (proc) {
      closedir(proc);
    }
    return 0;
  }
  struct dirent *d;
  while ((d = readdir(proc)) != NULL) {
    char *end;
    long pid = strtol(d->d_name, &end, 10);
    if (*d->d_name < '0' || *d->d_name > '9' || *end) {
      continue;
    }
    char path[64], line[1024];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      continue;
    }
    ssize_t len = read(fd, line, sizeof line - 1);
    close(fd);
    if (len <= 0) {
      continue;
    }
    line[len] = '\0';
    /* After the command's name in parentheses, which may itself hold ") ". */
    char *close_paren = strrchr(line, ')');
    char state;
    long parent;
    if (close_paren == NULL || sscanf(close_paren + 1, " %c %ld", &state, &parent) != 2) {
      continue;
    }
    if (n == cap) {
      struct proc *more = realloc(all, (cap *= 2) * sizeof *all);
      if (more == NULL) {
        break;
      }
      all = more;
    }
    all[n++] = (struct proc) {(pid_t) pid, (pid_t) parent, state};
  }
  closedir(proc);
  /* Breadth first from this process: todo holds the pids whose children are still to be found. */
  pid_t *todo = malloc((n + 1) * sizeof *todo);
  pid_t *living = malloc((n + 1) * sizeof *living);
  size_t head = 0, tail = 0, count = 0;
  if (todo == NULL || living == NULL) {
    free(todo);
    free(living);
    free(all);
    return 0;
  }
  todo[tail++] = getpid();
  while (head < tail) {
    pid_t parent = todo[head++];
    for (size_t i = 0; i < n; i++) {
      if (all[i].parent == parent && all[i].pid != 0) {
        todo[tail++] = all[i].pid;
        if (all[i].state != 'Z' && all[i].state != 'X') {
          living[count++] = all[i].pid;
        }
        all[i].pid = 0; /* seen */
      }
    }
  }
  free(todo);
  free(all);
  *out = living;
  return count;
}

/*
 * Kills every descendant but spare (proot, which ends by itself once the processes it runs are
 * gone; killed first, it would leave them running untraced) until none is left, reaping as it goes.
 */
static void sweep(pid_t spare) {
  for (;;) {
    pid_t *left;
    size_t n = living_descendants(&left), killed = 0;
    for (size_t i = 0; i < n; i++) {
      if (left[i] != spare) {
        kill(left[i], SIGKILL);
        killed++;
      }
    }
    free(left);
    if (killed == 0) {
      break;
    }
    reap_all();
    struct timespec pause = {0, 10 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  reap_all();
}

/* Stopped from outside (the build cancelled): everything goes, the command first. */
static void cancel(int signal, int fd3) {
  sweep(fd3 ? main_pid : 0);
  kill(main_pid, SIGKILL);
  sweep(0);
  while (reap(0) > 0) {
  }
  exit(128 + signal);
}

/* Handles what the signal file says: a child's end is reaped, a stop request cancels. */
static void on_signals(int sfd, int fd3) {
  struct signalfd_siginfo info;
  while (read(sfd, &info, sizeof info) == (ssize_t) sizeof info) {
    if (info.ssi_signo != SIGCHLD) {
      cancel((int) info.ssi_signo, fd3);
    }
  }
  reap_all();
}

/*
 * SIGTERM for this process (and what it execs) when Lading dies, however it was killed (SIGKILL, the
 * OOM killer, a CI job's end), so that nothing of a step runs on without it. Asked for after reading
 * the parent, to see one that died first.
 */
static void die_with_parent(void) {
  pid_t parent = getppid();
  if (prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0) != 0) {
    fail("prctl(PR_SET_PDEATHSIG)");
  }
  if (getppid() != parent) {
    exit(128 + SIGTERM);
  }
}

static int init(char **argv, int fd3, int filter) {
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    fail("prctl(PR_SET_CHILD_SUBREAPER)");
  }
  die_with_parent(); /* which the init takes for a stop request */
  sigset_t handled, before;
  sigemptyset(&handled);
  sigaddset(&handled, SIGCHLD);
  sigaddset(&handled, SIGTERM);
  sigaddset(&handled, SIGINT);
  sigaddset(&handled, SIGHUP);
  sigprocmask(SIG_BLOCK, &handled, &before);
  int sfd = signalfd(-1, &handled, SFD_NONBLOCK | SFD_CLOEXEC);
  if (sfd < 0) {
    fail("signalfd");
  }
  int report[2] = {-1, -1};
  if (fd3 && pipe2(report, O_CLOEXEC) != 0) {
    fail("pipe");
  }
  main_pid = fork();
  if (main_pid < 0) {
    fail("fork");
  }
  if (main_pid == 0) {
    sigprocmask(SIG_SETMASK, &before, NULL);
    if (fd3) {
      /* The writing end becomes descriptor 3, kept open through the exec (dup2 clears CLOEXEC). */
      if (report[1] == 3 ? fcntl(3, F_SETFD, 0) != 0 : dup2(report[1], 3) != 3) {
        fail("dup2");
      }
    }
    run(argv, filter);
  }
  int status = -1;
  if (fd3) {
    close(report[1]);
    /* Reap orphans while the command runs; stop at its report, or when PROGRAM is gone without one. */
    char line[64];
    size_t len = 0;
    int done = 0;
    while (main_status < 0 && !done) {
      struct pollfd fds[2] = {{sfd, POLLIN, 0}, {report[0], POLLIN, 0}};
      if (poll(fds, 2, -1) < 0) {
        if (errno == EINTR) {
          continue;
        }
        fail("poll");
      }
      if (fds[1].revents) {
        ssize_t n = read(report[0], line + len, sizeof line - 1 - len);
        if (n <= 0) {
          done = 1;
        } else {
          len += (size_t) n;
          done = memchr(line, '\n', len) != NULL || len == sizeof line - 1;
        }
      }
      if (fds[0].revents) {
        on_signals(sfd, fd3);
      }
    }
    if (main_status >= 0 && memchr(line, '\n', len) == NULL) {
      /* PROGRAM is gone, and with it every process that held the pipe: what is in it can be read. */
      ssize_t n;
      while (len < sizeof line - 1 && (n = read(report[0], line + len, sizeof line - 1 - len)) > 0) {
        len += (size_t) n;
      }
    }
    line[len] = '\0';
    char *end;
    long reported = strtol(line, &end, 10);
    if (end != line && *end == '\n' && reported >= 0 && reported <= 255) {
      status = (int) reported;
    }
    close(report[0]);
  } else {
    while (main_status < 0) {
      struct pollfd fds[1] = {{sfd, POLLIN, 0}};
      if (poll(fds, 1, -1) < 0 && errno != EINTR) {
        fail("poll");
      }
      on_signals(sfd, fd3);
    }
    status = main_status;
  }
  sweep(main_status >= 0 ? 0 : main_pid);
  /* Under proot: wait for proot itself, which ends once what it ran is gone. */
  while (main_status < 0) {
    struct pollfd fds[1] = {{sfd, POLLIN, 0}};
    if (poll(fds, 1, 100) < 0 && errno != EINTR) {
      fail("poll");
    }
    on_signals(sfd, fd3);
    if (main_status < 0 && reap(WNOHANG) < 0 && errno == ECHILD) {
      break;
    }
  }
  return status >= 0 ? status : main_status >= 0 ? main_status : 1;
}

static void usage(void) {
  fprintf(stderr, "usage: lading-step [--init child|fd3] [--filter] [--no-network] [--die-with-parent] [--] PROGRAM [ARG...]\n");
  exit(126);
}

int main(int argc, char **argv) {
  int i = 1, filter = 0, with_parent = 0;
  const char *mode = NULL;
  for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
    if (strcmp(argv[i], "--") == 0) {
      i++;
      break;
    } else if (strcmp(argv[i], "--filter") == 0) {
      filter = 1;
    } else if (strcmp(argv[i], "--no-network") == 0) {
      no_network = 1;
    } else if (strcmp(argv[i], "--die-with-parent") == 0) {
      with_parent = 1;
    } else if (strcmp(argv[i], "--init") == 0 && i + 1 < argc
        && (strcmp(argv[i + 1], "child") == 0 || strcmp(argv[i + 1], "fd3") == 0)) {
      mode = argv[++i];
    } else {
      usage();
    }
  }
  if (i >= argc) {
    usage();
  }
  if (mode == NULL) {
    if (with_parent) {
      die_with_parent();
    }
    run(argv + i, filter);
  }
  return init(argv + i, strcmp(mode, "fd3") == 0, filter);
}
