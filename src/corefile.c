/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "corefile.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/procfs.h>
#include <sys/stat.h>
#include <unistd.h>

#include "targetfs.h"

/* Bounds on what a core may ask us to hold: far above any real process
 * (the kernel's own limit on mappings is 65,530 by default). */
#define MAX_SEGMENTS (1u << 20)
#define MAX_THREADS (1u << 16)
#define MAX_FILES (1u << 20)
/* How much of a mapped file's first page is compared with the core's copy. */
#define CHECK_BYTES 4096u

#ifndef NT_FILE
#define NT_FILE 0x46494c45
#endif

_Static_assert(sizeof(elf_gregset_t) == sizeof(((struct arch_regs *)0)->gregs),
	       "NT_PRSTATUS holds the registers PTRACE_GETREGSET hands out");

/* The one core that is a space now. */
static struct core_file *attached;
#define CORE_SPACE ((pid_t)-2)

static void say(char *why, size_t why_len, const char *what)
{
	snprintf(why, why_len, "%s", what);
}

/* Reads core bytes at a file offset; how many it could (the core may be
 * shorter than its headers say: a dump cut by a full disk or a limit). */
static size_t read_at(const struct core_file *c, uint64_t offset, void *out, size_t len)
{
	size_t done = 0;

	if (offset >= c->size)
		return 0;
	if (len > c->size - offset)
		len = (size_t)(c->size - offset);
	if (c->image) {
		memcpy(out, c->image + offset, len);
		return len;
	}
	while (done < len) {
		ssize_t n = pread(c->fd, (uint8_t *)out + done, len - done, (off_t)(offset + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	return done;
}

static void add_thread(struct core_file *c, const uint8_t *desc, size_t len, size_t *cap)
{
	struct core_thread *t;
	int32_t pid;
	int16_t sig;

	if (len < offsetof(struct elf_prstatus, pr_reg) + sizeof(elf_gregset_t) ||
	    c->nthreads >= MAX_THREADS)
		return;
	grow_array((void **)&c->threads, cap, c->nthreads, sizeof(*c->threads));
	t = &c->threads[c->nthreads++];
	memcpy(&pid, desc + offsetof(struct elf_prstatus, pr_pid), sizeof(pid));
	memcpy(&sig, desc + offsetof(struct elf_prstatus, pr_cursig), sizeof(sig));
	t->tid = pid;
	t->signal = sig;
	memcpy(t->regs.gregs, desc + offsetof(struct elf_prstatus, pr_reg), sizeof(t->regs.gregs));
}

static void copy_text(char *dst, size_t dst_len, const uint8_t *src, size_t src_len)
{
	size_t n = 0;

	while (n < src_len && n + 1 < dst_len && src[n]) {
		/* A name from the target: printable ASCII only reaches a terminal. */
		dst[n] = src[n] >= 0x20 && src[n] < 0x7f ? (char)src[n] : '?';
		n++;
	}
	dst[n] = '\0';
}

static void read_psinfo(struct core_file *c, const uint8_t *desc, size_t len)
{
	int32_t pid;

	if (len < sizeof(struct elf_prpsinfo))
		return;
	memcpy(&pid, desc + offsetof(struct elf_prpsinfo, pr_pid), sizeof(pid));
	c->pid = pid > 0 ? pid : 0;
	copy_text(c->comm, sizeof(c->comm), desc + offsetof(struct elf_prpsinfo, pr_fname),
		  sizeof(((struct elf_prpsinfo *)0)->pr_fname));
	copy_text(c->args, sizeof(c->args), desc + offsetof(struct elf_prpsinfo, pr_psargs),
		  sizeof(((struct elf_prpsinfo *)0)->pr_psargs));
}

static void read_auxv(struct core_file *c, const uint8_t *desc, size_t len)
{
	for (size_t at = 0; at + 16 <= len; at += 16) {
		uint64_t type, value;
		memcpy(&type, desc + at, 8);
		memcpy(&value, desc + at + 8, 8);
		if (type == AT_NULL)
			break;
		if (type == AT_ENTRY)
			c->entry = value;
		else if (type == AT_SYSINFO_EHDR)
			c->vdso = value;
	}
}

/* NT_FILE: a count and a page size, then (start, end, offset in pages)
 * for each file mapping, then their paths, each ended by a NUL. */
static void read_files(struct core_file *c, const uint8_t *desc, size_t len)
{
	uint64_t count, page, triple[3];
	const char *names, *end = (const char *)desc + len;

	if (c->nfiles || len < 16)
		return;
	memcpy(&count, desc, 8);
	memcpy(&page, desc + 8, 8);
	if (count > MAX_FILES || count > (len - 16) / 24 || !page || (page & (page - 1)))
		return;
	c->files = xcalloc(count ? count : 1, sizeof(*c->files));
	names = (const char *)desc + 16 + count * 24;
	for (uint64_t i = 0; i < count; i++) {
		const char *nul = memchr(names, '\0', (size_t)(end - names));
		if (!nul)
			break;
		memcpy(triple, desc + 16 + i * 24, sizeof(triple));
		if (triple[1] > triple[0] && triple[2] <= UINT64_MAX / page) {
			struct core_mapped_file *f = &c->files[c->nfiles++];
			f->start = triple[0];
			f->end = triple[1];
			f->offset = triple[2] * page;
			f->path = xstrdup(names);
			f->fd = -1;
		}
		names = nul + 1;
	}
}

static void read_notes(struct core_file *c, Elf *elf, const GElf_Phdr *ph, size_t *threads_cap)
{
	Elf_Data *data = elf_getdata_rawchunk(elf, (int64_t)ph->p_offset, ph->p_filesz, ELF_T_NHDR);
	size_t offset = 0, name_at, desc_at, next;
	GElf_Nhdr nh;

	if (!data)
		return;
	while (offset < data->d_size &&
	       (next = gelf_getnote(data, offset, &nh, &name_at, &desc_at)) > 0) {
		const uint8_t *desc = (const uint8_t *)data->d_buf + desc_at;
		offset = next;
		if (nh.n_namesz != 5 || memcmp((const char *)data->d_buf + name_at, "CORE", 5) != 0 ||
		    desc_at + nh.n_descsz > data->d_size)
			continue;
		switch (nh.n_type) {
		case NT_PRSTATUS:
			add_thread(c, desc, nh.n_descsz, threads_cap);
			break;
		case NT_PRPSINFO:
			read_psinfo(c, desc, nh.n_descsz);
			break;
		case NT_AUXV:
			read_auxv(c, desc, nh.n_descsz);
			break;
		case NT_FILE:
			read_files(c, desc, nh.n_descsz);
			break;
		}
	}
}

static int by_vaddr(const void *a, const void *b)
{
	uint64_t x = ((const struct core_segment *)a)->vaddr;
	uint64_t y = ((const struct core_segment *)b)->vaddr;

	return (x > y) - (x < y);
}

static int mapped_file_fd(struct core_file *c, size_t index, char *why, size_t why_len);

/* The protection a file's own program headers give the page at `offset`
 * of it: what a mapping the core left out entirely (a debugger's core
 * keeps no program text at all) was mapped with. */
static void protection_from_file(struct core_file *c, size_t index, uint64_t offset,
				 struct core_segment *s)
{
	char why[512];
	int fd = c->root_fd >= 0 ? mapped_file_fd(c, index, why, sizeof(why)) : -1;
	Elf *elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	size_t n;

	s->readable = true; /* it was mapped; what else is unknown without the file */
	if (elf && elf_getphdrnum(elf, &n) == 0) {
		for (size_t i = 0; i < n && i < MAX_SEGMENTS; i++) {
			GElf_Phdr ph;
			uint64_t from;
			if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
				continue;
			from = ph.p_offset & ~(uint64_t)4095;
			if (offset >= from && ph.p_filesz < UINT64_MAX - ph.p_offset &&
			    offset - from < ph.p_offset - from + ph.p_filesz) {
				s->readable = ph.p_flags & PF_R;
				s->executable = ph.p_flags & PF_X;
				/* Its bytes may have changed since: not read from the file. */
				s->writable = ph.p_flags & PF_W;
				break;
			}
		}
	}
	if (elf)
		elf_end(elf);
}

/* The first segment that ends after addr (nsegs if none). */
static size_t first_ending_after(const struct core_file *c, uint64_t addr)
{
	size_t lo = 0, hi = c->nsegs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (c->segs[mid].vaddr + c->segs[mid].memsz <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* A file mapping the core has no segment for at all: a segment without
 * bytes, read from the file. */
static void add_file_range(struct core_file *c, size_t index, uint64_t from, uint64_t to,
			   struct core_segment **added, size_t *nadded, size_t *cap)
{
	const struct core_mapped_file *f = &c->files[index];
	struct core_segment s = { .vaddr = from, .memsz = to - from, .file = (int)index };

	if (*nadded >= MAX_SEGMENTS)
		return;
	protection_from_file(c, index, f->offset + (from - f->start), &s);
	grow_array((void **)added, cap, *nadded, sizeof(**added));
	(*added)[(*nadded)++] = s;
}

/* Keeps the segments that make sense (sorted, not overlapping, their
 * bytes within the core as far as it goes), ties each to its file, and
 * adds the file mappings the core has no segment for. */
/* Sorts the segments and keeps, of overlapping ones, the first. */
static void drop_overlaps(struct core_file *c)
{
	size_t kept = 0;

	if (!c->nsegs)
		return; /* a core without PT_LOAD: segs is NULL, which qsort may not take */
	qsort(c->segs, c->nsegs, sizeof(*c->segs), by_vaddr);
	for (size_t i = 0; i < c->nsegs; i++) {
		if (kept && c->segs[kept - 1].vaddr + c->segs[kept - 1].memsz > c->segs[i].vaddr)
			continue;
		c->segs[kept++] = c->segs[i];
	}
	c->nsegs = kept;
}

static void settle_segments(struct core_file *c)
{
	struct core_segment *added = NULL;
	size_t nadded = 0, added_cap = 0;

	for (size_t i = 0; i < c->nsegs; i++)
		c->segs[i].file = -1;
	drop_overlaps(c);
	/* The executable is the file its entry point is in; --exe names
	 * another copy of it, and every mapping of that file with it. */
	for (size_t f = 0; f < c->nfiles && c->entry; f++)
		if (c->files[f].start <= c->entry && c->entry < c->files[f].end) {
			char *mapped = xstrdup(c->files[f].path);
			for (size_t g = 0; g < c->nfiles && c->exe; g++)
				if (strcmp(c->files[g].path, mapped) == 0) {
					free(c->files[g].path);
					c->files[g].path = xstrdup(c->exe);
				}
			if (!c->exe)
				c->exe = xstrdup(mapped);
			free(mapped);
			break;
		}
	/* Every segment tied to its file first: a file is checked against
	 * its segments when it is first opened, below. */
	for (size_t f = 0; f < c->nfiles; f++)
		for (size_t i = first_ending_after(c, c->files[f].start);
		     i < c->nsegs && c->segs[i].vaddr < c->files[f].end; i++)
			if (c->segs[i].file < 0 && c->segs[i].vaddr >= c->files[f].start)
				c->segs[i].file = (int)f;
	for (size_t f = 0; f < c->nfiles; f++) {
		uint64_t at = c->files[f].start;
		for (size_t i = first_ending_after(c, at);
		     i < c->nsegs && c->segs[i].vaddr < c->files[f].end; i++) {
			if (c->segs[i].vaddr > at)
				add_file_range(c, f, at, c->segs[i].vaddr, &added, &nadded, &added_cap);
			at = c->segs[i].vaddr + c->segs[i].memsz;
		}
		if (at < c->files[f].end)
			add_file_range(c, f, at, c->files[f].end, &added, &nadded, &added_cap);
	}
	if (nadded) {
		c->segs = xrealloc(c->segs, (c->nsegs + nadded) * sizeof(*c->segs));
		memcpy(c->segs + c->nsegs, added, nadded * sizeof(*added));
		c->nsegs += nadded;
		drop_overlaps(c); /* files the core says overlap */
	}
	free(added);
}

static bool parse(struct core_file *c, Elf *elf, char *why, size_t why_len)
{
	GElf_Ehdr eh;
	size_t nph, threads_cap = 0, segs_cap = 0;

	if (elf_kind(elf) != ELF_K_ELF || !gelf_getehdr(elf, &eh)) {
		say(why, why_len, "not an ELF file");
		return false;
	}
	if (eh.e_type != ET_CORE) {
		say(why, why_len, "an ELF file, but no core dump (make one with gcore PID, or "
				  "coredumpctl dump)");
		return false;
	}
	if (gelf_getclass(elf) != ELFCLASS64 || eh.e_machine != ARCH_ELF_MACHINE) {
		snprintf(why, why_len, "a core of another architecture (machine %u); this pysample "
				       "reads " ARCH_NAME " cores",
			 (unsigned)eh.e_machine);
		return false;
	}
	if (elf_getphdrnum(elf, &nph) != 0 || nph > MAX_SEGMENTS) {
		say(why, why_len, "its program headers cannot be read");
		return false;
	}
	for (size_t i = 0; i < nph; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(elf, (int)i, &ph))
			continue;
		if (ph.p_type == PT_NOTE) {
			read_notes(c, elf, &ph, &threads_cap);
		} else if (ph.p_type == PT_LOAD && ph.p_memsz && ph.p_vaddr + ph.p_memsz > ph.p_vaddr) {
			struct core_segment s = {
				.vaddr = ph.p_vaddr, .memsz = ph.p_memsz, .offset = ph.p_offset,
				.filesz = ph.p_filesz < ph.p_memsz ? ph.p_filesz : ph.p_memsz,
				.readable = ph.p_flags & PF_R, .writable = ph.p_flags & PF_W,
				.executable = ph.p_flags & PF_X,
			};
			/* A core cut short holds what it holds. */
			if (s.offset >= c->size)
				s.filesz = 0;
			else if (s.filesz > c->size - s.offset)
				s.filesz = c->size - s.offset;
			grow_array((void **)&c->segs, &segs_cap, c->nsegs, sizeof(*c->segs));
			c->segs[c->nsegs++] = s;
		}
	}
	if (!c->nthreads) {
		say(why, why_len, "a core with no thread in it (no NT_PRSTATUS note)");
		return false;
	}
	settle_segments(c);
	if (!c->pid)
		c->pid = c->threads[0].tid;
	return true;
}

static bool open_elf(struct core_file *c, Elf *elf, char *why, size_t why_len)
{
	bool ok;

	if (!elf) {
		snprintf(why, why_len, "not an ELF file (%s)", elf_errmsg(-1));
		return false;
	}
	ok = parse(c, elf, why, why_len);
	elf_end(elf);
	return ok;
}

static void init(struct core_file *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	c->root_fd = -1;
	elf_version(EV_CURRENT);
}

bool corefile_open(struct core_file *c, const char *path, const char *exe, const char *sysroot,
		   char *why, size_t why_len)
{
	char reason[256];
	struct stat st;

	init(c);
	/* Regular files only: a FIFO or a device would block or act on open. */
	c->fd = targetfs_open_local(path, reason, sizeof(reason));
	if (c->fd < 0 || fstat(c->fd, &st) != 0) {
		snprintf(why, why_len, "cannot open %s: %s", path, reason);
		corefile_close(c);
		return false;
	}
	c->size = (uint64_t)st.st_size;
	c->root_fd = open(sysroot ? sysroot : "/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (c->root_fd < 0) {
		snprintf(why, why_len, "cannot open the directory %s: %s", sysroot ? sysroot : "/",
			 strerror(errno));
		corefile_close(c);
		return false;
	}
	if (exe)
		c->exe = xstrdup(exe);
	if (!open_elf(c, elf_begin(c->fd, ELF_C_READ, NULL), reason, sizeof(reason))) {
		snprintf(why, why_len, "%s: %s", path, reason);
		corefile_close(c);
		return false;
	}
	return true;
}

bool corefile_open_image(struct core_file *c, const uint8_t *image, size_t size, char *why,
			 size_t why_len)
{
	init(c);
	c->image = image;
	c->size = size;
	if (!open_elf(c, elf_memory((char *)(uintptr_t)image, size), why, why_len)) {
		corefile_close(c);
		return false;
	}
	return true;
}

void corefile_close(struct core_file *c)
{
	if (attached == c)
		attached = NULL;
	for (size_t i = 0; i < c->nfiles; i++) {
		if (c->files[i].fd >= 0)
			close(c->files[i].fd);
		free(c->files[i].path);
	}
	free(c->files);
	free(c->segs);
	free(c->threads);
	free(c->exe);
	if (c->fd >= 0)
		close(c->fd);
	if (c->root_fd >= 0)
		close(c->root_fd);
	init(c);
}

pid_t corefile_attach(struct core_file *c)
{
	attached = c;
	return CORE_SPACE;
}

void corefile_detach(struct core_file *c)
{
	if (attached == c)
		attached = NULL;
}

static struct core_file *core_of(pid_t space)
{
	return space == CORE_SPACE ? attached : NULL;
}

static const struct core_segment *find_segment(const struct core_file *c, uint64_t addr)
{
	size_t lo = 0, hi = c->nsegs;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct core_segment *s = &c->segs[mid];
		if (addr < s->vaddr)
			hi = mid;
		else if (addr - s->vaddr >= s->memsz)
			lo = mid + 1;
		else
			return s;
	}
	return NULL;
}

static void note_missing(struct core_file *c, uint64_t addr, const char *what)
{
	if (!c->missing++) {
		c->first_missing = addr;
		snprintf(c->first_missing_what, sizeof(c->first_missing_what), "%s", what);
	}
}

/*
 * Opens a mapped file once, and keeps it only when it is the file that
 * was mapped as far as the core can tell: the bytes the core kept of a
 * read-only mapping of it (the kernel keeps an ELF file's first page) are
 * the file's own at that offset.  A file replaced since (an upgrade), or
 * another machine's, would name frames from the wrong code.
 */
static int mapped_file_fd(struct core_file *c, size_t index, char *why, size_t why_len)
{
	struct core_mapped_file *f = &c->files[index];
	uint8_t kept[CHECK_BYTES], found[CHECK_BYTES];
	char reason[256];
	int fd;

	if (f->fd >= 0)
		return f->fd;
	if (f->bad || c->root_fd < 0) {
		snprintf(why, why_len, "%s cannot be read", f->path);
		return -1;
	}
	fd = targetfs_open_under(c->root_fd, f->path, reason, sizeof(reason));
	if (fd < 0) {
		snprintf(why, why_len, "%s: %s", f->path, reason);
		f->bad = true;
		return -1;
	}
	for (size_t i = 0; i < c->nsegs; i++) {
		const struct core_segment *s = &c->segs[i];
		size_t n = s->filesz < CHECK_BYTES ? (size_t)s->filesz : CHECK_BYTES;
		if (s->file != (int)index || s->writable || !n)
			continue;
		if (read_at(c, s->offset, kept, n) != n ||
		    pread(fd, found, n, (off_t)(f->offset + (s->vaddr - f->start))) != (ssize_t)n ||
		    memcmp(kept, found, n) != 0) {
			snprintf(why, why_len, "%s is not the file the process had mapped (replaced "
					       "since, or from another machine: give --sysroot)",
				 f->path);
			pys_warn("core: %s: its memory is left out", why);
			close(fd);
			f->bad = true;
			return -1;
		}
	}
	return f->fd = fd;
}

/* Bytes of a segment the core left out, from the file it maps. */
static size_t read_from_file(struct core_file *c, const struct core_segment *s, uint64_t in,
			     uint8_t *out, size_t len)
{
	const struct core_mapped_file *f;
	char why[512];
	uint64_t at;
	size_t done = 0;
	int fd;

	/* A written page of a private mapping would be in the core (its
	 * filter keeps them): left out, it is not the file's any more. */
	if (s->file < 0 || s->writable) {
		note_missing(c, s->vaddr + in,
			     s->file < 0 ? "anonymous memory the core does not hold"
					 : "a written file mapping the core does not hold");
		return 0;
	}
	fd = mapped_file_fd(c, (size_t)s->file, why, sizeof(why));
	if (fd < 0) {
		note_missing(c, s->vaddr + in, why);
		return 0;
	}
	f = &c->files[s->file];
	at = f->offset + (s->vaddr - f->start) + in;
	while (done < len) {
		ssize_t n = pread(fd, out + done, len - done, (off_t)(at + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	/* Past the file's end a mapping reads zeroes, up to its page;
	 * beyond that it would fault. */
	if (done < len)
		note_missing(c, s->vaddr + in + done, "past the end of the file it maps");
	return done;
}

/* Copies [addr, addr + len) as far as the core (or its files) hold it. */
static size_t read_memory(struct core_file *c, uint64_t addr, uint8_t *out, size_t len)
{
	size_t done = 0;

	while (done < len) {
		uint64_t at = addr + done;
		const struct core_segment *s = find_segment(c, at);
		uint64_t in, want, got;

		if (!s || !s->readable) {
			pys_debug("core: no readable segment at 0x%llx", (unsigned long long)at);
			break; /* unmapped, or a guard page: as a live read */
		}
		in = at - s->vaddr;
		want = s->memsz - in < len - done ? s->memsz - in : len - done;
		if (in < s->filesz) {
			if (want > s->filesz - in)
				want = s->filesz - in;
			got = read_at(c, s->offset + in, out + done, (size_t)want);
			if (got < want)
				note_missing(c, at + got, "cut off: the core file is shorter than it says");
		} else {
			got = read_from_file(c, s, in, out + done, (size_t)want);
		}
		done += (size_t)got;
		if (got < want)
			break;
	}
	return done;
}

ssize_t corefile_readv(pid_t space, const struct iovec *local, const struct iovec *remote,
		       unsigned long n)
{
	struct core_file *c = core_of(space);
	size_t total = 0;

	if (!c) {
		errno = ESRCH;
		return -1;
	}
	for (unsigned long i = 0; i < n; i++) {
		size_t len = local[i].iov_len < remote[i].iov_len ? local[i].iov_len
								   : remote[i].iov_len;
		size_t got = read_memory(c, (uint64_t)(uintptr_t)remote[i].iov_base,
					 local[i].iov_base, len);
		total += got;
		if (got < len || local[i].iov_len != remote[i].iov_len)
			break;
	}
	if (!total) {
		errno = EFAULT;
		return -1;
	}
	return (ssize_t)total;
}

bool corefile_maps(pid_t space, struct proc_maps *out)
{
	const struct core_file *c = core_of(space);

	memset(out, 0, sizeof(*out));
	if (!c)
		return false;
	out->entries = xcalloc(c->nsegs ? c->nsegs : 1, sizeof(*out->entries));
	for (size_t i = 0; i < c->nsegs; i++) {
		const struct core_segment *s = &c->segs[i];
		struct map_entry *e = &out->entries[out->count++];
		const struct core_mapped_file *f = s->file >= 0 ? &c->files[s->file] : NULL;
		e->start = s->vaddr;
		e->end = s->vaddr + s->memsz;
		e->offset = f ? f->offset + (s->vaddr - f->start) : 0;
		e->readable = s->readable;
		e->writable = s->writable;
		e->executable = s->executable;
		e->path = xstrdup(f ? f->path : c->vdso && s->vaddr == c->vdso ? "[vdso]" : "");
	}
	return true;
}

int corefile_open_mapped(pid_t space, const struct map_entry *e, char *why, size_t why_len)
{
	struct core_file *c = core_of(space);
	int fd;

	if (!c) {
		say(why, why_len, "no core");
		return -1;
	}
	for (size_t i = 0; i < c->nsegs; i++) {
		const struct core_segment *s = &c->segs[i];
		if (s->vaddr != e->start || s->file < 0)
			continue;
		fd = mapped_file_fd(c, (size_t)s->file, why, why_len);
		if (fd < 0)
			return -1;
		/* The caller owns what it gets; the core keeps its own. */
		fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
		if (fd < 0)
			snprintf(why, why_len, "dup: %s", strerror(errno));
		return fd;
	}
	say(why, why_len, "no file mapping there in the core");
	return -1;
}

int corefile_root(pid_t space)
{
	const struct core_file *c = core_of(space);

	return c ? c->root_fd : -1;
}

const char *corefile_exe(pid_t space)
{
	const struct core_file *c = core_of(space);

	return c && c->exe ? c->exe : "";
}
