/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "symbolize.h"

#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "plt.h"

/* libiberty's demangler (binutils', as perf and gdb use it): C extensions
 * and the libraries they use are often C++ or Rust (pydantic-core, orjson,
 * polars), and mangled names are unreadable in a profile.  libstdc++'s
 * __cxa_demangle knows C++ only, not Rust's legacy or v0 schemes. */
#include <libiberty/demangle.h>

#define SYM_CACHE_MAX 65536
#define MAX_INLINE_DEPTH 32

struct sym_entry {
	uint64_t key; /* lookup address + 1 (0 = empty slot) */
	char *name;
	uint64_t start; /* symbol start, to compute offsets */
	const char *module;
	const char *build_id; /* the module's (modules_build_id), not owned */
	bool jit;
	char **inlined;
	size_t ninlined;
};

static void free_entry(struct sym_entry *e)
{
	free(e->name);
	for (size_t i = 0; i < e->ninlined; i++)
		free(e->inlined[i]);
	free(e->inlined);
	memset(e, 0, sizeof(*e));
}

void symbolizer_init(struct symbolizer *s, struct modules *mods)
{
	memset(s, 0, sizeof(*s));
	s->mods = mods;
	inlines_init(&s->inlines);
	symtabs_init(&s->symtabs);
	s->cap = 4096;
	s->slots = xcalloc(s->cap, sizeof(*s->slots));
}

void symbolizer_clear(struct symbolizer *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free_entry(&s->slots[i]);
	s->used = 0;
}

void symbolizer_free(struct symbolizer *s)
{
	if (!s->slots)
		return;
	symbolizer_clear(s);
	inlines_free(&s->inlines);
	symtabs_free(&s->symtabs);
	free(s->slots);
	s->slots = NULL;
}

static struct sym_entry *slot_for(struct sym_entry *slots, size_t cap, uint64_t key)
{
	size_t i = hash_index(key, cap);
	while (slots[i].key && slots[i].key != key)
		i = (i + 1) & (cap - 1);
	return &slots[i];
}

static void grow(struct symbolizer *s)
{
	size_t cap = s->cap * 2;
	struct sym_entry *slots = xcalloc(cap, sizeof(*slots));

	for (size_t i = 0; i < s->cap; i++)
		if (s->slots[i].key)
			*slot_for(slots, cap, s->slots[i].key) = s->slots[i];
	free(s->slots);
	s->slots = slots;
	s->cap = cap;
}

static char *demangled(const char *name)
{
	char *d;

	/* C++ and Rust legacy names start with _Z, Rust v0 ones with _R:
	 * everything else is a C name, left alone. */
	if (strncmp(name, "_Z", 2) != 0 && strncmp(name, "_R", 2) != 0)
		return xstrdup(name);
	d = cplus_demangle(name, DMGL_PARAMS | DMGL_ANSI | DMGL_AUTO);
	if (d) {
		/* Out of the demangler's malloc: ours owns it from here. */
		char *copy = xstrdup(d);
		free(d);
		return copy;
	}
	return xstrdup(name);
}

/* "_ZN3fooEv@plt" -> "foo()@plt", as perf shows C++ PLT entries. */
static char *demangled_plt(const char *name)
{
	size_t n = strlen(name) - 4; /* without "@plt" */
	char *base = xstrdup(name), *d, *out;

	base[n] = '\0';
	d = demangled(base);
	out = xmalloc(strlen(d) + 5);
	sprintf(out, "%s@plt", d);
	free(d);
	free(base);
	return out;
}

static void lookup(struct symbolizer *s, uint64_t addr, struct sym_entry *e)
{
	Dwfl_Module *mod = modules_find(s->mods, addr);
	GElf_Off off = 0;
	GElf_Sym sym;
	const char *name;

	e->name = NULL;
	e->module = NULL;
	e->start = addr;
	if (!mod) {
		/* Code outside every ELF file: a JIT's perf map may name it. */
		const struct perf_map_entry *jit = modules_jit_code(s->mods, addr);
		if (jit) {
			e->name = xstrdup(jit->name);
			e->module = s->mods->perfmap.path;
			e->start = jit->start;
			e->jit = true;
		}
		return;
	}
	e->module = modules_name(mod);
	e->build_id = modules_build_id(mod);
	uint64_t start = addr;
	/* First: a PLT has no symbols of its own, and libdw would name the
	 * entry after a sizeless symbol before it, if any. */
	char *plt = plt_name(mod, addr, &start);
	if (plt) {
		e->name = demangled_plt(plt);
		e->start = start;
		free(plt);
		return;
	}
	name = symtabs_lookup(&s->symtabs, mod, addr, &start);
	if (!name && (name = dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL, NULL)))
		start = addr - off;
	if (name) {
		e->name = demangled(name);
		e->start = start;
	}
	{
		char *names[MAX_INLINE_DEPTH];
		size_t n = inlines_at(&s->inlines, mod, addr, names, MAX_INLINE_DEPTH, demangled);
		if (n) {
			e->inlined = xmalloc(n * sizeof(*e->inlined));
			memcpy(e->inlined, names, n * sizeof(*names));
			e->ninlined = n;
		}
	}
}

void symbolize(struct symbolizer *s, uint64_t pc, bool exact, struct symbol *out)
{
	uint64_t addr = exact || pc == 0 ? pc : pc - 1;
	struct sym_entry *e;

	if (s->used + 1 > s->cap / 2) {
		if (s->cap >= SYM_CACHE_MAX)
			symbolizer_clear(s); /* bounded memory: start over */
		else
			grow(s);
	}
	e = slot_for(s->slots, s->cap, addr + 1);
	if (e->key) {
		s->hits++;
	} else {
		s->misses++;
		lookup(s, addr, e);
		if (!e->module) {
			/* Outside every module reported so far: perhaps a library
			 * loaded a moment ago.  Not cached, so the next sample asks
			 * again (modules_find re-reads the maps, rate-limited). */
			free_entry(e);
			memset(out, 0, sizeof(*out));
			return;
		}
		e->key = addr + 1;
		s->used++;
	}
	out->name = e->name;
	out->module = e->module;
	out->build_id = e->build_id;
	out->jit = e->jit;
	out->offset = pc - e->start;
	out->inlined = e->inlined;
	out->ninlined = e->ninlined;
}
