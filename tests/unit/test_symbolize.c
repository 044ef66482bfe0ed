/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Symbols of this very process, from its own symbol table and DWARF (the
 * test is built with -g): noinline functions by name and offset, a caller
 * frame looked up inside its call (also when the call ends the function),
 * the functions inlined at a call site innermost first, C++ names
 * demangled, libc's functions, code outside every module, and answers
 * that do not depend on what the cache holds.
 */
#include <dlfcn.h>
#include <limits.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "symbolize.h"
#include "tap.h"

#if defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noipa))
#endif
#define INLINE static inline __attribute__((always_inline))

static volatile int sink;

static uint64_t addr_of(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* Long enough that a few bytes in are still inside it. */
static NOINLINE int named_function(int x)
{
	for (int i = 0; i < x; i++)
		sink += i * x;
	return sink;
}

/* Its side effect keeps the compiler from merging two calls into one. */
static NOINLINE uint64_t call_site(void)
{
	sink++;
	return addr_of(__builtin_return_address(0));
}

INLINE uint64_t inner_helper(void)
{
	uint64_t pc = call_site();
	sink++;
	return pc;
}

INLINE uint64_t outer_helper(void)
{
	uint64_t pc = inner_helper();
	sink += 2;
	return pc;
}

static NOINLINE uint64_t inlining_host(void)
{
	uint64_t pc = outer_helper();
	sink += 3;
	return pc;
}

static NOINLINE uint64_t plain_caller(void)
{
	uint64_t pc = call_site();
	sink += 4;
	return pc;
}

/* A function whose last instruction is a call: its return address is past
 * its end. */
static jmp_buf back;
static uint64_t past_the_end;

static NOINLINE __attribute__((noreturn)) void escape(void)
{
	past_the_end = addr_of(__builtin_return_address(0));
	longjmp(back, 1);
}

static NOINLINE void ends_in_call(void)
{
	escape();
}

/* C++ names, as a C++ compiler would have emitted them. */
static NOINLINE int widget_spin(double d) __asm__("_ZN6shapes6Widget4spinEd");
static NOINLINE int widget_spin(double d)
{
	sink += (int)d;
	return sink;
}

static NOINLINE int not_mangled(int x) __asm__("_Znot_a_mangled_name");
static NOINLINE int not_mangled(int x)
{
	sink += x;
	return sink;
}

static char exe[PATH_MAX];

static void test_own_functions(struct symbolizer *s)
{
	struct symbol sym;
	uint64_t f = addr_of((void *)named_function);

	symbolize(s, f, true, &sym);
	is_str(sym.name, "named_function", "a function's first byte: its name");
	ok(sym.offset == 0 && !sym.jit && sym.ninlined == 0, "offset 0, not JIT, nothing inlined");
	is_str(sym.module, exe, "its module: this executable");
	symbolize(s, f + 5, true, &sym);
	is_str(sym.name, "named_function", "5 bytes in: the same function");
	ok(sym.offset == 5, "at offset 5 (%#llx)", (unsigned long long)sym.offset);
}

static void test_caller_frames(struct symbolizer *s)
{
	struct symbol sym;
	uint64_t ra = plain_caller();

	/* A return address names the function holding the call; the offset
	 * stays that of the return address, as perf prints it. */
	symbolize(s, ra, false, &sym);
	is_str(sym.name, "plain_caller", "a return address: the caller");
	ok(sym.offset == ra - addr_of((void *)plain_caller) && sym.ninlined == 0,
	   "its offset that of the return address (%#llx), nothing inlined",
	   (unsigned long long)sym.offset);

	if (setjmp(back) == 0)
		ends_in_call();
	symbolize(s, past_the_end, false, &sym);
	is_str(sym.name, "ends_in_call", "a call that ends its function: still named after it");
	ok(sym.offset == past_the_end - addr_of((void *)ends_in_call),
	   "at the return address's offset (%#llx)", (unsigned long long)sym.offset);
	/* The return address itself lies past the function (padding, or
	 * the next function): what makes the look-up inside the call matter.
	 * As an exact pc, it is looked up there, in a cache entry of its own. */
	symbolize(s, past_the_end, true, &sym);
	ok(!sym.name || strcmp(sym.name, "ends_in_call") != 0,
	   "the same address as an exact pc: not ends_in_call (%s)",
	   sym.name ? sym.name : "no name");
}

static void test_inlined(struct symbolizer *s)
{
	struct symbol sym;
	uint64_t ra = inlining_host();

	symbolize(s, ra, false, &sym);
	is_str(sym.name, "inlining_host", "a call site inside inlined code: the real function");
	ok(sym.ninlined == 2, "two functions inlined there (%zu)", sym.ninlined);
	is_str(sym.ninlined > 0 ? sym.inlined[0] : NULL, "inner_helper", "innermost first");
	is_str(sym.ninlined > 1 ? sym.inlined[1] : NULL, "outer_helper",
	       "then the one it was inlined into");
}

static void test_demangling(struct symbolizer *s)
{
	struct symbol sym;

	symbolize(s, addr_of((void *)widget_spin) + 1, true, &sym);
	is_str(sym.name, "shapes::Widget::spin(double)", "a C++ symbol is demangled");
	ok(sym.offset == 1, "with its offset");
	symbolize(s, addr_of((void *)not_mangled), true, &sym);
	is_str(sym.name, "_Znot_a_mangled_name", "a name that does not demangle stays as it is");
}

static void test_libc(struct symbolizer *s)
{
	struct symbol sym;
	void *fn = dlsym(RTLD_DEFAULT, "getpid");
	char name[256] = "";
	const char *base;

	symbolize(s, addr_of(fn), true, &sym);
	base = sym.module ? strrchr(sym.module, '/') : NULL;
	is_str(base, "/libc.so.6", "getpid's module is libc");
	if (sym.name) {
		/* An alias, or a versioned name: what it names is getpid. */
		snprintf(name, sizeof(name), "%s", sym.name);
		name[strcspn(name, "@")] = '\0';
	}
	ok(fn && sym.offset == 0 && name[0] && dlsym(RTLD_DEFAULT, name) == fn,
	   "named %s, at offset 0", sym.name ? sym.name : "(nothing)");
}

static void test_outside_modules(struct symbolizer *s)
{
	struct symbol sym;
	void *page = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t misses;

	if (page == MAP_FAILED) {
		ok(false, "an anonymous executable page");
		return;
	}
	memset(&sym, 0x5a, sizeof(sym));
	symbolize(s, addr_of(page) + 16, true, &sym);
	ok(!sym.name && !sym.module && !sym.jit && sym.ninlined == 0,
	   "code outside every module, with no perf map: no name, no module");
	/* Not remembered: a library mapped there a moment later must be
	 * found by the next sample. */
	misses = s->misses;
	symbolize(s, addr_of(page) + 16, true, &sym);
	ok(s->misses == misses + 1, "asked again: looked up again, not answered from the cache");
	munmap(page, 4096);
}

static void test_cache(struct symbolizer *s, struct modules *m)
{
	struct symbolizer fresh;
	struct symbol a, b;
	/* Code of this executable and of libc: more addresses than the
	 * cache holds. */
	const struct map_entry *text[2] = {
		modules_mapping(m, addr_of((void *)named_function)),
		modules_mapping(m, addr_of(dlsym(RTLD_DEFAULT, "getpid"))),
	};
	uint64_t hits = s->hits, misses = s->misses, n = 0;
	size_t wrong = 0, checked = 0;

	symbolize(s, addr_of((void *)named_function) + 3, true, &a);
	symbolize(s, addr_of((void *)named_function) + 3, true, &b);
	ok(s->misses == misses + 1 && s->hits == hits + 1 && a.name == b.name,
	   "asked twice: one look-up, then the cached answer");
	symbolizer_clear(s);
	misses = s->misses;
	symbolize(s, addr_of((void *)named_function) + 3, true, &b);
	ok(s->misses == misses + 1 && b.name && strcmp(b.name, "named_function") == 0 &&
	   b.offset == 3,
	   "after symbolizer_clear: looked up again, the same answer");

	/* The answers must not depend on what the cache holds, nor on its
	 * growing or starting over. */
	if (!text[0] || !text[1] || text[0] == text[1]) {
		ok(false, "the code mappings of this executable and of libc");
		return;
	}
	for (size_t t = 0; t < 2; t++)
		for (uint64_t pc = text[t]->start; pc < text[t]->end && n < 80000; pc++, n++)
			symbolize(s, pc, true, &a);
	symbolizer_init(&fresh, m);
	n = 0;
	for (size_t t = 0; t < 2; t++)
		for (uint64_t pc = text[t]->start; pc < text[t]->end && n < 80000; pc++, n++) {
			if (n % 61)
				continue;
			symbolize(s, pc, true, &a);
			symbolize(&fresh, pc, true, &b);
			checked++;
			if ((a.name || b.name) &&
			    (!a.name || !b.name || strcmp(a.name, b.name) != 0 ||
			     a.offset != b.offset || a.ninlined != b.ninlined))
				wrong++;
		}
	ok(n == 80000 && wrong == 0,
	   "%llu addresses through the cache (now %zu slots): %zu of %zu sampled answers differ "
	   "from a fresh symbolizer's",
	   (unsigned long long)n, s->cap, wrong, checked);
	symbolizer_free(&fresh);
}

int main(void)
{
	struct modules m;
	struct symbolizer s;
	char err[256];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (len <= 0 || !modules_init(&m, getpid(), err, sizeof(err))) {
		printf("Bail out! modules of this process: %s\n", len > 0 ? err : "no exe");
		return 1;
	}
	exe[len] = '\0';
	symbolizer_init(&s, &m);
	sink = named_function(3) + widget_spin(1.0) + not_mangled(2);
	test_own_functions(&s);
	test_caller_frames(&s);
	test_inlined(&s);
	test_demangling(&s);
	test_libc(&s);
	test_outside_modules(&s);
	test_cache(&s, &m);
	symbolizer_free(&s);
	modules_free(&m);
	return tap_done();
}
