/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "writer.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct writer_ops *const writers[FORMAT_COUNT] = {
	[FORMAT_PERF] = &writer_perf_ops,
	[FORMAT_COLLAPSED] = &writer_collapsed_ops,
	[FORMAT_SVG] = &writer_svg_ops,
	[FORMAT_SPEEDSCOPE] = &writer_speedscope_ops,
	[FORMAT_PPROF] = &writer_pprof_ops,
};

const struct writer_ops *writer_by_name(const char *name)
{
	for (size_t i = 0; i < FORMAT_COUNT; i++)
		if (strcmp(writers[i]->name, name) == 0)
			return writers[i];
	return NULL;
}

static bool ends_with(const char *s, size_t len, const char *suffix, size_t suffix_len)
{
	return len >= suffix_len && strncasecmp(s + len - suffix_len, suffix, suffix_len) == 0;
}

const struct writer_ops *writer_by_path(const char *path)
{
	const struct writer_ops *best = &writer_perf_ops;
	size_t best_len = 0, len = path ? strlen(path) : 0;

	/* The longest extension wins: ".speedscope.json" over a ".json"
	 * another format might claim one day. */
	for (size_t i = 0; i < FORMAT_COUNT; i++) {
		const char *e = writers[i]->extensions;
		while (*e) {
			size_t n = strcspn(e, " ");
			if (n > best_len && ends_with(path, len, e, n)) {
				best = writers[i];
				best_len = n;
			}
			e += n;
			e += strspn(e, " ");
		}
	}
	return best;
}

const char *python_short_file(const char *path)
{
	static const char *const roots[] = { "/site-packages/", "/dist-packages/" };
	const char *best = NULL, *p, *slash = NULL, *prev = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(roots); i++)
		for (p = strstr(path, roots[i]); p; p = strstr(p + 1, roots[i]))
			best = p + strlen(roots[i]);
	if (best && *best)
		return best;
	best = NULL;
	/* The standard library: ".../lib/python3.12/json/encoder.py". */
	for (p = strstr(path, "/lib/python"); p; p = strstr(p + 1, "/lib/python")) {
		const char *q = p + strlen("/lib/python");
		q += strspn(q, "0123456789.");
		if (*q == '/' && q[1])
			best = q + 1;
	}
	if (best)
		return best;
	for (p = path; *p; p++)
		if (*p == '/' && p[1]) {
			prev = slash;
			slash = p;
		}
	return prev ? prev + 1 : slash ? slash + 1 : path;
}

const char *writer_names(void)
{
	return "perf, collapsed, svg, speedscope, pprof";
}

bool writer_write(struct writer *w, const void *buf, size_t n)
{
	const char *p = buf;

	if (w->failed)
		return false;
	while (n) {
		ssize_t k = write(w->fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			w->failed = true;
			return false;
		}
		p += k;
		n -= (size_t)k;
	}
	return true;
}

/* Two writers fed the same samples (the profile, and --top's table). */
struct tee {
	struct writer w;
	struct writer *a, *b;
};

static void tee_sample(struct writer *w, const struct sample_record *r)
{
	struct tee *t = (struct tee *)w;

	t->a->ops->sample(t->a, r);
	t->b->ops->sample(t->b, r);
	w->failed = t->a->failed;
}

static bool tee_flush(struct writer *w)
{
	struct tee *t = (struct tee *)w;

	if (t->a->ops->flush)
		t->a->ops->flush(t->a);
	if (t->b->ops->flush)
		t->b->ops->flush(t->b);
	w->failed = t->a->failed;
	return !w->failed;
}

static bool tee_end(struct writer *w, const struct run_info *info)
{
	struct tee *t = (struct tee *)w;
	bool a = t->a->ops->end(t->a, info);

	t->b->ops->end(t->b, info);
	return a;
}

static void tee_free(struct writer *w)
{
	struct tee *t = (struct tee *)w;

	t->a->ops->free(t->a);
	t->b->ops->free(t->b);
	free(t);
}

static const struct writer_ops tee_ops = {
	.name = "tee",
	.extensions = "",
	.sample = tee_sample,
	.flush = tee_flush,
	.end = tee_end,
	.free = tee_free,
};

struct writer *writer_tee(struct writer *a, struct writer *b)
{
	struct tee *t = xcalloc(1, sizeof(*t));

	t->w.ops = &tee_ops;
	t->w.fd = a->fd;
	t->a = a;
	t->b = b;
	return &t->w;
}
