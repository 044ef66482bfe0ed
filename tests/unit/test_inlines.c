/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inline chains from this test's own DWARF (it is built with -g): call
 * sites inside always_inline functions, nested to a known depth, must
 * come out with those functions' names, innermost first; code inlined
 * nowhere must come out with none.  The call sites' addresses are the
 * return addresses of a noinline function they call, less one (inside the
 * call instruction), as the symbolizer looks up a caller frame.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inlines.h"
#include "modules.h"
#include "tap.h"

#if defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noipa))
#endif
#define INLINE static inline __attribute__((always_inline))

static volatile int sink;

/* Where it was called from: a pc inside the caller, after the call.  Its
 * side effect keeps the compiler from merging two calls into one. */
static NOINLINE uint64_t call_site(void)
{
	sink++;
	return (uint64_t)(uintptr_t)__builtin_return_address(0);
}

/* Each does something after its call, so that no call is a tail call and
 * the call instruction belongs to the innermost of them. */
INLINE uint64_t deepest(void)
{
	uint64_t pc = call_site();
	sink++;
	return pc;
}

INLINE uint64_t middle(void)
{
	uint64_t pc = deepest();
	sink += 2;
	return pc;
}

INLINE uint64_t outer(void)
{
	uint64_t pc = middle();
	sink += 3;
	return pc;
}

static NOINLINE uint64_t host_three(void)
{
	uint64_t pc = outer();
	sink += 4;
	return pc;
}

static NOINLINE uint64_t host_one(void)
{
	uint64_t pc = deepest();
	sink += 5;
	return pc;
}

static NOINLINE uint64_t host_none(void)
{
	uint64_t pc = call_site();
	sink += 6;
	return pc;
}

/* Two call sites in one function, inlined to different depths. */
static NOINLINE void host_two(uint64_t *a, uint64_t *b)
{
	*a = middle();
	*b = deepest();
	sink += 7;
}

static char *copy_name(const char *name)
{
	return xstrdup(name);
}

static unsigned marked;

/* A demangler that says it was asked. */
static char *mark_name(const char *name)
{
	size_t len = strlen(name) + 3;
	char *s = xmalloc(len);

	marked++;
	snprintf(s, len, "<%s>", name);
	return s;
}

/* The chain at addr, joined with " < " (innermost first), or "(none)". */
static const char *chain(struct inlines *in, struct modules *m, uint64_t addr, size_t max,
			 char *(*demangle)(const char *))
{
	static char buf[512];
	char *names[32];
	Dwfl_Module *mod = modules_find(m, addr);
	size_t n = mod ? inlines_at(in, mod, addr, names, max, demangle) : 0;

	strcpy(buf, n ? "" : "(none)");
	for (size_t i = 0; i < n; i++) {
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s", i ? " < " : "",
			 names[i]);
		free(names[i]);
	}
	return buf;
}

int main(void)
{
	struct modules m;
	struct inlines in;
	char err[256];
	uint64_t three = host_three() - 1, one = host_one() - 1, none = host_none() - 1, a, b;

	if (!modules_init(&m, getpid(), err, sizeof(err))) {
		printf("Bail out! modules of this process: %s\n", err);
		return 1;
	}
	host_two(&a, &b);
	a--;
	b--;
	inlines_init(&in);
	if (!dwfl_module_getdwarf(modules_find(&m, three), &(Dwarf_Addr){ 0 })) {
		printf("1..0 # SKIP this test is built without debug information\n");
		return 0;
	}

	is_str(chain(&in, &m, three, 32, copy_name), "deepest < middle < outer",
	       "three levels inlined: innermost first");
	is_str(chain(&in, &m, one, 32, copy_name), "deepest", "one level inlined");
	is_str(chain(&in, &m, none, 32, copy_name), "(none)", "a call made by the function itself");
	is_str(chain(&in, &m, (uint64_t)(uintptr_t)call_site, 32, copy_name), "(none)",
	       "the entry of a function inlined nowhere");
	is_str(chain(&in, &m, three, 0, copy_name), "(none)", "max 0: nothing");

	is_str(chain(&in, &m, a, 32, copy_name), "deepest < middle",
	       "two call sites in one function: the first, two levels");
	is_str(chain(&in, &m, b, 32, copy_name), "deepest",
	       "two call sites in one function: the second, one level");

	is_str(chain(&in, &m, three, 1, copy_name), "deepest", "max 1: the innermost only");
	is_str(chain(&in, &m, three, 2, copy_name), "deepest < middle", "max 2: the two innermost");

	marked = 0;
	is_str(chain(&in, &m, three, 32, mark_name), "<deepest> < <middle> < <outer>",
	       "each name goes through the demangler");
	ok(marked == 3, "the demangler asked once per name (%u)", marked);

	/* Answered from the unit and function indexes built above. */
	is_str(chain(&in, &m, one, 32, copy_name), "deepest", "asked again: the same");
	inlines_free(&in);
	inlines_init(&in);
	is_str(chain(&in, &m, a, 32, copy_name), "deepest < middle",
	       "with the indexes freed and built again: the same");

	inlines_free(&in);
	modules_free(&m);
	return tap_done();
}
