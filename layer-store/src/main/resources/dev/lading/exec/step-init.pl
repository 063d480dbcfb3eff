# Runs a step's command as a container's first process is run (see StepInit.java): the step ends
# when that process does, with its status, and whatever it left running (a daemon it started, a
# background job) is killed then, as the kernel kills a PID namespace whose first process exits.
# This process adopts the orphans (PR_SET_CHILD_SUBREAPER), so none escapes by forking twice.
# Usage:
#   perl -e "$(cat step-init.pl)" -- PRCTL_NR MODE PROGRAM [ARG...]
# MODE "child": the command is PROGRAM itself, its status PROGRAM's.
# MODE "fd3": PROGRAM runs the command further down (proot, whose exit status is that of whichever
#   of its processes exited last) and the command's status arrives as a line on file descriptor 3.
# No modules (POSIX alone doubles perl's start-up, paid by every RUN): WNOHANG is 1 on Linux.
my $WNOHANG = 1;

my ($prctl, $mode) = (shift @ARGV, shift @ARGV);
syscall($prctl, 36, 1, 0, 0, 0) == 0 or die "lading: prctl(PR_SET_CHILD_SUBREAPER): $!\n";

my ($report, $reporter);
if ($mode eq 'fd3') {
  local $^F = 255; # no close-on-exec: PROGRAM inherits the writing end
  pipe($report, $reporter) or die "lading: pipe: $!\n";
}
my $main = fork() // die "lading: fork: $!\n";
if ($main == 0) {
  # The loader's variables, renamed so that they did not reach this perl (StepInit.keepAside).
  for my $name (grep { /^LADING_INIT_KEPT_/ } keys %ENV) {
    $ENV{substr($name, length 'LADING_INIT_KEPT_')} = delete $ENV{$name};
  }
  if ($reporter) {
    close $report;
    if (fileno($reporter) != 3) {
      # A dup takes the lowest free descriptor: 3, now that the reading end is closed.
      local $^F = 255;
      open(my $three, '>&', $reporter) or die "lading: dup: $!\n";
      fileno($three) == 3 or die "lading: the report went to descriptor " . fileno($three) . ", not 3\n";
      close $reporter;
      $reporter = $three; # kept open through the exec
    }
  }
  exec { $ARGV[0] } @ARGV or die "lading: cannot run $ARGV[0]: $!\n";
}
close $reporter if $reporter;

# A wait status as a shell reports it.
sub status_of { my ($w) = @_; return ($w & 127) ? 128 + ($w & 127) : $w >> 8 }

my ($status, $mainStatus);
sub reap {
  my ($flags) = @_;
  my $pid = waitpid(-1, $flags);
  $mainStatus = status_of($?) if $pid == $main;
  return $pid;
}

# This process's descendants that are not yet dead, from /proc: parent and state of each.
sub living_descendants {
  my %children;
  opendir(my $proc, '/proc') or return ();
  for my $pid (grep { /^\d+$/ } readdir $proc) {
    open(my $stat, '<', "/proc/$pid/stat") or next;
    my $line = <$stat> // next;
    # After the command's name in parentheses, which may itself hold ") ".
    $line =~ /.*\) (\S) (\d+)/s or next;
    push @{$children{$2}}, [$pid, $1];
  }
  my (@living, @todo);
  @todo = ($$);
  while (@todo) {
    for my $child (@{$children{shift @todo} // []}) {
      push @todo, $child->[0];
      push @living, $child->[0] unless $child->[1] eq 'Z' || $child->[1] eq 'X';
    }
  }
  return @living;
}

# Kills every descendant but $spare (proot, which ends by itself once the processes it runs are
# gone; killed first, it would leave them running untraced) until none is left, reaping as it goes.
sub sweep {
  my ($spare) = @_;
  while (1) {
    my @left = grep { !defined $spare || $_ != $spare } living_descendants();
    last unless @left;
    kill 'KILL', @left;
    1 while reap($WNOHANG) > 0;
    select(undef, undef, undef, 0.01);
  }
  1 while reap($WNOHANG) > 0;
}

# Stopped from outside (the build cancelled): everything goes, the command first.
for my $signal (qw(TERM INT HUP)) {
  $SIG{$signal} = sub {
    sweep($mode eq 'fd3' ? $main : undef);
    kill 'KILL', $main;
    sweep(undef);
    1 while reap(0) > 0;
    exit 128 + ($signal eq 'TERM' ? 15 : $signal eq 'INT' ? 2 : 1);
  };
}

if ($report) {
  # Reap orphans while the command runs; stop at its report, or when PROGRAM is gone without one.
  my $bits = '';
  vec($bits, fileno($report), 1) = 1;
  my $line = '';
  while (!defined $mainStatus) {
    my $ready = select(my $readable = $bits, undef, undef, 0.5);
    if ($ready > 0) {
      my $n = sysread($report, $line, 64, length $line);
      last if !$n || $line =~ /\n/;
    }
    1 while reap($WNOHANG) > 0;
  }
  if (defined $mainStatus && $line !~ /\n/) {
    # PROGRAM is gone, and with it every process that held the pipe: what is in it can be read.
    1 while sysread($report, $line, 64, length $line);
  }
  $status = $1 if $line =~ /^(\d+)\n/;
  close $report;
} else {
  while (1) {
    my $pid = reap(0);
    last if $pid == $main || $pid < 0;
  }
  $status = $mainStatus;
}
sweep(defined $mainStatus ? undef : $main);
1 until defined $mainStatus || reap(0) < 0;
exit($status // $mainStatus // 1);
