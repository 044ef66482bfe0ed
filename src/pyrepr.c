/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pyrepr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "memread.h"
#include "pycode.h"

/* Py_TPFLAGS_*_SUBCLASS (Include/object.h; the same bits in 3.8-3.15): a
 * type named "int" is read as one only if it also says it is one. */
#define TPFLAGS_LONG (1ull << 24)
#define TPFLAGS_LIST (1ull << 25)
#define TPFLAGS_TUPLE (1ull << 26)
#define TPFLAGS_BYTES (1ull << 27)
#define TPFLAGS_UNICODE (1ull << 28)
#define TPFLAGS_DICT (1ull << 29)

#define STR_SHOWN 64        /* characters of a str shown */
#define BYTES_SHOWN 48      /* bytes of a bytes shown */
#define INT_DIGITS_MAX 128  /* 30-bit digits converted: up to 1,156 decimal digits */
#define INT_SHOWN 40        /* decimal digits shown of an int too long for the line */
#define LONG_SHIFT 30
/* Lengths beyond this are garbage, not containers (2^48 bytes is more
 * than any address space pysample reads). */
#define SANE_LENGTH (1ull << 48)

void py_repr_init(struct py_repr_ctx *c, pid_t pid, const struct py_layout *l)
{
	memset(c, 0, sizeof(*c));
	c->pid = pid;
	c->l = l;
}

bool py_repr_supported(const struct py_layout *l)
{
	return l->frame_localsplus != PY_NO_FIELD && l->code_localnames != PY_NO_FIELD &&
	       l->object_type != PY_NO_FIELD && l->type_name != PY_NO_FIELD &&
	       l->type_flags != PY_NO_FIELD && l->long_digits != PY_NO_FIELD &&
	       (l->long_size != PY_NO_FIELD || l->long_tag != PY_NO_FIELD) &&
	       (l->code_localkinds != PY_NO_FIELD ||
		(l->code_nlocals != PY_NO_FIELD && l->code_cellvars != PY_NO_FIELD &&
		 l->code_freevars != PY_NO_FIELD));
}

/* Appends s at out[*pos], as much as fits before the NUL. */
static void put(char *out, size_t out_len, size_t *pos, const char *s)
{
	size_t n = strlen(s);

	if (*pos >= out_len)
		return;
	if (n > out_len - 1 - *pos)
		n = out_len - 1 - *pos;
	memcpy(out + *pos, s, n);
	*pos += n;
	out[*pos] = '\0';
}

bool py_format_int(const struct py_layout *l, const uint8_t *obj, size_t len, char *out,
		   size_t out_len, size_t *needed)
{
	uint32_t digits[INT_DIGITS_MAX];
	char dec[INT_DIGITS_MAX * 10 + 2];
	uint64_t ndigits;
	bool negative;
	size_t pos, n, want;

	*needed = 0;
	if (out_len == 0)
		return false;
	out[0] = '\0';
	if (l->long_tag != PY_NO_FIELD) {
		uint64_t tag;
		if ((size_t)l->long_tag + 8 > len)
			return false;
		memcpy(&tag, obj + l->long_tag, 8);
		if ((tag & 3) == 3)
			return false;
		ndigits = (tag & 3) == 1 ? 0 : tag >> 3; /* 1: zero */
		negative = (tag & 3) == 2;
	} else {
		int64_t size;
		if (l->long_size == PY_NO_FIELD || (size_t)l->long_size + 8 > len)
			return false;
		memcpy(&size, obj + l->long_size, 8);
		if (size < -(int64_t)SANE_LENGTH || size > (int64_t)SANE_LENGTH)
			return false;
		negative = size < 0;
		ndigits = (uint64_t)(negative ? -size : size);
	}
	if (ndigits > INT_DIGITS_MAX) {
		/* 30 bits are 9.03 decimal digits. */
		snprintf(out, out_len, "<int of about %llu digits>",
			 (unsigned long long)(ndigits * 903 / 100));
		return true;
	}
	want = (size_t)l->long_digits + (size_t)ndigits * 4;
	if (want > len) {
		*needed = want;
		return false;
	}
	for (size_t i = 0; i < ndigits; i++) {
		memcpy(&digits[i], obj + l->long_digits + i * 4, 4);
		if (digits[i] >> LONG_SHIFT)
			return false; /* not a digit: garbage */
	}
	/* Decimal, nine digits at a time, by dividing the 30-bit digits by
	 * 10^9 from the most significant one: quadratic, and bounded. */
	pos = sizeof(dec) - 1;
	dec[pos] = '\0';
	n = (size_t)ndigits;
	while (n > 0 && digits[n - 1] == 0)
		n--;
	while (n > 0) {
		uint64_t rem = 0;
		for (size_t i = n; i-- > 0;) {
			uint64_t cur = (rem << LONG_SHIFT) | digits[i];
			digits[i] = (uint32_t)(cur / 1000000000u);
			rem = cur % 1000000000u;
		}
		while (n > 0 && digits[n - 1] == 0)
			n--;
		for (int k = 0; k < 9 && (n > 0 || rem > 0); k++) {
			dec[--pos] = (char)('0' + rem % 10);
			rem /= 10;
		}
	}
	if (dec[pos] == '\0')
		dec[--pos] = '0';
	size_t ndec = sizeof(dec) - 1 - pos;
	size_t at = 0;
	if (negative && ndec && !(ndec == 1 && dec[pos] == '0'))
		put(out, out_len, &at, "-");
	if (at + ndec < out_len) {
		put(out, out_len, &at, dec + pos);
	} else {
		char head[INT_SHOWN + 1], tail[48];
		size_t shown = ndec < INT_SHOWN ? ndec : INT_SHOWN; /* a tiny out_len */
		memcpy(head, dec + pos, shown);
		head[shown] = '\0';
		snprintf(tail, sizeof(tail), "... (%zu digits)", ndec);
		put(out, out_len, &at, head);
		put(out, out_len, &at, tail);
	}
	return true;
}

