/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "common.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int pys_verbose;

static void vreport(const char *level, const char *fmt, va_list ap) PYS_PRINTF(2, 0);
static void vreport(const char *level, const char *fmt, va_list ap)
{
	fprintf(stderr, "pysample: %s", level);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void pys_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("error: ", fmt, ap);
	va_end(ap);
}

void pys_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("warning: ", fmt, ap);
	va_end(ap);
}

void pys_debug(const char *fmt, ...)
{
	va_list ap;
	if (pys_verbose < 1)
		return;
	va_start(ap, fmt);
	vreport("", fmt, ap);
	va_end(ap);
}

static void (*fatal_handler)(const char *why);
static _Atomic(const char *) fatal_why;

void pys_mark_fatal(const char *why)
{
	const char *none = NULL;
	atomic_compare_exchange_strong(&fatal_why, &none, why);
}

const char *pys_fatal_pending(void)
{
	return atomic_load(&fatal_why);
}

void pys_set_fatal_handler(void (*handler)(const char *why))
{
	fatal_handler = handler;
}

_Noreturn void pys_fatal(const char *why)
{
	if (fatal_handler)
		fatal_handler(why);
	/* No stdio: it may want memory itself. */
	if (write(STDERR_FILENO, "pysample: error: ", 17) < 0 ||
	    write(STDERR_FILENO, why, strlen(why)) < 0 || write(STDERR_FILENO, "\n", 1) < 0)
		_exit(EXIT_FAILURE);
	_exit(EXIT_FAILURE);
}

_Noreturn void pys_out_of_memory(void)
{
	pys_fatal("out of memory");
}

static void *check_alloc(void *p)
{
	if (!p)
		pys_out_of_memory();
	return p;
}

void *xmalloc(size_t size) { return check_alloc(malloc(size ? size : 1)); }
void *xcalloc(size_t n, size_t size) { return check_alloc(calloc(n ? n : 1, size ? size : 1)); }
void *xrealloc(void *p, size_t size) { return check_alloc(realloc(p, size ? size : 1)); }
char *xstrdup(const char *s) { return check_alloc(strdup(s)); }

void grow_array(void **array, size_t *cap, size_t need, size_t elem_size)
{
	size_t n;

	if (need < *cap)
		return;
	n = *cap ? *cap : 8;
	while (n <= need)
		n *= 2;
	*array = xrealloc(*array, n * elem_size);
	memset((char *)*array + *cap * elem_size, 0, (n - *cap) * elem_size);
	*cap = n;
}

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;
	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint64_t now_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

uint64_t thread_cpu_ns(void)
{
	return clock_ns(CLOCK_THREAD_CPUTIME_ID);
}
