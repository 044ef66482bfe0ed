/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The .debug_frame -> .eh_frame rewrite on hand-made sections, and the
 * .eh_frame FDE list against the linker's own .eh_frame_hdr table. */
#include <dlfcn.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unwind-libunwind-ehframe.h"
#include "tap.h"

static size_t put(uint8_t *p, const void *src, size_t n) { memcpy(p, src, n); return n; }

/* A CIE of the given version and an FDE for [start, start + 0x40). */
static size_t section(uint8_t *buf, int version, uint64_t start)
{
	size_t at = 0;
	uint32_t len, id = 0xffffffffu, zero32 = 0;
	/* CIE: length, id, version, "" augmentation, [addr size, seg size],
	 * code align 1, data align -8, RA 16, then padding instructions. */
	uint8_t cie_body[] = { 0, 1, 0x78, 16, 0, 0 };
	/* id, version, "", code/data alignment, RA register, two DW_CFA_nop */
	len = 4 + 1 + 1 + (uint32_t)(sizeof(cie_body) - 1) + 1 + (version == 4 ? 2 : 0);
	at += put(buf + at, &len, 4);
	at += put(buf + at, &id, 4);
	buf[at++] = (uint8_t)version;
	buf[at++] = 0; /* augmentation "" */
	if (version == 4) {
		buf[at++] = 8; /* address_size */
		buf[at++] = 0; /* segment_selector_size */
	}
	at += put(buf + at, cie_body + 1, sizeof(cie_body) - 1);
	buf[at++] = 0;
	/* FDE: length, CIE offset (0), start, range. */
	uint64_t range = 0x40;
	len = 4 + 8 + 8;
	at += put(buf + at, &len, 4);
	at += put(buf + at, &zero32, 4);
	at += put(buf + at, &start, 8);
	at += put(buf + at, &range, 8);
	return at;
}

static Elf_Data *elf_section(Elf *elf, const char *want, GElf_Shdr *sh)
{
	size_t shstrndx;
	Elf_Scn *scn = NULL;

	if (elf_getshdrstrndx(elf, &shstrndx) != 0)
		return NULL;
	while ((scn = elf_nextscn(elf, scn)) != NULL) {
		const char *name;
		if (!gelf_getshdr(scn, sh) || !(name = elf_strptr(elf, shstrndx, sh->sh_name)))
			continue;
		if (strcmp(name, want) == 0)
			return elf_getdata(scn, NULL);
	}
	return NULL;
}

/* A real .eh_frame, listed, against its .eh_frame_hdr: the same FDEs, at
 * the same starts. */
static void eh_frame_matches_hdr(const char *path)
{
	int fd = open(path, O_RDONLY);
	Elf *elf;
	GElf_Shdr eh_sh, hdr_sh;
	Elf_Data *eh, *hdr;
	struct ehframe_fde *fdes;
	size_t n = 0, same = 0;
	uint32_t count = 0;

	elf_version(EV_CURRENT);
	elf = fd >= 0 ? elf_begin(fd, ELF_C_READ, NULL) : NULL;
	eh = elf ? elf_section(elf, ".eh_frame", &eh_sh) : NULL;
	hdr = elf ? elf_section(elf, ".eh_frame_hdr", &hdr_sh) : NULL;
	if (!eh || !hdr || hdr->d_size < 12) {
		ok(0, "%s has .eh_frame and .eh_frame_hdr", path);
		return;
	}
	fdes = ehframe_fdes(eh->d_buf, eh->d_size, eh_sh.sh_addr, 0, &n);
	memcpy(&count, (uint8_t *)hdr->d_buf + 8, 4);
	for (size_t i = 0; fdes && i < n && i < count && 12 + 8 * (i + 1) <= hdr->d_size; i++) {
		int32_t start, fde;
		memcpy(&start, (uint8_t *)hdr->d_buf + 12 + 8 * i, 4);
		memcpy(&fde, (uint8_t *)hdr->d_buf + 16 + 8 * i, 4);
		same += fdes[i].start == hdr_sh.sh_addr + (uint64_t)(int64_t)start &&
			eh_sh.sh_addr + fdes[i].offset == hdr_sh.sh_addr + (uint64_t)(int64_t)fde;
	}
	ok(fdes && n == count && same == n,
	   "%s: .eh_frame listed, %zu FDEs, %zu the same as the %u of the linker's .eh_frame_hdr",
	   path, n, same, count);
	free(fdes);
	elf_end(elf);
	close(fd);
}

