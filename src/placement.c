/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "placement.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procfs.h"

void placement_init(struct placement *pl, bool wanted)
{
	memset(pl, 0, sizeof(*pl));
	if (!wanted) {
		pl->why_off = "by the scheduler (--placement not given)";
		return;
	}
	if (sched_getaffinity(0, sizeof(pl->allowed), &pl->allowed) != 0) {
		pl->why_off = "off (its own CPUs unreadable)";
		return;
	}
	if (CPU_COUNT(&pl->allowed) < 2) {
		pl->why_off = "off (one CPU)";
		return;
	}
	pl->applied = pl->allowed;
	pl->on = true;
}

static bool place_one(pid_t tid, void *ctx)
{
	const cpu_set_t *set = ctx;

	if (sched_setaffinity(tid, sizeof(*set), set) != 0)
		pys_debug("placement: thread %d: %s", (int)tid, strerror(errno));
	return true;
}

int placement_cpu_of(pid_t pid, pid_t tid)
{
	char path[64], *text, *p;
	size_t len;
	int cpu = -1;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", (int)pid, (int)tid);
	text = procfs_read_file(path, 4096, &len);
	if (!text)
		return -1;
	/* The fields after comm (which the target chose: parsed from the
	 * last ')'): state is the 3rd field, processor the 39th. */
	p = strrchr(text, ')');
	for (int field = 2; p && field < 39; field++)
		p = strchr(p + 1, ' ');
	if (p) {
		long v = strtol(p + 1, NULL, 10);
		if (v >= 0 && v < CPU_SETSIZE)
			cpu = (int)v;
	}
	free(text);
	return cpu;
}

void placement_update(struct placement *pl, const pid_t *pids, const pid_t *running, size_t n)
{
	cpu_set_t busy, free_cpus;

	if (!pl->on)
		return;
	CPU_ZERO(&busy);
	for (size_t i = 0; i < n && i < PLACEMENT_MAX_WATCHED; i++) {
		int cpu = placement_cpu_of(pids[i], running[i]);
		if (cpu >= 0)
			CPU_SET(cpu, &busy);
	}
	/* free = allowed minus busy; none free: anywhere it may run. */
	CPU_ZERO(&free_cpus);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, &pl->allowed) && !CPU_ISSET(cpu, &busy))
			CPU_SET(cpu, &free_cpus);
	if (!CPU_COUNT(&free_cpus))
		free_cpus = pl->allowed;
	/* Counted while the target ran: apart from it, or not. */
	if (CPU_COUNT(&busy)) {
		pl->checks++;
		if (!CPU_EQUAL(&free_cpus, &pl->allowed))
			pl->checks_apart++;
	}
	if (CPU_EQUAL(&free_cpus, &pl->applied))
		return;
	/* Every thread of pysample: sampling, processing, the progress line. */
	procfs_each_id("/proc/self/task", place_one, &free_cpus);
	pl->applied = free_cpus;
	pl->moves++;
}

void placement_describe(const struct placement *pl, char *buf, size_t len)
{
	if (!pl->on) {
		snprintf(buf, len, "%s", pl->why_off);
		return;
	}
	snprintf(buf, len, "off the target's CPUs %.0f%% of the time it ran, moved %llu times",
		 pl->checks ? 100.0 * (double)pl->checks_apart / (double)pl->checks : 0.0,
		 (unsigned long long)pl->moves);
}
