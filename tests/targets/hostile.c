/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A target that names hostile files, for pysample's file handling:
 *
 *   hostile exe SECONDS          works in its own code (the test may replace
 *                                the executable on disk meanwhile)
 *   hostile dlopen LIB SECONDS   works in LIB (hostlib.c), whose debug file
 *                                the test has made a FIFO, /dev/zero, ...
 *   hostile map-fifo DIR SECONDS maps DIR/libpython3.99.so.1.0 (a copy of
 *                                itself), then puts a FIFO at that path
 *   hostile shrink LIB SECONDS   works in LIB for a second, then truncates
 *                                it to the end of its loaded segments and
 *                                works on in it: the library runs on, but a
 *                                reader's mapping of its symbols and debug
 *                                sections beyond faults (SIGBUS)
 *
 * In every mode the main thread works in ~2 ms slices, and every 20 ms
 * creates and joins a thread: a tracer that stops servicing it (a clone is
 * a ptrace stop) freezes it.  It measures the longest gap between slices
 * and prints "ready PID" at start and "longest-gap-ms N" at the end.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static volatile unsigned long sink;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

__attribute__((noinline)) static void hostile_work(double seconds)
{
	double end = now() + seconds;
	while (now() < end)
		sink++;
}

static void *short_thread(void *arg)
{
	(void)arg;
	sink++;
	return NULL;
}

static int copy_file(const char *from, const char *to)
{
	char buf[65536];
	ssize_t n;
	int in = open(from, O_RDONLY), out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);

	if (in < 0 || out < 0)
		return -1;
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n)
			return -1;
	close(in);
	close(out);
	return n < 0 ? -1 : 0;
}

/* Maps a file named like libpython, then replaces it by a FIFO: a reader
 * that opens the path rather than the mapping blocks for good. */
static int map_then_fifo(const char *dir)
{
	char path[4096];
	struct stat st;
	void *map;
	int fd;

	snprintf(path, sizeof(path), "%s/libpython3.99.so.1.0", dir);
	if (copy_file("/proc/self/exe", path) != 0 || (fd = open(path, O_RDONLY)) < 0 ||
	    fstat(fd, &st) != 0)
		return -1;
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	if (map == MAP_FAILED || unlink(path) != 0 || mkfifo(path, 0666) != 0)
		return -1;
	return 0;
}

struct loaded {
	const char *path;
	off_t end;
};

/* The end of a library's loaded segments in its file. */
static int loaded_end(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct loaded *l = arg;
	(void)size;
	if (strcmp(info->dlpi_name, l->path) != 0)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type == PT_LOAD && (off_t)(ph->p_offset + ph->p_filesz) > l->end)
			l->end = (off_t)(ph->p_offset + ph->p_filesz);
	}
	return 1;
}

static int shrink(const char *path)
{
	struct loaded l = { path, 0 };
	dl_iterate_phdr(loaded_end, &l);
	return l.end > 0 ? truncate(path, l.end) : -1;
}

int main(int argc, char **argv)
{
	void (*work)(double) = hostile_work;
	double seconds, end, last, gap = 0;

	if (argc < 3)
		return 2;
	seconds = atof(argv[argc - 1]);
	if ((!strcmp(argv[1], "dlopen") || !strcmp(argv[1], "shrink")) && argc == 4) {
		void *lib = dlopen(argv[2], RTLD_NOW);
		if (!lib || !(*(void **)&work = dlsym(lib, "hostlib_spin"))) {
			fprintf(stderr, "hostile: %s\n", dlerror());
			return 1;
		}
		if (!strcmp(argv[1], "shrink")) {
			printf("ready %d\n", (int)getpid());
			fflush(stdout);
			work(1.0);
			if (shrink(argv[2]) != 0) {
				perror("hostile: shrink");
				return 1;
			}
			void (*other)(double);
			*(void **)&other = dlsym(lib, "hostlib_spin_other");
			if (!other)
				return 1;
			other(seconds);
			printf("shrunk, and ran on\n");
			return 0;
		}
	} else if (!strcmp(argv[1], "map-fifo") && argc == 4) {
		if (map_then_fifo(argv[2]) != 0) {
			perror("hostile: map-fifo");
			return 1;
		}
	} else if (strcmp(argv[1], "exe") != 0) {
		return 2;
	}
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	last = now();
	end = last + seconds;
	for (unsigned i = 0; now() < end; i++) {
		double t;
		work(0.002);
		if (i % 10 == 0) {
			pthread_t th;
			if (pthread_create(&th, NULL, short_thread, NULL) == 0)
				pthread_join(th, NULL);
		}
		t = now();
		if (t - last > gap)
			gap = t - last;
		last = t;
	}
	printf("longest-gap-ms %.1f\n", gap * 1e3);
	return 0;
}