int main(void)
{
	uint8_t buf[256], *img;
	size_t len, image_len, n;
	struct ehframe_fde *fdes;
	uint32_t v;

	len = section(buf, 1, 0x1000);
	img = ehframe_from_debug_frame(buf, len, 0x7f0000000000ull, &image_len, &fdes, &n);
	ok(img && n == 1 && fdes[0].start == 0x7f0000001000ull, "version 1: one FDE, start relocated");
	if (img) {
		memcpy(&v, img + 4, 4);
		ok(v == 0, "CIE id rewritten to 0");
		memcpy(&v, img + fdes[0].offset + 4, 4);
		ok(v == fdes[0].offset + 4, "FDE points back to its CIE from its own field");
		ok(image_len == len + 4, "same size plus the zero terminator");
		free(img);
		free(fdes);
	}
	len = section(buf, 4, 0x2000);
	img = ehframe_from_debug_frame(buf, len, 0, &image_len, &fdes, &n);
	ok(img && n == 1 && image_len == len - 2 + 4 && img[8] == 3,
	   "version 4 (DWARF 5): address/segment sizes dropped, written as version 3");
	if (img) {
		memcpy(&v, img + fdes[0].offset + 4, 4);
		ok(v == fdes[0].offset + 4, "FDE still points at the moved CIE");
		free(img);
		free(fdes);
	}
	memset(buf, 0xff, 16);
	ok(!ehframe_from_debug_frame(buf, 16, 0, &image_len, &fdes, &n), "64-bit DWARF refused");
	len = section(buf, 1, 0x1000);
	ok(!ehframe_from_debug_frame(buf, len - 3, 0, &image_len, &fdes, &n), "truncated FDE refused");
	eh_frame_matches_hdr("/proc/self/exe");
	/* The C library's: personality and LSDA augmentations, thousands of FDEs. */
	Dl_info libc;
	ok(dladdr((void *)&printf, &libc) && libc.dli_fname, "the C library found");
	eh_frame_matches_hdr(libc.dli_fname);
	/* A "zR" CIE whose augmentation data is declared empty has no FDE
	 * encoding: the byte after it (0x02, udata2, here) is its first
	 * instruction.  Read as the encoding, it let a 10-byte FDE with no
	 * room for its address range through (fuzz/corpus/fuzz_ehframe/
	 * cie-zR-empty-augmentation). */
	{
		static const uint8_t blob[] = {
			21, 0, 0, 0, 0, 0, 0, 0, 1, 'z', 'R', 0, 1, 0x78, 16, 0, 0x02,
			0, 0, 0, 0, 0, 0, 0, 0,
			6, 0, 0, 0, 29, 0, 0, 0, 0x34, 0x12,
		};
		size_t nbad = 0;
		struct ehframe_fde *bad = ehframe_fdes(blob, sizeof(blob), 0x1000, 0, &nbad);
		ok(!bad, "a zR CIE with empty augmentation data gives its FDEs no encoding");
		free(bad);
	}
	/* "zRS" (a signal frame, as glibc's __restore_rt has): 'S' takes no
	 * augmentation data, so the encoding byte is all of it. */
	{
		static const uint8_t blob[] = {
			16, 0, 0, 0, 0, 0, 0, 0, 1, 'z', 'R', 'S', 0, 1, 0x78, 16, 1, 0x1b, 0, 0,
			16, 0, 0, 0, 24, 0, 0, 0, 0xe4, 0x0f, 0, 0, 0x10, 0, 0, 0, 0, 0, 0, 0,
		};
		size_t ns = 0;
		struct ehframe_fde *sig = ehframe_fdes(blob, sizeof(blob), 0x1000, 0, &ns);
		ok(sig && ns == 1 && sig[0].start == 0x2000 && sig[0].offset == 20,
		   "a zRS CIE (signal frame): its FDE listed, at 0x2000");
		free(sig);
	}
	return tap_done();
}
