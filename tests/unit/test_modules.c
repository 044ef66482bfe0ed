/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The module and mapping view of a real child process, and what is left of
 * it once the child has exited: snapshots taken before are still being
 * unwound then, and need the mappings the process had. */
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "modules.h"
#include "tap.h"

/* A child with an anonymous executable page (JIT code: no module, only a
 * mapping); its address comes back through the pipe. */
static pid_t start_child(uint64_t *jit)
{
	int fds[2];
	pid_t pid;

	if (pipe(fds) != 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		void *page = mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		uint64_t addr = page == MAP_FAILED ? 0 : (uint64_t)(uintptr_t)page;
		if (write(fds[1], &addr, sizeof(addr)) != (ssize_t)sizeof(addr))
			_exit(1);
		pause();
		_exit(0);
	}
	close(fds[1]);
	if (pid < 0 || read(fds[0], jit, sizeof(*jit)) != (ssize_t)sizeof(*jit))
		*jit = 0;
	close(fds[0]);
	return pid;
}

int main(void)
{
	struct modules m;
	char err[256];
	uint64_t jit = 0, code = (uint64_t)(uintptr_t)&start_child;
	pid_t child = start_child(&jit);
	const struct map_entry *e;

	ok(child > 0 && jit, "a child with an anonymous executable page runs");
	ok(modules_init(&m, child, err, sizeof(err)), "modules of the child read (%s)",
	   child > 0 ? "ok" : err);
	e = modules_mapping(&m, jit);
	ok(e && e->executable && !e->path[0], "the anonymous page is an executable mapping");
	ok(modules_find(&m, code) != NULL, "the child's code (a fork of ours) lies in a module");
	ok(modules_find(&m, jit) == NULL, "the anonymous page is in no module");

	kill(child, SIGKILL);
	/* A zombie first (its maps read as empty), then gone altogether. */
	for (int i = 0; i < 200; i++) {
		char state = 0, path[64], buf[256];
		FILE *f;
		snprintf(path, sizeof(path), "/proc/%d/stat", (int)child);
		f = fopen(path, "r");
		if (f && fgets(buf, sizeof(buf), f))
			state = strrchr(buf, ')') ? strrchr(buf, ')')[2] : 0;
		if (f)
			fclose(f);
		if (state == 'Z')
			break;
		usleep(5000);
	}
	modules_refresh(&m, true);
	e = modules_mapping(&m, jit);
	ok(e && e->executable, "as a zombie: its last mappings are kept");
	ok(modules_find(&m, code) != NULL, "as a zombie: its modules are kept");
	waitpid(child, NULL, 0);
	modules_refresh(&m, true);
	e = modules_mapping(&m, jit);
	ok(e && e->executable, "reaped: its last mappings are kept");
	ok(modules_has_cfi(&m, code), "reaped: the CFI of its code is still found");
	modules_free(&m);
	return tap_done();
}
