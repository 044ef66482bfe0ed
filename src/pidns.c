/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pidns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "procfs.h"

pid_t pidns_parse_status(const char *status)
{
	const char *line = strstr(status, "\nNSpid:");
	long last = 0;

	if (!line)
		return 0;
	line += 7;
	/* "NSpid:\t1234\t7\n": the ids from the outermost namespace inwards. */
	while (*line && *line != '\n') {
		char *end;
		long v = strtol(line, &end, 10);
		if (end == line)
			break;
		if (v > 0 && v <= 4194304)
			last = v;
		line = end;
	}
	return (pid_t)last;
}

pid_t pidns_target_id(pid_t pid, pid_t tid)
{
	char path[64], *text;
	pid_t id = 0;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid, (int)tid);
	text = procfs_read_file(path, 1 << 16, NULL);
	if (text)
		id = pidns_parse_status(text);
	free(text);
	return id ? id : tid;
}
