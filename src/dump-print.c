/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `pysample dump`'s output: text for a person, JSON for a program (the
 * schema is pysample(1)'s, under DUMP: change both together).  Every
 * name here came from the target (thread names, symbols, files,
 * function names): text goes through output_sanitize, JSON through
 * json_string, so neither can be broken by what a target chose.
 */
#include "dump.h"

#include <string.h>

#include "dump-syscalls.h"
#include "json.h"
#include "output.h"

#define NAME_MAX_TEXT 1024

static const char *state_word(char state)
{
	switch (state) {
	case 'R': return "running";
	case 'S': return "sleeping";
	case 'D': return "disk-sleep"; /* uninterruptible: I/O, or a kernel lock */
	case 'T': return "stopped";
	case 't': return "traced";
	case 'Z': return "zombie";
	case 'X': return "dead";
	case 'I': return "idle";
	default: return "unknown";
	}
}

static void syscall_text(long nr, char *buf, size_t len)
{
	const char *name = nr >= 0 ? dump_syscall_name(nr) : NULL;

	if (name)
		snprintf(buf, len, "%s", name);
	else
		snprintf(buf, len, "syscall %ld", nr);
}

/* "3.12.1"; "3.8" where only the minor version is known (before 3.11
 * the version comes from pysample's layout table, micro 0). */
static void version_text(unsigned hex, char *buf, size_t len)
{
	if ((hex >> 8) & 0xff)
		snprintf(buf, len, "%u.%u.%u", hex >> 24, (hex >> 16) & 0xff, (hex >> 8) & 0xff);
	else
		snprintf(buf, len, "%u.%u", hex >> 24, (hex >> 16) & 0xff);
}

static const char *base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path;
}

/* The i-th frame to print, in the order asked for. */
static const struct dump_frame *frame_at(const struct dump_thread *dt, size_t i, bool reverse)
{
	return &dt->frames[reverse ? dt->nframes - 1 - i : i];
}

/* Under its frame, one per line, as a debugger shows them. */
static void print_locals(FILE *out, const struct dump_locals *dl)
{
	char name[PY_LOCAL_NAME_MAX * 2], value[PY_REPR_MAX * 2];

	if (dl->total < 0) {
		fprintf(out, "        [locals not read: %s]\n", dl->why ? dl->why : "unreadable");
		return;
	}
	for (size_t i = 0; i < dl->n; i++) {
		name[0] = value[0] = '\0';
		output_sanitize(name, sizeof(name), dl->vars[i].name, false);
		output_sanitize(value, sizeof(value), dl->vars[i].value, false);
		fprintf(out, "        %s = %s\n", name, value);
	}
	if ((size_t)dl->total > dl->n)
		fprintf(out, "        [%ld more locals not shown]\n", dl->total - (long)dl->n);
}

static void print_frame(FILE *out, const struct dump_frame *f)
{
	char name[NAME_MAX_TEXT] = "", module[NAME_MAX_TEXT] = "";

	if (f->name)
		output_sanitize(name, sizeof(name), f->name, false);
	if (f->module)
		output_sanitize(module, sizeof(module),
				f->kind == FRAME_PYTHON ? f->module : base_name(f->module), false);
	switch (f->kind) {
	case FRAME_PYTHON:
		if (f->line > 0)
			fprintf(out, "    File \"%s\", line %d, in %s\n", module[0] ? module : "?",
				f->line, name);
		else
			fprintf(out, "    File \"%s\", in %s\n", module[0] ? module : "?", name);
		if (f->locals)
			print_locals(out, f->locals);
		break;
	case FRAME_NATIVE:
		if (name[0] && f->offset)
			fprintf(out, "    %s+0x%llx (%s)\n", name, (unsigned long long)f->offset,
				module[0] ? module : "?");
		else if (name[0])
			fprintf(out, "    %s (%s)\n", name, module[0] ? module : "?");
		else
			fprintf(out, "    0x%llx (%s)\n", (unsigned long long)f->addr,
				module[0] ? module : "?");
		break;
	case FRAME_INLINED:
		fprintf(out, "    %s (inlined) (%s)\n", name[0] ? name : "??", module[0] ? module : "?");
		break;
	case FRAME_MARKER:
		fprintf(out, "    %s\n", name);
		break;
	}
}

