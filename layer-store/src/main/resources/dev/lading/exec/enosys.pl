# Runs a program with some system calls failing with ENOSYS, so that glibc falls back to older
# calls proot translates (see SyscallFilter.java). Usage:
#   perl -e "$(cat enosys.pl)" -- AUDIT_ARCH_HEX,PRCTL_NR,NR,NR,... PROGRAM [ARG...]
# A seccomp filter is the only way to do this for every program of the image, static ones
# included; perl (Debian's perl-base, which every Debian and Ubuntu system has) makes the calls.
my ($arch, $prctl, @nrs) = split /,/, shift @ARGV;
my @filter;
sub insn { push @filter, pack("SCCL", @_) }
insn(0x20, 0, 0, 4);                        # A = seccomp_data.arch
insn(0x15, 0, 2 * @nrs + 1, hex $arch);     # another architecture's call: allow
insn(0x20, 0, 0, 0);                        # A = seccomp_data.nr
for my $nr (@nrs) {
  insn(0x15, 0, 1, $nr);                    # this call:
  insn(0x06, 0, 0, 0x00050000 | 38);        #   SECCOMP_RET_ERRNO | ENOSYS
}
insn(0x06, 0, 0, 0x7fff0000);               # SECCOMP_RET_ALLOW
my $instructions = join "", @filter;
# struct sock_fprog on a 64-bit machine: the count, padding, a pointer to the instructions.
my $program = pack("S x6 p", scalar(@filter), $instructions);
syscall($prctl, 38, 1, 0, 0, 0) == 0 or die "lading: prctl(PR_SET_NO_NEW_PRIVS): $!\n";
syscall($prctl, 22, 2, $program, 0, 0) == 0 or die "lading: prctl(PR_SET_SECCOMP): $!\n";
exec { $ARGV[0] } @ARGV or die "lading: cannot run $ARGV[0]: $!\n";
