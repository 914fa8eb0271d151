/* SPDX-License-Identifier: MIT */
/*
 * deny_uffd PROGRAM ARGS...: run PROGRAM as a container runtime's default
 * seccomp profile would (Docker, Podman, containerd): userfaultfd(2) fails
 * with EPERM. Installs the filter under no_new_privs (no privilege needed),
 * checks that it bites, then execs PROGRAM, which inherits it with every
 * process it creates.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s PROGRAM [ARGS...]\n", argv[0]);
		return 2;
	}
#if defined(__x86_64__) && defined(SYS_userfaultfd)
	struct sock_filter f[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, 3),
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_userfaultfd, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
	    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {sizeof f / sizeof f[0], f};
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)) {
		fprintf(stderr, "%s: cannot install the seccomp filter: %s\n", argv[0],
		        strerror(errno));
		return 2;
	}
	errno = 0;
	long fd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (fd >= 0 || errno != EPERM) {
		fprintf(stderr, "%s: userfaultfd() still works under the filter\n", argv[0]);
		return 2;
	}
#else
	fprintf(stderr, "%s: x86-64 only\n", argv[0]);
	return 2;
#endif
	execvp(argv[1], argv + 1);
	fprintf(stderr, "%s: cannot run %s: %s\n", argv[0], argv[1], strerror(errno));
	return 127;
}