static void print_thread_text(FILE *out, const struct dump_result *r, const struct dump_thread *dt,
			      const struct dump_print_options *o)
{
	char comm[64] = "", sc[64];

	output_sanitize(comm, sizeof(comm), dt->comm, false);
	if (dt->py_name[0] && !comm[0]) {
		/* A core keeps only the main thread's OS name. */
		char py_name[sizeof(dt->py_name) * 2] = "";
		output_sanitize(py_name, sizeof(py_name), dt->py_name, false);
		fprintf(out, "\nThread %d \"%s\"%s", (int)dt->tid, py_name,
			dt->tid == r->pid ? " (main thread)" : "");
	} else if (dt->py_name[0]) {
		/* threading's name first: the one the program's own logs use. */
		char py_name[sizeof(dt->py_name) * 2] = "";
		output_sanitize(py_name, sizeof(py_name), dt->py_name, false);
		fprintf(out, "\nThread %d \"%s\" (%sOS name \"%s\")", (int)dt->tid, py_name,
			dt->tid == r->pid ? "main thread, " : "", comm);
	} else if (!comm[0]) {
		fprintf(out, "\nThread %d%s", (int)dt->tid, dt->tid == r->pid ? " (main thread)" : "");
	} else {
		fprintf(out, "\nThread %d \"%s\"%s", (int)dt->tid, comm,
			dt->tid == r->pid ? " (main thread)" : "");
	}
	if (dt->gil == 1)
		fputs(", holds the GIL", out);
	/* A core keeps no run state; its registers say whether the thread
	 * was in a system call. */
	if (r->core && dt->syscall_nr == -1)
		fputs(": in user code", out);
	else if (r->core && dt->syscall_nr >= 0)
		fputs(": in system call", out);
	else
		fprintf(out, ": %s", state_word(dt->state));
	if (dt->syscall_nr >= 0 && r->core) {
		syscall_text(dt->syscall_nr, sc, sizeof(sc));
		fprintf(out, " %s", sc);
	} else if (dt->syscall_nr >= 0) {
		syscall_text(dt->syscall_nr, sc, sizeof(sc));
		fprintf(out, " %s %s", dt->state == 'R' ? "in system call" : "in", sc);
	}
	if (dt->wchan[0]) {
		char w[128] = "";
		output_sanitize(w, sizeof(w), dt->wchan, false);
		fprintf(out, " [%s]", w);
	}
	if (!dt->python && dt->taken && !r->no_python)
		fputs(" (no Python thread state)", out);
	fputc('\n', out);
	for (size_t i = 0; i < dt->nframes; i++)
		print_frame(out, frame_at(dt, i, o->reverse));
	if (dt->cut[0])
		fprintf(out, "    [incomplete: %s]\n", dt->cut);
}

static void print_text(FILE *out, const struct dump_result *r, const struct dump_print_options *o)
{
	char comm[64] = "";

	output_sanitize(comm, sizeof(comm), r->comm, false);
	if (r->core) {
		char core[NAME_MAX_TEXT] = "";
		output_sanitize(core, sizeof(core), r->core, false);
		fprintf(out, "Core file %s: process %d (%s)", core, (int)r->pid, comm);
	} else {
		fprintf(out, "Process %d (%s)", (int)r->pid, comm);
	}
	if (r->python_hex) {
		char version[32];
		version_text(r->python_hex, version, sizeof(version));
		fprintf(out, ", CPython %s", version);
	}
	fprintf(out, ", %zu thread%s", r->nthreads, r->nthreads == 1 ? "" : "s");
	if (r->gil_holder > 0)
		fprintf(out, ", the GIL held by thread %d", (int)r->gil_holder);
	else if (r->gil_holder == 0)
		fputs(", the GIL free", out);
	if (r->core && r->core_missing)
		fprintf(out, "; %llu reads fell on memory the core does not hold\n",
			(unsigned long long)r->core_missing);
	else if (r->core)
		fputc('\n', out);
	else
		fprintf(out, "; each thread stopped at most %.0f us (copied in %.0f us), all within "
			"%.0f us\n", (double)r->stop_max_ns / 1e3, (double)r->copy_max_ns / 1e3,
			(double)r->stop_span_ns / 1e3);
	for (size_t i = 0; i < r->nthreads; i++)
		print_thread_text(out, r, &r->threads[i], o);
}

