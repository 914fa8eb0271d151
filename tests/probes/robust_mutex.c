/* SPDX-License-Identifier: MIT */
/* Robust and process-shared mutexes, priority inheritance, timed locking. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <time.h>

int main(void)
{
	pthread_mutexattr_t a;
	pthread_mutex_t m;
	struct timespec t = {0, 0};
	pthread_mutexattr_init(&a);
	if (pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST) ||
	    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED))
		return 1;
	pthread_mutexattr_setprotocol(&a, PTHREAD_PRIO_INHERIT);
	pthread_mutex_init(&m, &a);
	if (pthread_mutex_timedlock(&m, &t) == EOWNERDEAD)
		pthread_mutex_consistent(&m);
	return pthread_mutex_unlock(&m);
}