void py_format_float(double v, char *out, size_t out_len)
{
	char buf[64];

	if (out_len == 0)
		return;
	if (isnan(v)) {
		snprintf(out, out_len, "nan");
		return;
	}
	if (isinf(v)) {
		snprintf(out, out_len, v < 0 ? "-inf" : "inf");
		return;
	}
	/* repr(): the fewest significant digits that read back the same
	 * double, positional from 1e-4 up to 1e16, exponent outside. */
	for (int prec = 1; prec <= 17; prec++) {
		int exp;
		char *e;
		snprintf(buf, sizeof(buf), "%.*e", prec - 1, v);
		if (strtod(buf, NULL) != v && prec < 17)
			continue;
		e = strchr(buf, 'e');
		exp = e ? atoi(e + 1) : 0;
		if (exp >= -4 && exp < 16) {
			snprintf(buf, sizeof(buf), "%.*f", prec - 1 - exp > 0 ? prec - 1 - exp : 0, v);
			if (!strchr(buf, '.'))
				strcat(buf, ".0");
		}
		break;
	}
	snprintf(out, out_len, "%s", buf);
}

/* One character of a str or bytes literal, escaped as repr() does it. */
static void put_escaped(uint32_t cp, char quote, bool bytes, char *out, size_t out_len, size_t *pos)
{
	char esc[16];

	if (cp == '\\' || cp == (uint32_t)quote) {
		snprintf(esc, sizeof(esc), "\\%c", (char)cp);
	} else if (cp == '\n') {
		snprintf(esc, sizeof(esc), "\\n");
	} else if (cp == '\r') {
		snprintf(esc, sizeof(esc), "\\r");
	} else if (cp == '\t') {
		snprintf(esc, sizeof(esc), "\\t");
	} else if (cp < 0x20 || cp == 0x7f || (bytes && cp > 0x7f) || (cp >= 0x80 && cp < 0xa0)) {
		snprintf(esc, sizeof(esc), "\\x%02x", (unsigned)cp);
	} else if ((cp >= 0xd800 && cp < 0xe000) || cp == 0x2028 || cp == 0x2029) {
		snprintf(esc, sizeof(esc), "\\u%04x", (unsigned)cp);
	} else if (cp > 0x10ffff) {
		snprintf(esc, sizeof(esc), "\\U%08x", (unsigned)cp);
	} else {
		py_put_utf8(cp, out, out_len, pos);
		out[*pos < out_len ? *pos : out_len - 1] = '\0';
		return;
	}
	put(out, out_len, pos, esc);
}

/* Room kept at the end of a literal for its closing quote and how long
 * the whole value is. */
#define LITERAL_TAIL 40

bool py_format_str(const struct py_layout *l, const uint8_t *obj, size_t len, char *out,
		   size_t out_len, size_t *needed)
{
	uint64_t length, shown, i;
	unsigned kind;
	size_t data, pos = 0;
	char quote = '\'';
	bool has_single = false, has_double = false;

	*needed = 0;
	if (out_len <= LITERAL_TAIL)
		return false;
	out[0] = '\0';
	if (!py_unicode_header(l, obj, len, &kind, &length, &data))
		return false;
	shown = length > STR_SHOWN ? STR_SHOWN : length;
	if (data + shown * kind > len) {
		*needed = data + shown * kind;
		return false;
	}
	for (i = 0; i < shown; i++) {
		uint32_t cp = py_unicode_char(obj + data + i * kind, kind);
		has_single |= cp == '\'';
		has_double |= cp == '"';
	}
	if (has_single && !has_double)
		quote = '"';
	out[pos++] = quote;
	out[pos] = '\0';
	for (i = 0; i < shown && pos + LITERAL_TAIL < out_len; i++)
		put_escaped(py_unicode_char(obj + data + i * kind, kind), quote, false, out, out_len,
			    &pos);
	put(out, out_len, &pos, (char[]){ quote, '\0' });
	if (i < length) {
		char tail[48];
		snprintf(tail, sizeof(tail), "... (%llu chars)", (unsigned long long)length);
		put(out, out_len, &pos, tail);
	}
	return true;
}

