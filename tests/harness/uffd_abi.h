/* SPDX-License-Identifier: MIT */
/*
 * The userfaultfd kernel ABI, restated here because a libc's headers may not
 * carry <linux/userfaultfd.h> (musl-gcc on Debian ships no kernel headers).
 * These are kernel interface constants (include/uapi/linux/userfaultfd.h),
 * stable since Linux 4.3 (THREAD_ID since 4.14, USER_MODE_ONLY since 5.11).
 */
#ifndef MTFORK_UFFD_ABI_H
#define MTFORK_UFFD_ABI_H

#include <stdint.h>
#include <sys/ioctl.h>

#define MT_UFFD_API                0xAAULL
#define MT_UFFD_USER_MODE_ONLY     1
#define MT_UFFD_FEATURE_THREAD_ID  (1ULL << 8)
#define MT_UFFD_EVENT_PAGEFAULT    0x12
#define MT_UFFDIO_REGISTER_MISSING 1ULL

struct mt_uffdio_api {
	uint64_t api, features, ioctls;
};

struct mt_uffdio_range {
	uint64_t start, len;
};

struct mt_uffdio_register {
	struct mt_uffdio_range range;
	uint64_t mode, ioctls;
};

struct mt_uffdio_zeropage {
	struct mt_uffdio_range range;
	uint64_t mode;
	int64_t zeropage;
};

struct mt_uffdio_copy {
	uint64_t dst, src, len, mode;
	int64_t copy;
};

/* One message read from the descriptor: 32 bytes, only the page-fault view. */
struct mt_uffd_msg {
	uint8_t event, reserved1;
	uint16_t reserved2;
	uint32_t reserved3;
	union {
		struct {
			uint64_t flags, address;
			uint32_t ptid;
		} __attribute__((packed)) pagefault;
		uint64_t reserved[3];
	} arg;
} __attribute__((packed));

#define MT_UFFDIO_API      _IOWR(0xAA, 0x3F, struct mt_uffdio_api)
#define MT_UFFDIO_REGISTER _IOWR(0xAA, 0x00, struct mt_uffdio_register)
#define MT_UFFDIO_COPY     _IOWR(0xAA, 0x03, struct mt_uffdio_copy)
#define MT_UFFDIO_ZEROPAGE _IOWR(0xAA, 0x04, struct mt_uffdio_zeropage)

#ifndef SYS_userfaultfd
#if defined(__x86_64__)
#define SYS_userfaultfd 323
#elif defined(__aarch64__)
#define SYS_userfaultfd 282
#endif
#endif

#endif
