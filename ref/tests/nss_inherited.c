/* SPDX-License-Identifier: MIT */
/*
 * An enumeration inherited from another thread does not share its file
 * offset with the parent (NSS-5).  glibc keeps getpwent()'s position in a
 * stream; after fork the child's stream and the parent's share one open file
 * description.  Deterministically:
 *   thread T: setpwent()                  (stream open, nothing read yet)
 *   main:     fork
 *   child:    setpwent()                  (rewinds: lseek to 0, shared)
 *   parent T: getpwent() until NULL       (reads the file: the offset is at its end)
 *   child:    getpwent() until NULL       must still see every entry
 * With the adapter the child ends the inherited enumeration first and
 * enumerates on a stream of its own.  Plain glibc and FORKLOCK_DISABLE=nss
 * show the problem the adapter removes; where this glibc does not show it
 * (its rewind keeps no shared offset) the scenario says so, and the
 * adapter's check proves less.
 *   The forking thread's own enumeration is not ended: a child forked by the
 * enumerating thread goes on where it was, as after a single-threaded fork.
 * Each scenario runs in a fresh copy of this program (argv[1]: the adapter).
 */
#include "tap.h"

#include <pthread.h>
#include <pwd.h>

static int go_read[2], read_done[2], child_rewound[2], parent_read[2];

static void step(int *fds)
{
	write(fds[1], "x", 1);
}

static bool await(int *fds)
{
	struct pollfd p = {fds[0], POLLIN, 0};
	char byte;

	return poll(&p, 1, 5000) == 1 && read(fds[0], &byte, 1) == 1;
}

/* Entries left in the enumeration, and whether "root" was among them. */
static int entries(bool *root)
{
	struct passwd *pw;
	int n = 0;

	*root = false;
	while ((pw = getpwent())) {
		*root |= strcmp(pw->pw_name, "root") == 0;
		n++;
	}
	return n;
}

static void *enumerator(void *arg)
{
	bool root;

	setpwent();
	step(read_done);
	if (await(go_read))
		entries(&root);
	step(parent_read);
	endpwent();
	return arg;
}

/* The child of a fork by another thread: 0 if it saw every entry. */
static int other_thread_child(int all)
{
	bool root;
	int n;

	setpwent();
	step(child_rewound);
	if (!await(parent_read))
		return 3;
	n = entries(&root);
	endpwent();
	printf("# child saw %d of %d entries\n", n, all);
	return n == all && root ? 0 : 1;
}

static int scenario(bool expect_fixed)
{
	pthread_t thread;
	int status, all;
	bool root;
	pid_t pid;

	pipe(go_read), pipe(read_done), pipe(child_rewound), pipe(parent_read);
	setpwent();
	all = entries(&root);
	endpwent();
	if (all < 1 || !root) {
		printf("not ok - the passwd database lists root (found %d entries)\n", all);
		return 1;
	}
	pthread_create(&thread, NULL, enumerator, NULL);
	if (!await(read_done)) {
		printf("not ok - the enumerating thread started\n");
		return 1;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(other_thread_child(all));
	ok(await(child_rewound), "child rewound its inherited enumeration");
	step(go_read);
	pthread_join(thread, NULL);
	reap_within(pid, 5000, &status);
	if (expect_fixed)
		ok(exited_zero(status), "child enumerates every entry: its stream is its own");
	else if (exited_zero(status))
		printf(
		    "# this glibc keeps no shared offset here: the adapter's check proves less\n");
	else
		ok(WIFEXITED(status) && WEXITSTATUS(status) == 1,
		   "child misses entries: the parent's read moved the shared offset");

	/* The forking thread's own enumeration goes on in the child. */
	setpwent();
	getpwent();
	pid = fork();
	if (pid == 0) {
		int rest = entries(&root) + 1;
		endpwent();
		_exit(rest == all ? 0 : 1);
	}
	reap_within(pid, 5000, &status);
	endpwent();
	ok(exited_zero(status), "the forking thread's own enumeration continues in the child");
	return 0;
}

int main(int argc, char **argv)
{
	char preload[4096];

	if (argc > 2 && strcmp(argv[1], "--scenario") == 0) {
		setvbuf(stdout, NULL, _IONBF, 0);
		return scenario(strcmp(argv[2], "adapter") == 0);
	}
	if (argc < 2) {
		printf("usage: %s path/to/libforklock.so\n", argv[0]);
		return 2;
	}
	snprintf(preload, sizeof(preload), "LD_PRELOAD=%s", argv[1]);
	relay_scenario("adapter", (char *[]){preload, NULL}, "adapter");
	relay_scenario("FORKLOCK_DISABLE=nss", (char *[]){preload, "FORKLOCK_DISABLE=nss", NULL},
	               "disabled");
	relay_scenario("plain glibc", (char *[]){NULL}, "plain");
	return tap_done();
}
