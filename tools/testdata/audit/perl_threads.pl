# SPDX-License-Identifier: MIT
# perl with ithreads: fork while a second interpreter thread runs; the child
# calls localtime and getpwnam, then exits.
use strict; use warnings; use threads; use POSIX ();
my $t = threads->create(sub { sleep 2; return 0 });
my $pid = fork();
die "fork: $!" unless defined $pid;
if ($pid == 0) {
    my @lt = localtime(time);
    my @pw = getpwnam("root");
    POSIX::_exit(0);
}
waitpid($pid, 0);
$t->join;
print "parent done\n";
