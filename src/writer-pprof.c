/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pprof's format: a gzipped profile.proto message (github.com/google/pprof,
 * proto/profile.proto), read by `go tool pprof`, pprof's web UI, Grafana
 * Pyroscope, Parca, Polar Signals, Google Cloud Profiler.
 *
 * The profile is built in memory at the end and gzipped whole.  Every
 * profile stack is one Sample, its locations leaf first as pprof wants
 * them (the order profile stacks are stored in), valued [samples, time]
 * and labelled with its thread (name, tid, pid).  A Function per distinct
 * (name, system name, file, first line); a Location per distinct frame,
 * except that inlined frames and the native frame they were inlined into
 * are one location with several lines, innermost first (pprof's
 * convention: a location is an address, its lines the inline chain
 * there).  A Mapping per native module (path and build-id).
 */
#include "config.h"

#include "profile.h"
#include "protobuf.h"
#include "writer.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

/* profile.proto's field numbers, per message. */
enum {
	PROFILE_SAMPLE_TYPE = 1, PROFILE_SAMPLE = 2, PROFILE_MAPPING = 3,
	PROFILE_LOCATION = 4, PROFILE_FUNCTION = 5, PROFILE_STRING_TABLE = 6,
	PROFILE_TIME_NANOS = 9, PROFILE_DURATION_NANOS = 10, PROFILE_PERIOD_TYPE = 11,
	PROFILE_PERIOD = 12, PROFILE_COMMENT = 13,
	VALUE_TYPE_TYPE = 1, VALUE_TYPE_UNIT = 2,
	SAMPLE_LOCATION_ID = 1, SAMPLE_VALUE = 2, SAMPLE_LABEL = 3,
	LABEL_KEY = 1, LABEL_STR = 2, LABEL_NUM = 3,
	MAPPING_ID = 1, MAPPING_MEMORY_START = 2, MAPPING_MEMORY_LIMIT = 3,
	MAPPING_FILENAME = 5, MAPPING_BUILD_ID = 6, MAPPING_HAS_FUNCTIONS = 7,
	MAPPING_HAS_INLINE_FRAMES = 10,
	LOCATION_ID = 1, LOCATION_MAPPING_ID = 2, LOCATION_ADDRESS = 3, LOCATION_LINE = 4,
	LINE_FUNCTION_ID = 1, LINE_LINE = 2,
	FUNCTION_ID = 1, FUNCTION_NAME = 2, FUNCTION_SYSTEM_NAME = 3, FUNCTION_FILENAME = 4,
	FUNCTION_START_LINE = 5,
};

/*
 * Ids for keys of any bytes (a string, a function's fields, a run of
 * frame ids): 1, 2, 3... in the order first seen, as pprof's ids and,
 * less one, its string indexes are.  Open addressing, doubled at half
 * full; each key is kept as a NUL-terminated copy, so a string's key is
 * the string table's entry.
 */
struct id_key {
	char *bytes;
	size_t len;
	uint64_t hash;
};

struct id_table {
	uint32_t *slots; /* 0: empty, else id */
	size_t nslots;
	struct id_key *keys; /* keys[id - 1] */
	size_t n, cap;
};

static uint64_t hash_of(const void *key, size_t len)
{
	const unsigned char *s = key;
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ s[i]) * 0x100000001b3ull;
	return h;
}

static uint32_t *id_slot(const struct id_table *t, const void *key, size_t len, uint64_t h)
{
	size_t mask = t->nslots - 1, i = hash_index(h, t->nslots);

	for (;; i = (i + 1) & mask) {
		uint32_t *slot = &t->slots[i];
		const struct id_key *k = *slot ? &t->keys[*slot - 1] : NULL;
		if (!k || (k->hash == h && k->len == len && memcmp(k->bytes, key, len) == 0))
			return slot;
	}
}

static void id_table_grow(struct id_table *t)
{
	size_t old = t->nslots;
	uint32_t *slots = t->slots;

	if (old && (t->n + 1) * 2 <= old)
		return;
	t->nslots = old ? old * 2 : 256;
	t->slots = xcalloc(t->nslots, sizeof(*t->slots));
	for (size_t i = 0; i < old; i++)
		if (slots[i]) {
			const struct id_key *k = &t->keys[slots[i] - 1];
			*id_slot(t, k->bytes, k->len, k->hash) = slots[i];
		}
	free(slots);
}

