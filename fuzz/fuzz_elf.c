/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ELF files of the target's modules.  They are whatever the target mapped:
 * a library being rewritten on disk, a file replaced after the mapping, or
 * a crafted one, so opening them and looking up _PyRuntime, Py_Version,
 * .PyRuntime and the load bias must survive any bytes.
 *
 * elf_file_open_fd() reads a file, so the input goes into a memfd that is
 * opened again through /proc/self/fd, as pysample reopens the target's
 * files it found with O_PATH.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "elfsym.h"

#include "fuzz.h"

static int memfd = -1;
static char memfd_path[64];

static bool write_input(const uint8_t *data, size_t size)
{
	size_t done = 0;

	if (memfd < 0) {
		memfd = memfd_create("fuzz_elf", MFD_CLOEXEC);
		if (memfd < 0)
			return false;
		snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d", memfd);
	}
	if (ftruncate(memfd, 0) != 0)
		return false;
	while (done < size) {
		ssize_t n = pwrite(memfd, data + done, size - done, (off_t)done);
		if (n <= 0)
			return false;
		done += (size_t)n;
	}
	return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const symbols[] = { "_PyRuntime", "Py_Version", "" };
	static const char *const sections[] = { ".PyRuntime", ".symtab", ".dynsym", "" };
	/* Mapping offsets as /proc/PID/maps shows them: the start of the file,
	 * typical text offsets, and absurd ones. */
	static const uint64_t map_offsets[] = { 0, 0x1000, 0x28000, UINT64_MAX & ~0xfffull };
	struct elf_file *ef;
	const char *why = NULL;
	uint64_t a, b;

	if (!write_input(data, size))
		return 0;
	ef = elf_file_open_fd(open(memfd_path, O_RDONLY | O_CLOEXEC), &why);
	if (!ef) {
		if (!why)
			__builtin_trap();
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(symbols); i++)
		elf_file_symbol(ef, symbols[i], &a, &b);
	for (size_t i = 0; i < ARRAY_SIZE(sections); i++)
		elf_file_section(ef, sections[i], &a, &b);
	for (size_t i = 0; i < ARRAY_SIZE(map_offsets); i++) {
		elf_file_load_bias(ef, 0x7f0000000000ull + map_offsets[i], map_offsets[i], &a);
		elf_file_vaddr_of_offset(ef, map_offsets[i], &a);
	}
	elf_file_close(ef);
	return 0;
}
