/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The perf-script writer with hostile names.  Python names, file names,
 * module paths and thread names all come from the target, and every
 * consumer (FlameGraph, speedscope, the Firefox Profiler) parses the text
 * by lines, blanks and parentheses, so doc/output-format.md's rules must
 * hold whatever the names are:
 *   - no name adds a line break, the header never starts with a blank;
 *   - every line is valid UTF-8, with no C1 control, no Unicode line or
 *     paragraph separator and no bidirectional override;
 *   - frame lines are "\t... (dso)" and the dso has no blank or parenthesis;
 *   - every record ends with an empty line.
 *
 * Input: 24 bytes of numbers (pid, tid, time, period), then NUL-separated
 * strings: the comm, then (symbol, dso) pairs; an empty string stands for
 * NULL.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "output.h"

#include "fuzz.h"

#define HEADER 24
#define MAX_FRAMES 64

static int devnull = -1;

/* Splits off the next NUL-terminated field of buf[*pos, len). */
static const char *next_field(char *buf, size_t len, size_t *pos)
{
	const char *s;

	if (*pos >= len)
		return NULL;
	s = buf + *pos;
	*pos += strlen(s) + 1;
	return *s ? s : NULL;
}

/* A control byte, or a byte that is not part of well-formed UTF-8, or a
 * character that breaks or reorders a line. */
static bool has_control(const char *str, const char *end)
{
	const unsigned char *s = (const unsigned char *)str, *e = (const unsigned char *)end;

	while (s < e) {
		unsigned c = *s, len, cp;
		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return true;
			s++;
			continue;
		}
		len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
		if (!len || len > (unsigned)(e - s) || c > 0xf4 || c < 0xc2)
			return true;
		cp = c & (0x3f >> (len - 1));
		for (unsigned i = 1; i < len; i++) {
			if ((s[i] & 0xc0) != 0x80)
				return true;
			cp = cp << 6 | (s[i] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp < 0xe000) || (cp >= 0x80 && cp < 0xa0) || cp == 0x2028 ||
		    cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
			return true;
		s += len;
	}
	return false;
}

/* Checks one record, buf[0, len), against the format rules above. */
static void check_record(const char *buf, size_t len, size_t nframes)
{
	const char *p = buf, *end = buf + len, *nl;
	size_t lines = 0;

	CHECK(len >= 2 && end[-1] == '\n' && end[-2] == '\n');
	nl = memchr(p, '\n', (size_t)(end - p));
	CHECK(nl != NULL);
	/* Header line. */
	CHECK(p[0] != ' ' && p[0] != '\t' && p[0] != '\n');
	CHECK(!has_control(p, nl));
	p = nl + 1;
	/* Frame lines, up to the empty line. */
	while (p < end && *p != '\n') {
		const char *open = NULL;

		nl = memchr(p, '\n', (size_t)(end - p));
		CHECK(nl != NULL);
		CHECK(p[0] == '\t');
		CHECK(!has_control(p + 1, nl));
		CHECK(nl - p >= 3 && nl[-1] == ')');
		for (const char *q = p; q + 1 < nl; q++)
			if (q[0] == ' ' && q[1] == '(')
				open = q + 2;
		CHECK(open != NULL);
		for (const char *q = open; q < nl - 1; q++)
			CHECK(*q != ' ' && *q != '(' && *q != ')');
		lines++;
		p = nl + 1;
	}
	CHECK(lines == nframes);
	CHECK(p == end - 1);
}

/* output_sanitize on its own, into buffers of every small size, with and
 * without text already in them. */
static void check_sanitize(const char *src)
{
	for (size_t dst_len = 1; dst_len <= 9; dst_len++) {
		for (size_t prefix = 0; prefix < dst_len && prefix < 3; prefix++) {
			char *dst = malloc(dst_len);
			size_t n;

			if (!dst)
				return;
			memset(dst, 'p', prefix);
			dst[prefix] = '\0';
			output_sanitize(dst, dst_len, src, true);
			n = strnlen(dst, dst_len);
			CHECK(n < dst_len && n >= prefix);
			for (size_t i = prefix; i < n; i++)
				CHECK(dst[i] != ' ' && dst[i] != '(' && dst[i] != ')');
			CHECK(!has_control(dst + prefix, dst + n));
			free(dst);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct output o;
	int32_t pid, tid;
	uint64_t time_ns, period, addr;
	char *buf;
	size_t len, pos = 0, nframes = 0;
	const char *comm;

	if (size < HEADER)
		return 0;
	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	memcpy(&pid, data, 4);
	memcpy(&tid, data + 4, 4);
	memcpy(&time_ns, data + 8, 8);
	memcpy(&period, data + 16, 8);
	len = size - HEADER;
	/* A terminating NUL, so the last field is a C string too. */
	buf = malloc(len + 1);
	if (!buf)
		return 0;
	memcpy(buf, data + HEADER, len);
	buf[len] = '\0';

	output_init(&o, devnull, "cpu-clock");
	comm = next_field(buf, len, &pos);
	output_record_begin(&o, comm, pid, tid, time_ns, period);
	addr = time_ns ^ period;
	while (pos < len && nframes < MAX_FRAMES) {
		const char *sym = next_field(buf, len, &pos);
		const char *dso = next_field(buf, len, &pos);

		output_frame(&o, addr, sym, period + nframes, dso);
		if (dso)
			check_sanitize(dso);
		addr = addr * 6364136223846793005ull + 1442695040888963407ull;
		nframes++;
	}
	output_record_end(&o);
	/* Far below the flush threshold: the whole record is still buffered. */
	check_record(o.buf, o.len, nframes);
	CHECK(output_flush(&o));
	CHECK(o.len == 0);
	output_free(&o);
	free(buf);
	return 0;
}