/* The key's id; *added says whether it is new (its message is due). */
static uint32_t id_of(struct id_table *t, const void *key, size_t len, bool *added)
{
	uint64_t h = hash_of(key, len);
	uint32_t *slot;

	id_table_grow(t);
	slot = id_slot(t, key, len, h);
	*added = !*slot;
	if (*slot)
		return *slot;
	grow_array((void **)&t->keys, &t->cap, t->n, sizeof(*t->keys));
	struct id_key *k = &t->keys[t->n++];
	k->bytes = xmalloc(len + 1);
	memcpy(k->bytes, key, len);
	k->bytes[len] = '\0';
	k->len = len;
	k->hash = h;
	*slot = (uint32_t)t->n;
	return *slot;
}

static void id_table_free(struct id_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->keys[i].bytes);
	free(t->keys);
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* A Function's fields, as string indexes: its key, bytes and all. */
struct function_key {
	int64_t name, system_name, filename, start_line;
};

/* A Mapping's key: the profile's interned strings, so equal pointers are
 * equal text. */
struct mapping_key {
	const char *module, *build_id;
};

/* The aggregated profile knows no module's bounds: a mapping spans the
 * addresses seen in it. */
struct mapping_range {
	uint64_t lowest, highest;
	bool inlines;
};

struct pprof_build {
	const struct profile *p;
	struct pb_buf msg;       /* the Profile: sample types, samples, then the rest */
	struct pb_buf locations; /* Location messages, each written when first seen */
	struct pb_buf functions; /* Function messages, likewise */
	struct id_table strings, function_ids, mapping_ids, location_ids;
	struct mapping_range *ranges; /* per mapping id - 1 */
	size_t ranges_cap;
	uint64_t *stack; /* a sample's location ids */
	size_t stack_cap;
};

static int64_t string_index(struct pprof_build *b, const char *s)
{
	bool added;

	return (int64_t)id_of(&b->strings, s, strlen(s), &added) - 1;
}

/* A varint field proto3 leaves out when zero, as its encoders do. */
static void nonzero(struct pb_buf *buf, uint32_t field, uint64_t v)
{
	if (v)
		pb_uint(buf, field, v);
}

static bool known(const char *s)
{
	return strcmp(s, "[unknown]") != 0;
}

/*
 * A Python function is its qualified name in its file; its system_name
 * the "py::name:file" label the text formats show, without the line
 * (which --lines puts in the label but belongs to the Line, not the
 * Function).  A native one is its symbol ("[module]" without one) in
 * its module; a marker, its text.
 */
static uint64_t function_id(struct pprof_build *b, const struct profile_frame *f)
{
	struct profile_frame whole = *f;
	struct function_key k = { 0 };
	char label[4096];
	bool added;

	switch (f->kind) {
	case FRAME_PYTHON:
		whole.line = 0;
		k.name = string_index(b, f->name);
		k.system_name = string_index(b, profile_frame_label(&whole, label, sizeof(label)));
		k.filename = known(f->module) ? string_index(b, f->module) : 0;
		k.start_line = f->first_line;
		break;
	case FRAME_NATIVE:
	case FRAME_INLINED:
		k.name = string_index(b, known(f->name) ? f->name
							: profile_frame_label(f, label, sizeof(label)));
		k.system_name = k.name;
		k.filename = known(f->module) ? string_index(b, f->module) : 0;
		break;
	case FRAME_MARKER:
	default:
		k.name = k.system_name = string_index(b, f->name);
		break;
	}
	uint32_t id = id_of(&b->function_ids, &k, sizeof(k), &added);
	if (added) {
		size_t m = pb_begin(&b->functions, PROFILE_FUNCTION);
		pb_uint(&b->functions, FUNCTION_ID, id);
		nonzero(&b->functions, FUNCTION_NAME, (uint64_t)k.name);
		nonzero(&b->functions, FUNCTION_SYSTEM_NAME, (uint64_t)k.system_name);
		nonzero(&b->functions, FUNCTION_FILENAME, (uint64_t)k.filename);
		nonzero(&b->functions, FUNCTION_START_LINE, (uint64_t)k.start_line);
		pb_end(&b->functions, m);
	}
	return id;
}

/* The mapping of a native frame's module (0 for none: Python, markers,
 * code outside every module), stretched to cover addr. */
