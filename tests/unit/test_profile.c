/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The aggregated profile behind every format but perf text: one entry per
 * distinct frame, thread and (thread, stack), counts and weights summed;
 * strings interned by their text, not their address; and the frame labels
 * the collapsed format shares with stackcollapse-perf.
 */
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "tap.h"

static struct sample_frame py(const char *name, const char *file, int first_line)
{
	return (struct sample_frame){ .kind = FRAME_PYTHON, .name = name, .module = file,
				      .first_line = first_line };
}

static struct sample_frame native(const char *name, const char *module, uint64_t pc)
{
	return (struct sample_frame){ .kind = FRAME_NATIVE, .name = name, .module = module,
				      .addr = pc };
}

static void add(struct profile *p, pid_t tid, const char *comm, uint64_t t,
		const struct sample_frame *frames, size_t n)
{
	struct sample_record r = { .comm = comm, .pid = 100, .tid = tid, .time_ns = t,
				   .period_ns = 1000, .frames = frames, .nframes = n };
	profile_add(p, &r);
}

static const char *label(const struct profile *p, size_t stack, size_t frame, char *buf)
{
	return profile_frame_label(&p->frames[p->stacks[stack].frames[frame]], buf, 256);
}

int main(void)
{
	struct profile p;
	char buf[256];

	profile_init(&p);
	/* Equal text from different buffers is one frame: names read from a
	 * target come in fresh buffers every time. */
	char name_a[] = "handler", name_b[] = "handler";
	struct sample_frame s1[] = { py(name_a, "/srv/app.py", 10), native("main", "/usr/bin/python3", 0x1000) };
	struct sample_frame s2[] = { py(name_b, "/srv/app.py", 10), native("main", "/usr/bin/python3", 0x1008) };
	add(&p, 100, "python3", 5, s1, 2);
	add(&p, 100, "python3", 7, s2, 2);
	ok(p.nstacks == 1 && p.stacks[0].samples == 2 && p.stacks[0].weight_ns == 2000,
	   "two samples of one stack from different buffers and pcs: one stack, 2 samples");
	ok(p.nframes == 2, "two distinct frames (%zu)", p.nframes);
	ok(p.frames[p.stacks[0].frames[1]].addr == 0x1000, "a frame keeps the first pc seen");
	ok(p.stacks[0].first_ns == 5 && p.stacks[0].last_ns == 7 && p.first_ns == 5 && p.last_ns == 7,
	   "first and last times kept");

	/* Another thread, same stack: another entry; a thread that renames
	 * itself (or execs) is an entry per name, as its records say. */
	add(&p, 101, "worker", 9, s1, 2);
	add(&p, 101, "worker", 10, s1, 2);
	add(&p, 101, "worker-renamed", 11, s1, 2);
	ok(p.nstacks == 3 && p.nthreads == 3 && p.stacks[1].samples == 2 && p.stacks[2].samples == 1,
	   "the same stack on another thread, or under another name, is its own entry");
	is_str(p.threads[2].comm, "worker-renamed", "each keeps the name it was sampled under");
	ok(p.threads[1].samples == 2 && p.threads[0].samples == 2 && p.threads[2].samples == 1 &&
	   p.samples == 5 && p.weight_ns == 5000, "per-thread and total counts");

	/* A prefix of a stack is another stack; the order of frames counts. */
	add(&p, 100, "python3", 12, s1, 1);
	struct sample_frame swapped[] = { s1[1], s1[0] };
	add(&p, 100, "python3", 13, swapped, 2);
	ok(p.nstacks == 5, "a prefix and a reversed stack are new stacks (%zu)", p.nstacks);

	/* Frames differing only in kind, line, module or build-id differ. */
	struct sample_frame kinds[] = {
		native("f", "/lib/libx.so", 0x10),
		{ .kind = FRAME_INLINED, .name = "f", .module = "/lib/libx.so", .addr = 0x10 },
		{ .kind = FRAME_NATIVE, .name = "f", .module = "/lib/libx.so", .build_id = "abcd" },
		{ .kind = FRAME_PYTHON, .name = "f", .module = "/lib/libx.so", .line = 3 },
		{ .kind = FRAME_PYTHON, .name = "f", .module = "/lib/libx.so", .line = 4 },
	};
	size_t before = p.nframes;
	add(&p, 100, "python3", 14, kinds, 5);
	ok(p.nframes == before + 5, "kind, build-id and line each make a frame distinct");

	/* Unknown names and modules, markers. */
	struct sample_frame odd[] = {
		{ .kind = FRAME_NATIVE, .name = NULL, .module = "/usr/lib/libfoo.so.1", .addr = 1 },
		{ .kind = FRAME_NATIVE, .name = NULL, .module = NULL, .addr = 2 },
		{ .kind = FRAME_MARKER, .name = "[stack cut at --stack-bytes]" },
		py("f", NULL, 0),
	};
	add(&p, 100, "python3", 15, odd, 4);
	size_t last = p.nstacks - 1;
	is_str(label(&p, last, 0, buf), "[libfoo.so.1]",
	       "no symbol, known module: [module basename], as stackcollapse-perf");
	is_str(label(&p, last, 1, buf), "[unknown]", "nothing known: [unknown]");
	is_str(label(&p, last, 2, buf), "[stack cut at --stack-bytes]", "a marker by its text");
	is_str(p.frames[p.stacks[last].frames[2]].module, "[pysample]", "a marker's module");
	is_str(label(&p, last, 3, buf), "py::f", "a Python frame without a file");
	is_str(label(&p, 0, 0, buf), "py::handler:srv/app.py", "a Python frame as perf text names it");
	is_str(label(&p, last - 1, 3, buf), "py::f:lib/libx.so:3", "with --lines, its line");

	/* Short file names (the whole path stays the frame's module). */
	static const char *const shorts[][2] = {
		{ "/srv/venv/lib/python3.12/site-packages/requests/sessions.py", "requests/sessions.py" },
		{ "/usr/lib/python3/dist-packages/gunicorn/workers/sync.py", "gunicorn/workers/sync.py" },
		{ "/root/.pyenv/versions/3.12.1/lib/python3.12/json/encoder.py", "json/encoder.py" },
		{ "/usr/lib/python3.11/threading.py", "threading.py" },
		{ "/srv/app/handlers/users.py", "handlers/users.py" },
		{ "/srv/app/pkg/__init__.py", "pkg/__init__.py" },
		{ "script.py", "script.py" },
		{ "/x.py", "x.py" },
		{ "<frozen importlib._bootstrap>", "<frozen importlib._bootstrap>" },
		{ "/a/site-packages/", "a/site-packages/" },
		{ "/v/lib/python3.12/site-packages/lib/python3.12/x.py", "lib/python3.12/x.py" },
	};
	for (size_t i = 0; i < sizeof(shorts) / sizeof(shorts[0]); i++)
		is_str(python_short_file(shorts[i][0]), shorts[i][1], "short file of %s", shorts[i][0]);
	struct profile full;
	profile_init(&full);
	full.full_filenames = true;
	struct sample_frame deep[] = { py("f", "/srv/app/handlers/users.py", 1) };
	add(&full, 1, "t", 1, deep, 1);
	is_str(profile_frame_label(&full.frames[0], buf, 256), "py::f:/srv/app/handlers/users.py",
	       "with full_filenames the label holds the whole path");
	profile_free(&full);
	profile_init(&full);
	add(&full, 1, "t", 1, deep, 1);
	is_str(profile_frame_label(&full.frames[0], buf, 256), "py::f:handlers/users.py",
	       "by default the short one");
	is_str(full.frames[0].module, "/srv/app/handlers/users.py", "and the module keeps the whole path");
	profile_free(&full);

	/* Interning. */
	ok(profile_intern(&p, "handler") == p.frames[p.stacks[0].frames[0]].name,
	   "interned strings are shared by text");

	/* A record without frames (registers and Python both unreadable)
	 * still counts. */
	add(&p, 102, "idle", 16, NULL, 0);
	ok(p.stacks[p.nstacks - 1].nframes == 0 && p.stacks[p.nstacks - 1].samples == 1,
	   "an empty stack is a stack");

	/* Many stacks: the tables grow and every count stays right. */
	struct profile big;
	profile_init(&big);
	char names[1000][8];
	for (int i = 0; i < 1000; i++)
		snprintf(names[i], sizeof(names[i]), "f%d", i);
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < 1000; i++) {
			struct sample_frame fr[] = { native(names[i], "/bin/x", 0),
						     native(names[(i * 7) % 1000], "/bin/x", 0) };
			add(&big, 1 + i % 5, "t", (uint64_t)(round * 1000 + i), fr, 2);
		}
	uint64_t sum = 0;
	bool threes = true;
	for (size_t i = 0; i < big.nstacks; i++) {
		sum += big.stacks[i].samples;
		threes &= big.stacks[i].samples == 3;
	}
	ok(big.nstacks == 1000 && big.nframes == 1000 && big.nthreads == 5 && sum == 3000 && threes,
	   "1,000 stacks x 3 rounds on 5 threads: %zu stacks, %zu frames, %llu samples",
	   big.nstacks, big.nframes, (unsigned long long)sum);
	profile_free(&big);
	profile_free(&p);
	return tap_done();
}
