# Runs a program under a seccomp filter that makes proot's life possible (see SyscallFilter.java):
# some system calls fail with ENOSYS, so that glibc falls back to older calls proot translates, and
# prctl(PR_SET_DUMPABLE) succeeds without effect, so that proot can still read and write the memory
# of programs that turn it off (ssh-agent, gpg-agent). Usage:
#   perl -e "$(cat syscall-filter.pl)" -- AUDIT_ARCH_HEX,PRCTL_NR,NR,NR,... PROGRAM [ARG...]
# perl (Debian's perl-base, in every Debian and Ubuntu system) makes the calls that install it.
my ($arch, $prctl, @nrs) = split /,/, shift @ARGV;
my $allow = 6 + 2 * @nrs;                   # the index of "allow"; "succeed" follows it
my @filter;
sub insn { push @filter, pack("SCCL", @_) }
insn(0x20, 0, 0, 4);                        # 0: A = seccomp_data.arch
insn(0x15, 0, $allow - 2, hex $arch);       # 1: another architecture's call: allow
insn(0x20, 0, 0, 0);                        # 2: A = seccomp_data.nr
insn(0x15, 0, 2, $prctl);                   # 3: prctl?
insn(0x20, 0, 0, 16);                       # 4:   A = its option (low half of args[0])
insn(0x15, $allow + 1 - 6, $allow - 6, 4);  # 5:   PR_SET_DUMPABLE: succeed; else allow
for my $nr (@nrs) {
  insn(0x15, 0, 1, $nr);                    # this call:
  insn(0x06, 0, 0, 0x00050000 | 38);        #   SECCOMP_RET_ERRNO | ENOSYS
}
insn(0x06, 0, 0, 0x7fff0000);               # allow: SECCOMP_RET_ALLOW
insn(0x06, 0, 0, 0x00050000);               # succeed: SECCOMP_RET_ERRNO | 0, i.e. return 0
my $instructions = join "", @filter;
# struct sock_fprog on a 64-bit machine: the count, padding, a pointer to the instructions.
my $program = pack("S x6 p", scalar(@filter), $instructions);
syscall($prctl, 38, 1, 0, 0, 0) == 0 or die "lading: prctl(PR_SET_NO_NEW_PRIVS): $!\n";
syscall($prctl, 22, 2, $program, 0, 0) == 0 or die "lading: prctl(PR_SET_SECCOMP): $!\n";
exec { $ARGV[0] } @ARGV or die "lading: cannot run $ARGV[0]: $!\n";