static uint64_t mapping_id(struct pprof_build *b, const struct profile_frame *f, uint64_t addr,
			   bool inlines)
{
	struct mapping_key k;
	struct mapping_range *r;
	bool added;

	if ((f->kind != FRAME_NATIVE && f->kind != FRAME_INLINED) || !known(f->module))
		return 0;
	memset(&k, 0, sizeof(k)); /* no padding bytes in the key */
	k.module = f->module;
	k.build_id = f->build_id;
	uint32_t id = id_of(&b->mapping_ids, &k, sizeof(k), &added);
	grow_array((void **)&b->ranges, &b->ranges_cap, id - 1, sizeof(*b->ranges));
	r = &b->ranges[id - 1];
	if (added)
		*r = (struct mapping_range){ addr, addr, false };
	r->lowest = addr < r->lowest ? addr : r->lowest;
	r->highest = addr > r->highest ? addr : r->highest;
	r->inlines |= inlines;
	return id;
}

/* The frames one location stands for: an inline chain, innermost first,
 * and the native frame it was inlined into; any other frame alone. */
static size_t location_frames(const struct profile *p, const uint32_t *ids, size_t n)
{
	size_t k = 0;

	while (k < n && p->frames[ids[k]].kind == FRAME_INLINED)
		k++;
	if (k < n && (k == 0 || p->frames[ids[k]].kind == FRAME_NATIVE))
		k++;
	return k;
}

static void write_line(struct pprof_build *b, const struct profile_frame *f)
{
	size_t m = pb_begin(&b->locations, LOCATION_LINE);

	pb_uint(&b->locations, LINE_FUNCTION_ID, function_id(b, f));
	/* Without --lines a Python frame is its function, at its first line. */
	if (f->kind == FRAME_PYTHON)
		nonzero(&b->locations, LINE_LINE, (uint64_t)(f->line ? f->line : f->first_line));
	pb_end(&b->locations, m);
}

/*
 * A frame's address is the first one it was seen at.  For an inline
 * chain the innermost frame's is taken: the pc where that function was
 * first seen inlined, usually in this very chain, where the outer
 * native function's first pc may have been anywhere in it.
 */
static uint64_t location_id(struct pprof_build *b, const uint32_t *ids, size_t n)
{
	const struct profile_frame *last = &b->p->frames[ids[n - 1]];
	bool added, native = last->kind == FRAME_NATIVE || last->kind == FRAME_INLINED;
	uint32_t id = id_of(&b->location_ids, ids, n * sizeof(*ids), &added);

	if (!added)
		return id;
	/* A Python frame's address is its code object's, meaningless to
	 * pprof, which would try to symbolize it. */
	uint64_t addr = native ? b->p->frames[ids[0]].addr : 0;
	size_t m = pb_begin(&b->locations, PROFILE_LOCATION);
	pb_uint(&b->locations, LOCATION_ID, id);
	nonzero(&b->locations, LOCATION_MAPPING_ID, mapping_id(b, last, addr, n > 1));
	nonzero(&b->locations, LOCATION_ADDRESS, addr);
	for (size_t i = 0; i < n; i++)
		write_line(b, &b->p->frames[ids[i]]);
	pb_end(&b->locations, m);
	return id;
}

static void write_label(struct pprof_build *b, const char *key, const char *str, int64_t num)
{
	size_t m = pb_begin(&b->msg, SAMPLE_LABEL);

	pb_int(&b->msg, LABEL_KEY, string_index(b, key));
	if (str)
		pb_int(&b->msg, LABEL_STR, string_index(b, str));
	else
		pb_int(&b->msg, LABEL_NUM, num);
	pb_end(&b->msg, m);
}

static void write_sample(struct pprof_build *b, const struct profile_stack *s)
{
	const struct profile_thread *t = &b->p->threads[s->thread];
	size_t nlocs = 0, m;

	grow_array((void **)&b->stack, &b->stack_cap, s->nframes, sizeof(*b->stack));
	for (size_t i = 0, k; i < s->nframes; i += k) {
		k = location_frames(b->p, s->frames + i, s->nframes - i);
		b->stack[nlocs++] = location_id(b, s->frames + i, k);
	}
	m = pb_begin(&b->msg, PROFILE_SAMPLE);
	pb_packed(&b->msg, SAMPLE_LOCATION_ID, b->stack, nlocs);
	pb_packed(&b->msg, SAMPLE_VALUE, (const uint64_t[]){ s->samples, s->weight_ns }, 2);
	write_label(b, "thread", t->name, 0);
	write_label(b, "tid", NULL, t->tid);
	write_label(b, "pid", NULL, t->pid);
	pb_end(&b->msg, m);
}