static void json_hex(struct json_buf *b, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "\"0x%llx\"", (unsigned long long)v);
	json_text(b, buf);
}

/* "locals": [{"name", "value"}...], "locals_total": bound in all (null:
 * unreadable), "locals_error": why (null: read). */
static void json_locals(struct json_buf *b, const struct dump_locals *dl)
{
	json_raw(b, ",", 1);
	json_key(b, "locals");
	json_raw(b, "[", 1);
	for (size_t i = 0; i < dl->n; i++) {
		json_raw(b, i ? ",{" : "{", i ? 2 : 1);
		json_key(b, "name");
		json_string(b, dl->vars[i].name);
		json_raw(b, ",", 1);
		json_key(b, "value");
		json_string(b, dl->vars[i].value);
		json_raw(b, "}", 1);
	}
	json_raw(b, "],", 2);
	json_key(b, "locals_total");
	if (dl->total >= 0)
		json_int(b, dl->total);
	else
		json_text(b, "null");
	json_raw(b, ",", 1);
	json_key(b, "locals_error");
	json_string(b, dl->total < 0 ? (dl->why ? dl->why : "unreadable") : NULL);
}

static void json_frame(struct json_buf *b, const struct dump_frame *f)
{
	static const char *const kinds[] = { "native", "inlined", "python", "marker" };

	json_raw(b, "{", 1);
	json_key(b, "kind");
	json_string(b, kinds[f->kind]);
	if (f->kind == FRAME_MARKER) {
		json_raw(b, ",", 1);
		json_key(b, "text");
		json_string(b, f->name);
		json_raw(b, "}", 1);
		return;
	}
	json_raw(b, ",", 1);
	json_key(b, "function");
	json_string(b, f->name);
	if (f->kind == FRAME_PYTHON) {
		json_raw(b, ",", 1);
		json_key(b, "file");
		json_string(b, f->module);
		json_raw(b, ",", 1);
		json_key(b, "line");
		if (f->line > 0)
			json_int(b, f->line);
		else
			json_text(b, "null");
		json_raw(b, ",", 1);
		json_key(b, "first_line");
		if (f->first_line > 0)
			json_int(b, f->first_line);
		else
			json_text(b, "null");
		json_raw(b, ",", 1);
		json_key(b, "code");
		json_hex(b, f->addr);
		if (f->locals)
			json_locals(b, f->locals);
	} else {
		json_raw(b, ",", 1);
		json_key(b, "offset");
		json_uint(b, f->offset);
		json_raw(b, ",", 1);
		json_key(b, "module");
		json_string(b, f->module);
		json_raw(b, ",", 1);
		json_key(b, "address");
		json_hex(b, f->addr);
	}
	json_raw(b, "}", 1);
}

static void json_thread(struct json_buf *b, const struct dump_result *r, const struct dump_thread *dt,
			const struct dump_print_options *o)
{
	char sc[64];

	json_raw(b, "{", 1);
	json_key(b, "tid");
	json_int(b, dt->tid);
	json_raw(b, ",", 1);
	json_key(b, "name");
	json_string(b, dt->comm[0] ? dt->comm : NULL);
	json_raw(b, ",", 1);
	json_key(b, "python_name");
	json_string(b, dt->py_name[0] ? dt->py_name : NULL);
	json_raw(b, ",", 1);
	json_key(b, "main");
	json_text(b, dt->tid == r->pid ? "true" : "false");
	json_raw(b, ",", 1);
	json_key(b, "gil");
	json_text(b, dt->gil < 0 ? "null" : dt->gil ? "true" : "false");
	json_raw(b, ",", 1);
	json_key(b, "python");
	json_text(b, dt->python ? "true" : "false");
	json_raw(b, ",", 1);
	json_key(b, "state");
	json_string(b, state_word(dt->state));
	json_raw(b, ",", 1);
	json_key(b, "syscall");
	if (dt->syscall_nr >= 0) {
		syscall_text(dt->syscall_nr, sc, sizeof(sc));
		json_string(b, sc);
	} else {
		json_text(b, "null");
	}
	json_raw(b, ",", 1);
	json_key(b, "syscall_nr");
	if (dt->syscall_nr >= 0)
		json_int(b, dt->syscall_nr);
	else
		json_text(b, "null");
	json_raw(b, ",", 1);
	json_key(b, "wchan");
	json_string(b, dt->wchan[0] ? dt->wchan : NULL);
	json_raw(b, ",", 1);
	json_key(b, "stopped_us");
	json_double(b, (double)(dt->stopped_ns / 100) / 10.0);
	json_raw(b, ",", 1);
	json_key(b, "copy_us");
	json_double(b, (double)(dt->copy_ns / 100) / 10.0);
	json_raw(b, ",", 1);
	json_key(b, "complete");
	json_text(b, dt->cut[0] ? "false" : "true");
	json_raw(b, ",", 1);
	json_key(b, "cut");
	json_string(b, dt->cut[0] ? dt->cut : NULL);
	json_raw(b, ",", 1);
	json_key(b, "frames");
	json_raw(b, "[", 1);
	for (size_t i = 0; i < dt->nframes; i++) {
		if (i)
			json_raw(b, ",", 1);
		json_frame(b, frame_at(dt, i, o->reverse));
	}
	json_raw(b, "]}", 2);
}

