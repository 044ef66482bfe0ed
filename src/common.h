/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small shared helpers: diagnostics, bounded string copies, allocation. */
#ifndef PYSAMPLE_COMMON_H
#define PYSAMPLE_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PYS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define PYS_UNUSED __attribute__((unused))

/* Verbosity set from the command line; diagnostics below it are dropped. */
extern int pys_verbose;

void pys_error(const char *fmt, ...) PYS_PRINTF(1, 2);
void pys_warn(const char *fmt, ...) PYS_PRINTF(1, 2);
void pys_debug(const char *fmt, ...) PYS_PRINTF(1, 2);

/* What pysample cannot go on after (memory exhausted, a mapped file
 * truncated under it): the handler set here (main's: let the target go,
 * then end) runs, and never returns.  Without one, pysample exits with
 * the message.  A thread that cannot end the run itself marks it, and
 * the sampling thread (which looks at pys_fatal_pending) ends it. */
void pys_set_fatal_handler(void (*handler)(const char *why));
_Noreturn void pys_fatal(const char *why);
void pys_mark_fatal(const char *why);
const char *pys_fatal_pending(void);
/* Allocation failure is not recoverable for a profiler: pys_fatal. */
_Noreturn void pys_out_of_memory(void);
void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);

/* Grows *array (of *cap elements of elem_size) so that index `need` fits. */
void grow_array(void **array, size_t *cap, size_t need, size_t elem_size);

/* An index into a table of `slots` (a power of two, at most 2^32) for a
 * key such as an address: multiplied by 2^64 / phi, whose middle bits
 * depend on every bit of the key (aligned addresses differ only above
 * their low bits). */
static inline size_t hash_index(uint64_t key, size_t slots)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 32) & (slots - 1);
}

/* Monotonic clock in nanoseconds. */
uint64_t now_ns(void);
/* CPU time the calling thread has used. */
uint64_t thread_cpu_ns(void);

#endif