static void write_mapping(struct pprof_build *b, size_t i)
{
	const struct mapping_key *k = (const void *)b->mapping_ids.keys[i].bytes;
	const struct mapping_range *r = &b->ranges[i];
	size_t m = pb_begin(&b->msg, PROFILE_MAPPING);

	pb_uint(&b->msg, MAPPING_ID, i + 1);
	nonzero(&b->msg, MAPPING_MEMORY_START, r->lowest);
	/* The limit is exclusive. */
	nonzero(&b->msg, MAPPING_MEMORY_LIMIT, r->highest + 1);
	pb_int(&b->msg, MAPPING_FILENAME, string_index(b, k->module));
	if (k->build_id)
		pb_int(&b->msg, MAPPING_BUILD_ID, string_index(b, k->build_id));
	/* Named already: pprof is not to look for symbols itself. */
	pb_bool(&b->msg, MAPPING_HAS_FUNCTIONS, true);
	if (r->inlines)
		pb_bool(&b->msg, MAPPING_HAS_INLINE_FRAMES, true);
	pb_end(&b->msg, m);
}

/* Whether a module looks like the program rather than a library, as
 * pprof guesses: not "*.so*", not "[vdso]". */
static bool looks_like_program(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return base[0] != '[' && !strstr(base, ".so");
}

/* pprof takes the first mapping for the program ("File:" in its
 * reports, the binary it would symbolize): that one goes first. */
static void write_mappings(struct pprof_build *b)
{
	size_t n = b->mapping_ids.n, main = 0;

	for (size_t i = 0; i < n; i++)
		if (looks_like_program(((const struct mapping_key *)(const void *)
						 b->mapping_ids.keys[i].bytes)->module)) {
			main = i;
			break;
		}
	if (n)
		write_mapping(b, main);
	for (size_t i = 0; i < n; i++)
		if (i != main)
			write_mapping(b, i);
}

static void write_value_type(struct pprof_build *b, uint32_t field, const char *type,
			     const char *unit)
{
	size_t m = pb_begin(&b->msg, field);

	pb_int(&b->msg, VALUE_TYPE_TYPE, string_index(b, type));
	pb_int(&b->msg, VALUE_TYPE_UNIT, string_index(b, unit));
	pb_end(&b->msg, m);
}

static void write_comment(struct pprof_build *b, const char *text)
{
	pb_int(&b->msg, PROFILE_COMMENT, string_index(b, text));
}

/*
 * When and how long.  The samples' times are CLOCK_MONOTONIC (and from
 * another boot in a recording `pysample report` reads), so the start is
 * the wall clock now less the run's length.
 */
static void write_times(struct pprof_build *b, const struct run_info *info)
{
	struct timespec now;
	double seconds = isfinite(info->seconds) && info->seconds > 0 ? info->seconds : 0;
	int64_t duration = (int64_t)llround(seconds * 1e9);

	clock_gettime(CLOCK_REALTIME, &now);
	int64_t start = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec - duration;
	nonzero(&b->msg, PROFILE_TIME_NANOS, (uint64_t)start);
	nonzero(&b->msg, PROFILE_DURATION_NANOS, (uint64_t)duration);
	if (info->hz > 0)
		nonzero(&b->msg, PROFILE_PERIOD, (uint64_t)llround(1e9 / info->hz));
}

static void write_trailer(struct pprof_build *b, const struct run_info *info, const char *clock)
{
	char text[1024];

	write_value_type(b, PROFILE_PERIOD_TYPE, clock, "nanoseconds");
	write_times(b, info);
	snprintf(text, sizeof(text), "%s: %s", PACKAGE_STRING,
		 info->command ? info->command : "[unknown]");
	write_comment(b, text);
	snprintf(text, sizeof(text), "event: %s at %g Hz", info->event ? info->event : "cpu-clock",
		 info->hz);
	write_comment(b, text);
	snprintf(text, sizeof(text), "samples: %llu, lost: %llu",
		 (unsigned long long)b->p->samples, (unsigned long long)info->lost);
	write_comment(b, text);
}