static bool print_json(FILE *out, const struct dump_result *r, const struct dump_print_options *o)
{
	struct json_buf b;
	bool complete = true, written = true;
	char version[32];

	json_init(&b);
	for (size_t i = 0; i < r->nthreads; i++)
		complete = complete && !r->threads[i].cut[0];
	json_raw(&b, "{", 1);
	json_key(&b, "pid");
	json_int(&b, r->pid);
	json_raw(&b, ",", 1);
	json_key(&b, "core");
	if (r->core)
		json_string(&b, r->core);
	else
		json_text(&b, "null");
	if (r->core) {
		json_raw(&b, ",", 1);
		json_key(&b, "core_missing_reads");
		json_uint(&b, r->core_missing);
	}
	json_raw(&b, ",", 1);
	json_key(&b, "name");
	json_string(&b, r->comm);
	json_raw(&b, ",", 1);
	json_key(&b, "python");
	if (r->python_hex) {
		version_text(r->python_hex, version, sizeof(version));
		json_string(&b, version);
	} else {
		json_text(&b, "null");
	}
	json_raw(&b, ",", 1);
	json_key(&b, "gil_holder");
	if (r->gil_holder >= 0)
		json_int(&b, r->gil_holder);
	else
		json_text(&b, "null");
	json_raw(&b, ",", 1);
	json_key(&b, "order");
	json_string(&b, o->reverse ? "outermost-first" : "innermost-first");
	json_raw(&b, ",", 1);
	json_key(&b, "stop_max_us");
	json_double(&b, (double)(r->stop_max_ns / 100) / 10.0);
	json_raw(&b, ",", 1);
	json_key(&b, "copy_max_us");
	json_double(&b, (double)(r->copy_max_ns / 100) / 10.0);
	json_raw(&b, ",", 1);
	json_key(&b, "stop_start_ns");
	json_uint(&b, r->stop_start_ns);
	json_raw(&b, ",", 1);
	json_key(&b, "stop_span_us");
	json_double(&b, (double)(r->stop_span_ns / 100) / 10.0);
	json_raw(&b, ",", 1);
	json_key(&b, "attached_ms");
	json_double(&b, (double)(r->wall_ns / 1000) / 1000.0);
	json_raw(&b, ",", 1);
	json_key(&b, "complete");
	json_text(&b, complete ? "true" : "false");
	json_raw(&b, ",", 1);
	json_key(&b, "threads");
	json_raw(&b, "[", 1);
	for (size_t i = 0; i < r->nthreads; i++) {
		if (i)
			json_raw(&b, ",", 1);
		json_raw(&b, "\n", 1);
		json_thread(&b, r, &r->threads[i], o);
		/* A dump of thousands of threads is written as it is made. */
		if (b.len > (1u << 16)) {
			written = written && fwrite(b.data, 1, b.len, out) == b.len;
			json_reset(&b);
		}
	}
	json_raw(&b, "]}\n", 3);
	written = written && fwrite(b.data, 1, b.len, out) == b.len;
	json_free(&b);
	return written;
}

bool dump_print(FILE *out, const struct dump_result *r, const struct dump_print_options *o)
{
	if (o->json) {
		if (!print_json(out, r, o))
			return false;
	} else {
		print_text(out, r, o);
	}
	return fflush(out) == 0 && !ferror(out);
}