void py_format_bytes(const uint8_t *data, size_t len, uint64_t total, char *out, size_t out_len)
{
	size_t pos = 0, i;

	if (out_len <= LITERAL_TAIL) {
		if (out_len)
			out[0] = '\0';
		return;
	}
	/* The quotes repr() chooses: double ones for a ' without a ". */
	char quote = memchr(data, '\'', len) && !memchr(data, '"', len) ? '"' : '\'';
	put(out, out_len, &pos, quote == '"' ? "b\"" : "b'");
	for (i = 0; i < len && pos + LITERAL_TAIL < out_len; i++)
		put_escaped(data[i], quote, true, out, out_len, &pos);
	put(out, out_len, &pos, quote == '"' ? "\"" : "'");
	if (i < total) {
		char tail[48];
		snprintf(tail, sizeof(tail), "... (%llu bytes)", (unsigned long long)total);
		put(out, out_len, &pos, tail);
	}
}

/* A type's name is a C string the target keeps: short, printable, or it
 * is not believed. */
static bool sane_type_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if ((unsigned char)*s < 0x21 || (unsigned char)*s > 0x7e)
			return false;
	return true;
}

bool py_repr_type(struct py_repr_ctx *c, uint64_t addr, const char **name, uint64_t *flags)
{
	const struct py_layout *l = c->l;
	uint64_t type, name_addr;
	uint8_t head[256];
	char buf[sizeof(c->types[0].name)];
	unsigned slot;
	size_t got;

	*name = "";
	*flags = 0;
	if (!mem_read_u64(c->pid, addr + (uint64_t)l->object_type, &type) || !type)
		return false;
	for (unsigned i = 0; i < PY_REPR_TYPES; i++) {
		if (c->types[i].addr == type) {
			*name = c->types[i].name;
			*flags = c->types[i].flags;
			return true;
		}
	}
	if ((size_t)l->type_flags + 8 > sizeof(head) || (size_t)l->type_name + 8 > sizeof(head) ||
	    !mem_read(c->pid, type, head, (size_t)(l->type_flags > l->type_name ? l->type_flags
									       : l->type_name) + 8))
		return false;
	memcpy(&name_addr, head + l->type_name, 8);
	got = name_addr ? mem_read_partial(c->pid, name_addr, buf, sizeof(buf) - 1) : 0;
	buf[got] = '\0'; /* a longer name is cut: it still tells the type */
	if (!sane_type_name(buf))
		return false;
	slot = c->next_type++ % PY_REPR_TYPES;
	c->types[slot].addr = type;
	memcpy(&c->types[slot].flags, head + l->type_flags, 8);
	snprintf(c->types[slot].name, sizeof(c->types[slot].name), "%s", buf);
	*name = c->types[slot].name;
	*flags = c->types[slot].flags;
	return true;
}

bool py_read_str(struct py_repr_ctx *c, uint64_t addr, char *out, size_t out_len)
{
	uint8_t buf[256];
	size_t got, needed;

	if (!addr)
		return false;
	got = mem_read_partial(c->pid, addr, buf, sizeof(buf));
	return py_decode_unicode(c->l, buf, got, out, out_len, &needed);
}

bool py_read_u64(struct py_repr_ctx *c, uint64_t addr, uint64_t *value)
{
	const struct py_layout *l = c->l;
	uint8_t obj[64];
	uint64_t ndigits, v = 0;
	const char *type;
	uint64_t flags;

	size_t got;

	/* A small object may end just before an unreadable page. */
	if (!py_repr_type(c, addr, &type, &flags) || !(flags & TPFLAGS_LONG) ||
	    (got = mem_read_partial(c->pid, addr, obj, sizeof(obj))) < (size_t)l->long_digits)
		return false;
	if (l->long_tag != PY_NO_FIELD) {
		uint64_t tag;
		memcpy(&tag, obj + l->long_tag, 8);
		if ((tag & 3) == 2 || (tag & 3) == 3)
			return false; /* negative, or not an int */
		ndigits = (tag & 3) == 1 ? 0 : tag >> 3;
	} else {
		int64_t size;
		memcpy(&size, obj + l->long_size, 8);
		if (size < 0)
			return false;
		ndigits = (uint64_t)size;
	}
	/* 64 bits are three 30-bit digits (the last holding 4 bits). */
	if (ndigits > 3 || (size_t)l->long_digits + ndigits * 4 > got)
		return false;
	for (uint64_t i = ndigits; i-- > 0;) {
		uint32_t d;
		memcpy(&d, obj + l->long_digits + i * 4, 4);
		if (d >> 30 || (i == 2 && d >> 4))
			return false;
		v = v << 30 | d;
	}
	*value = v;
	return true;
}