/* The Profile message, whole.  Fields may come in any order: the string
 * table comes last, once every string is known. */
static void build(struct pprof_build *b, const struct run_info *info)
{
	bool wall = info->event && strcmp(info->event, "wall-clock") == 0;
	const char *clock = wall ? "wall" : "cpu";

	string_index(b, ""); /* string_table[0] must be "" */
	write_value_type(b, PROFILE_SAMPLE_TYPE, "samples", "count");
	write_value_type(b, PROFILE_SAMPLE_TYPE, clock, "nanoseconds");
	for (size_t i = 0; i < b->p->nstacks; i++)
		write_sample(b, &b->p->stacks[i]);
	write_mappings(b);
	pb_raw(&b->msg, b->locations.data, b->locations.len);
	pb_raw(&b->msg, b->functions.data, b->functions.len);
	write_trailer(b, info, clock);
	for (size_t i = 0; i < b->strings.n; i++)
		pb_bytes(&b->msg, PROFILE_STRING_TABLE, b->strings.keys[i].bytes,
			 b->strings.keys[i].len);
}

static void build_free(struct pprof_build *b)
{
	pb_free(&b->msg);
	pb_free(&b->locations);
	pb_free(&b->functions);
	id_table_free(&b->strings);
	id_table_free(&b->function_ids);
	id_table_free(&b->mapping_ids);
	id_table_free(&b->location_ids);
	free(b->ranges);
	free(b->stack);
}

/* gzip, as pprof reads it (it also takes the message bare, but every
 * other pprof producer gzips, and profiles compress ~10 to 1). */
static bool write_gzipped(struct writer *w, const uint8_t *data, size_t len)
{
	uint8_t out[65536];
	z_stream z;
	int rc;

	memset(&z, 0, sizeof(z));
	/* windowBits 15 + 16: a gzip header and trailer, not zlib's. */
	rc = deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	if (rc == Z_MEM_ERROR)
		pys_out_of_memory();
	if (rc != Z_OK) {
		pys_error("pprof output: zlib cannot compress (%s; zlib %s, built with %s): "
			  "reinstall zlib1g or rebuild pysample against the zlib installed",
			  z.msg ? z.msg : "deflateInit2 failed", zlibVersion(), ZLIB_VERSION);
		w->failed = true;
		return false;
	}
	z.next_in = (Bytef *)data;
	do {
		/* avail_in is 32 bits: feed a larger message in pieces. */
		size_t piece = len < (1u << 30) ? len : (1u << 30);
		z.avail_in = (uInt)piece;
		len -= piece;
		do {
			z.next_out = out;
			z.avail_out = sizeof(out);
			rc = deflate(&z, len ? Z_NO_FLUSH : Z_FINISH);
			writer_write(w, out, sizeof(out) - z.avail_out);
		} while (z.avail_out == 0 && !w->failed);
	} while (len && !w->failed);
	deflateEnd(&z);
	return !w->failed && rc == Z_STREAM_END;
}

struct pprof_writer {
	struct writer w;
	struct profile prof;
};

static struct writer *pprof_open(int fd, const struct writer_options *opt)
{
	struct pprof_writer *pw = xcalloc(1, sizeof(*pw));

	(void)fd;
	/* --lines is in the frames: their lines are non-zero */
	profile_init(&pw->prof);
	pw->prof.full_filenames = opt->full_filenames;
	return &pw->w;
}

static void pprof_sample(struct writer *w, const struct sample_record *r)
{
	profile_add(&((struct pprof_writer *)w)->prof, r);
}

static bool pprof_end(struct writer *w, const struct run_info *info)
{
	struct pprof_build b;
	bool ok;

	memset(&b, 0, sizeof(b));
	b.p = &((struct pprof_writer *)w)->prof;
	build(&b, info);
	ok = write_gzipped(w, b.msg.data, b.msg.len);
	build_free(&b);
	return ok;
}

static void pprof_free(struct writer *w)
{
	struct pprof_writer *pw = (struct pprof_writer *)w;

	profile_free(&pw->prof);
	free(pw);
}

const struct writer_ops writer_pprof_ops = {
	.name = "pprof",
	.extensions = ".pb.gz .pprof",
	.open = pprof_open,
	.sample = pprof_sample,
	.end = pprof_end,
	.free = pprof_free,
};
