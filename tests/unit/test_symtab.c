/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sorted symbol table against libdw itself: at every address of every
 * module of this very process (libc's hand-written string functions,
 * with their nested entry points, included), where the table answers, its
 * answer must be libdw's. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "symtab.h"
#include "tap.h"

static char *debuginfo_path;
static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

struct tally {
	struct symtabs tabs;
	unsigned long addrs, named, answered, wrong, modules;
	char first_wrong[256];
};

static int check_module(Dwfl_Module *mod, void **userdata, const char *mname, Dwarf_Addr low,
			void *arg)
{
	struct tally *t = arg;
	Dwarf_Addr high = 0;

	(void)userdata;
	(void)low;
	dwfl_module_info(mod, NULL, &low, &high, NULL, NULL, NULL, NULL);
	t->modules++;
	/* An odd stride lands on starts, middles and ends alike. */
	uint64_t stride = (high - low) / 40000 + 1;
	stride |= 1;
	for (uint64_t addr = low; addr < high; addr += stride) {
		GElf_Off off = 0;
		GElf_Sym sym;
		uint64_t start = 0;
		const char *want = dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL, NULL);
		const char *got = symtabs_lookup(&t->tabs, mod, addr, &start);

		t->addrs++;
		t->named += want != NULL;
		if (!got)
			continue;
		t->answered++;
		if (!want || strcmp(got, want) != 0 || start != addr - off) {
			if (!t->wrong++)
				snprintf(t->first_wrong, sizeof(t->first_wrong),
					 "%s at %#llx: table %s+%#llx, libdw %s+%#llx", mname,
					 (unsigned long long)addr, got,
					 (unsigned long long)(addr - start), want ? want : "(none)",
					 (unsigned long long)off);
		}
	}
	return DWARF_CB_OK;
}

int main(void)
{
	Dwfl *dwfl = dwfl_begin(&callbacks);
	struct tally t;

	memset(&t, 0, sizeof(t));
	symtabs_init(&t.tabs);
	if (!dwfl || dwfl_linux_proc_report(dwfl, getpid()) != 0 ||
	    dwfl_report_end(dwfl, NULL, NULL) != 0) {
		printf("Bail out! cannot report this process to libdw\n");
		return 1;
	}
	dwfl_getmodules(dwfl, check_module, &t, 0);
	ok(t.modules >= 3 && t.named > 100000, "%lu modules, %lu addresses, %lu named by libdw",
	   t.modules, t.addrs, t.named);
	ok(t.wrong == 0, "every answer of the table is libdw's (%lu of %lu differ%s%s)", t.wrong,
	   t.answered, t.wrong ? ": " : "", t.first_wrong);
	ok(t.answered * 100 >= t.named * 90,
	   "the table answers for most named addresses (%lu of %lu), libdw for the rest",
	   t.answered, t.named);
	symtabs_free(&t.tabs);
	dwfl_end(dwfl);
	return tap_done();
}
