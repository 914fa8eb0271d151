/* SPDX-License-Identifier: MIT */
/* The seccomp and classic-BPF kernel ABI the harness's seccomp filters use
 * (musl-gcc has no kernel headers). x86-64 only. */
#ifndef MTFORK_SECCOMP_ABI_H
#define MTFORK_SECCOMP_ABI_H

#include <stdint.h>

struct fx_sock_filter {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};
struct fx_sock_fprog {
	unsigned short len;
	struct fx_sock_filter *filter;
};
struct fx_seccomp_notif {
	uint64_t id;
	unsigned char rest[72]; /* pid, flags, struct seccomp_data: not read here */
};
struct fx_seccomp_notif_resp {
	uint64_t id;
	int64_t val;
	int32_t error;
	uint32_t flags;
};
#define FX_BPF(c, t, f, kk)                                                                        \
	{                                                                                          \
		.code = (c), .jt = (t), .jf = (f), .k = (kk)                                       \
	}
#define FX_BPF_LD_W_ABS          0x20
#define FX_BPF_JEQ_K             0x15
#define FX_BPF_RET_K             0x06
#define FX_SECCOMP_RET_ALLOW     0x7fff0000U
#define FX_SECCOMP_RET_USER      0x7fc00000U
#define FX_SECCOMP_SET_FILTER    1
#define FX_SECCOMP_NEW_LISTENER  (1UL << 3)
#define FX_SECCOMP_FLAG_CONTINUE 1U
#define FX_NOTIF_RECV            0xc0502100UL /* _IOWR('!', 0, struct seccomp_notif) */
#define FX_NOTIF_SEND            0xc0182101UL /* _IOWR('!', 1, struct seccomp_notif_resp) */

/* seccomp.c: install the filter f[0..n) on the calling thread, with
 * no_new_privs set first (no privilege needed). With listener, the user
 * notification descriptor (close-on-exec) is returned; without, 0. -1 when
 * seccomp is refused or missing. */
int seccomp_install(struct fx_sock_filter *f, unsigned short n, int listener);

#endif
