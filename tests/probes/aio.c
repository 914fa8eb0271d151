/* SPDX-License-Identifier: MIT */
/* libs: -lrt */
/* POSIX asynchronous I/O (<aio.h>). */
#define _GNU_SOURCE
#include <aio.h>
#include <string.h>

int main(void)
{
	struct aiocb cb;
	const struct aiocb *list[] = {&cb};
	memset(&cb, 0, sizeof cb);
	if (aio_read(&cb))
		return aio_error(&cb) == 0;
	aio_suspend(list, 1, 0);
	return (int)aio_return(&cb) < 0 && aio_cancel(0, &cb) < 0;
}