/* Reads the first `first` bytes of an object, then as many as the
 * formatter says it needs (at most `most`), and formats them. */
typedef bool (*format_fn)(const struct py_layout *l, const uint8_t *obj, size_t len, char *out,
			  size_t out_len, size_t *needed);

static bool read_and_format(struct py_repr_ctx *c, uint64_t addr, size_t first, size_t most,
			    format_fn fmt, char *out, size_t out_len)
{
	uint8_t small[256], *buf;
	size_t got, needed;
	bool ok;

	if (first > sizeof(small))
		first = sizeof(small);
	got = mem_read_partial(c->pid, addr, small, first);
	if (fmt(c->l, small, got, out, out_len, &needed))
		return true;
	if (needed <= got || needed > most)
		return false;
	buf = xmalloc(needed);
	ok = mem_read(c->pid, addr, buf, needed) && fmt(c->l, buf, needed, out, out_len, &needed);
	free(buf);
	return ok;
}

static bool read_length(struct py_repr_ctx *c, uint64_t addr, int field, uint64_t *n)
{
	return field != PY_NO_FIELD && mem_read_u64(c->pid, addr + (uint64_t)field, n) &&
	       *n < SANE_LENGTH;
}

void py_repr(struct py_repr_ctx *c, uint64_t addr, char *out, size_t out_len)
{
	const struct py_layout *l = c->l;
	const char *type;
	uint64_t flags, n;

	if (out_len == 0)
		return;
	if (!py_repr_type(c, addr, &type, &flags)) {
		snprintf(out, out_len, "<unreadable object at %#llx>", (unsigned long long)addr);
		return;
	}
	if (strcmp(type, "NoneType") == 0) {
		snprintf(out, out_len, "None");
		return;
	}
	if ((strcmp(type, "int") == 0 || strcmp(type, "bool") == 0) && (flags & TPFLAGS_LONG)) {
		char num[PY_REPR_MAX];
		if (read_and_format(c, addr, 64, (size_t)l->long_digits + 4 * INT_DIGITS_MAX,
				    py_format_int, num, sizeof(num))) {
			if (type[0] == 'b')
				snprintf(out, out_len, "%s", strcmp(num, "0") == 0 ? "False" : "True");
			else
				snprintf(out, out_len, "%s", num);
			return;
		}
	} else if (strcmp(type, "float") == 0 && l->float_value != PY_NO_FIELD) {
		double v;
		if (mem_read(c->pid, addr + (uint64_t)l->float_value, &v, sizeof(v))) {
			py_format_float(v, out, out_len);
			return;
		}
	} else if (strcmp(type, "str") == 0 && (flags & TPFLAGS_UNICODE)) {
		if (read_and_format(c, addr, 256, (size_t)l->unicode_compact_data + 4 * STR_SHOWN,
				    py_format_str, out, out_len))
			return;
	} else if (strcmp(type, "bytes") == 0 && (flags & TPFLAGS_BYTES)) {
		uint8_t data[BYTES_SHOWN];
		if (read_length(c, addr, l->bytes_size, &n)) {
			size_t want = n < BYTES_SHOWN ? (size_t)n : BYTES_SHOWN;
			if (mem_read(c->pid, addr + (uint64_t)l->bytes_data, data, want)) {
				py_format_bytes(data, want, n, out, out_len);
				return;
			}
		}
	} else {
		/* Containers: their length only (what they hold may be huge,
		 * or hold themselves). */
		int field = PY_NO_FIELD;
		if (strcmp(type, "tuple") == 0 && (flags & TPFLAGS_TUPLE))
			field = l->tuple_size;
		else if (strcmp(type, "list") == 0 && (flags & TPFLAGS_LIST))
			field = l->list_size;
		else if (strcmp(type, "dict") == 0 && (flags & TPFLAGS_DICT))
			field = l->dict_used;
		else if (strcmp(type, "set") == 0 || strcmp(type, "frozenset") == 0)
			field = l->set_used;
		if (field == PY_NO_FIELD) {
			snprintf(out, out_len, "<%s object at %#llx>", type, (unsigned long long)addr);
			return;
		}
		if (read_length(c, addr, field, &n)) {
			snprintf(out, out_len, "<%s, len %llu>", type, (unsigned long long)n);
			return;
		}
	}
	snprintf(out, out_len, "<unreadable %s at %#llx>", type, (unsigned long long)addr);
}
