/* SPDX-License-Identifier: MIT */
/*
 * The kernel's system call numbers under the SYS_ names the sources use.
 * Some libcs' <sys/syscall.h> gives only the kernel's own __NR_ names
 * (dietlibc); the numbers are the kernel's either way.
 */
#ifndef MTFORK_SYSNO_H
#define MTFORK_SYSNO_H

#include <sys/syscall.h>

#if !defined(SYS_close) && defined(__NR_close)
#define SYS_close __NR_close
#endif
#if !defined(SYS_getpid) && defined(__NR_getpid)
#define SYS_getpid __NR_getpid
#endif
#if !defined(SYS_gettid) && defined(__NR_gettid)
#define SYS_gettid __NR_gettid
#endif
#if !defined(SYS_futex) && defined(__NR_futex)
#define SYS_futex __NR_futex
#endif
#if !defined(SYS_getdents64) && defined(__NR_getdents64)
#define SYS_getdents64 __NR_getdents64
#endif
#if !defined(SYS_process_vm_readv) && defined(__NR_process_vm_readv)
#define SYS_process_vm_readv __NR_process_vm_readv
#endif
#if !defined(SYS_seccomp) && defined(__NR_seccomp)
#define SYS_seccomp __NR_seccomp
#endif
#if !defined(SYS_tgkill) && defined(__NR_tgkill)
#define SYS_tgkill __NR_tgkill
#endif
#if !defined(SYS_read) && defined(__NR_read)
#define SYS_read __NR_read
#endif
#if !defined(SYS_exit_group) && defined(__NR_exit_group)
#define SYS_exit_group __NR_exit_group
#endif
#if !defined(SYS_userfaultfd) && defined(__NR_userfaultfd)
#define SYS_userfaultfd __NR_userfaultfd
#endif

#endif
