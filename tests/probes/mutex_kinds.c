/* SPDX-License-Identifier: MIT */
/* The mutex kinds PTHREAD_MUTEX_NORMAL, _ERRORCHECK, _RECURSIVE. */
#define _GNU_SOURCE
#include <pthread.h>

int main(void)
{
	static const int kinds[] = {PTHREAD_MUTEX_NORMAL, PTHREAD_MUTEX_ERRORCHECK,
	                            PTHREAD_MUTEX_RECURSIVE};
	pthread_mutexattr_t a;
	pthread_mutexattr_init(&a);
	return pthread_mutexattr_settype(&a, kinds[2]) || kinds[0] == kinds[1];
}
