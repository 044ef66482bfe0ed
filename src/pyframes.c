/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pyframes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "memread.h"

/* Bounds for walking lists in memory that may be garbage. */
#define MAX_INTERPRETERS 256
#define MAX_THREAD_STATES 8192
#define RESCAN_INTERVAL_NS 20000000u /* a tid without a thread state waits this long */
#define UNBOUND_RESCAN_NS 1000000u   /* unless a new thread state is not bound yet */
#define THREAD_LIST_REFRESH_NS 100000000u
#define THREAD_NAMES_REFRESH_NS 1000000000u
#define THREAD_NAMES_RETRY_NS 10000000u
#define MAX_THREAD_NAMES 4096
#define PTHREAD_SCAN_BYTES 2048

void py_reader_init(struct py_reader *r, pid_t pid, unsigned max_frames)
{
	memset(r, 0, sizeof(*r));
	r->pid = pid;
	r->ns_pid = pid;
	r->max_frames = max_frames;
	r->pthread_tid_offset = -1;
}

void py_reader_free(struct py_reader *r)
{
	for (size_t i = 0; i < r->nhistory; i++)
		free(r->history[i]);
	free(r->history);
	r->history = NULL;
	r->nhistory = r->history_cap = 0;
	free(r->threads);
	r->threads = NULL;
	r->nthreads = r->threads_cap = 0;
	free(r->names);
	r->names = NULL;
	r->nnames = 0;
}

void py_reader_reset(struct py_reader *r)
{
	r->ready = false;
	r->published = NULL;
	memset(r->misses, 0, sizeof(r->misses));
	r->discovery_attempts = 0;
	r->nthreads = 0;
	r->last_scan_ns = 0;
	r->pthread_tid_offset = -1;
	/* A new program (exec): its types and dicts are new too. */
	r->nnames = 0;
	r->names_read_ns = r->names_interval_ns = r->unnamed_since_ns = 0;
	r->names_cache.active = 0;
}

static uint64_t load_u64(const uint8_t *buf, int off)
{
	uint64_t v;
	memcpy(&v, buf + off, sizeof(v));
	return v;
}

static size_t tstate_span(const struct py_layout *l)
{
	int m = l->tstate_next;
	const int fields[] = { l->tstate_interp, l->tstate_thread_id, l->tstate_native_thread_id,
			       l->tstate_frame };
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (fields[i] > m)
			m = fields[i];
	return (size_t)m + 8;
}

/*
 * Before 3.11 a thread state records only its pthread_t, which glibc makes
 * the address of the thread's struct pthread.  The kernel tid sits at a fixed
 * offset inside; find it once on the main thread, whose tid is the pid, and
 * check it against every other thread state.
 */
static void learn_pthread_tid_offset(struct py_reader *r, const uint64_t *pthreads, size_t n)
{
	uint8_t buf[PTHREAD_SCAN_BYTES];

	for (size_t i = 0; i < n; i++) {
		if (!mem_read(r->pid, pthreads[i], buf, sizeof(buf)))
			continue;
		for (int off = 0; off + 4 <= (int)sizeof(buf); off += 4) {
			int32_t v, seen[64];
			size_t nseen = 0;
			bool plausible = true;
			memcpy(&v, buf + off, sizeof(v));
			if (v != r->ns_pid)
				continue;
			/* The tid field holds a different, live id in every other
			 * thread; a field holding the pid everywhere does not.  A
			 * thread still starting has 0 there: decide at a later
			 * scan rather than settle on a wrong field. */
			for (size_t j = 0; j < n && plausible; j++) {
				int32_t other;
				char task[64];
				if (j == i)
					continue;
				if (!mem_read(r->pid, pthreads[j] + (uint64_t)off, &other, sizeof(other)))
					return;
				if (other == 0)
					return;
				plausible = other > 0 && other != r->ns_pid;
				for (size_t k = 0; k < nseen && plausible; k++)
					plausible = seen[k] != other;
				if (plausible && nseen < ARRAY_SIZE(seen))
					seen[nseen++] = other;
				/* Inside another PID namespace the ids cannot be
				 * checked against /proc; distinct is all we know. */
				snprintf(task, sizeof(task), "/proc/%d/task/%d", (int)r->pid, (int)other);
				if (plausible && r->ns_pid == r->pid)
					plausible = access(task, F_OK) == 0;
			}
			if (plausible) {
				r->pthread_tid_offset = off;
				pys_debug("glibc keeps the tid at struct pthread+%d", off);
				return;
			}
		}
	}
}

static int by_interp_tid(const void *a, const void *b)
{
	const struct py_thread_entry *x = *(struct py_thread_entry *const *)a;
	const struct py_thread_entry *y = *(struct py_thread_entry *const *)b;

	if (x->interp != y->interp)
		return x->interp < y->interp ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x < y ? -1 : x > y; /* list order: newest first */
}

/*
 * A thread state made for a thread that has not started yet carries the
 * ids of the thread that made it (3.8-3.11 copy them at creation, and the
 * new thread puts its own in when it runs), or none (3.12+).  Within one
 * interpreter's list such a state repeats another's id: it is not the
 * thread's, and is taken out of the look-ups until it has its own.  The
 * same id in two interpreters is a thread that entered a sub-interpreter.
 */
static void forget_unbound(struct py_reader *r)
{
	struct py_thread_entry **sorted;

	r->unbound = 0;
	if (!r->nthreads)
		return;
	sorted = xmalloc(r->nthreads * sizeof(*sorted));
	for (size_t i = 0; i < r->nthreads; i++)
		sorted[i] = &r->threads[i];
	qsort(sorted, r->nthreads, sizeof(*sorted), by_interp_tid);
	for (size_t i = 0; i < r->nthreads; i++) {
		struct py_thread_entry *e = sorted[i];
		/* Equal ids come newest first: all but the last are new. */
		if (e->tid > 0 && i + 1 < r->nthreads && sorted[i + 1]->interp == e->interp &&
		    sorted[i + 1]->tid == e->tid)
			e->tid = 0;
		r->unbound += e->tid <= 0;
	}
	free(sorted);
}

static int by_thread_id(const void *a, const void *b)
{
	uint64_t x = ((const struct py_thread_name *)a)->thread_id;
	uint64_t y = ((const struct py_thread_name *)b)->thread_id;

	return (x > y) - (x < y);
}

/* Gives each thread entry the name threading has for it (r->names is
 * sorted by thread id); returns a digest of the set of threads left
 * without one (0 when every thread has a name), which changes when a
 * thread joins that set or learns its id. */
static uint64_t name_threads(struct py_reader *r)
{
	uint64_t unnamed_set = 0;

	for (size_t i = 0; i < r->nthreads; i++) {
		struct py_thread_entry *e = &r->threads[i];
		struct py_thread_name key = { .thread_id = e->thread_id };
		const struct py_thread_name *found =
			r->nnames ? bsearch(&key, r->names, r->nnames, sizeof(*r->names), by_thread_id)
				  : NULL;
		if (found)
			memcpy(e->name, found->name, sizeof(e->name));
		else
			e->name[0] = '\0';
		if (!found)
			unnamed_set += ((e->thread_id ^ e->tstate) * 0x9e3779b97f4a7c15ull) | 1;
	}
	return unnamed_set;
}

/* Looks for names every 10 ms for a second from the moment the set of
 * unnamed threads changes, then once a second.  A thread is in
 * threading's table a moment after its thread state exists, and that
 * moment can be long: the starting thread makes the state before the new
 * one runs, and the new one then waits for the GIL behind the spinning
 * ones, so a window opened when the state appeared (with no thread id
 * yet) could close before the name was there.  A thread that threading
 * did not start never gets a name, and costs one look a second. */
static void watch_unnamed(struct py_reader *r, uint64_t unnamed_set, uint64_t now)
{
	if (!unnamed_set)
		r->unnamed_since_ns = 0;
	else if (unnamed_set != r->unnamed_set)
		r->unnamed_since_ns = now;
	r->unnamed_set = unnamed_set;
	r->names_interval_ns = r->unnamed_since_ns && now - r->unnamed_since_ns < THREAD_NAMES_REFRESH_NS
				       ? THREAD_NAMES_RETRY_NS
				       : THREAD_NAMES_REFRESH_NS;
}

/* Reads threading's names of the main interpreter's threads again (a
 * thread renamed or started since): a dict walk, once a second. */
static void read_thread_names(struct py_reader *r)
{
	uint64_t interp;

	r->names_read_ns = now_ns();
	if (!r->names)
		r->names = xcalloc(MAX_THREAD_NAMES, sizeof(*r->names));
	/* Types are cached by address for one read only: one freed since
	 * may have made room for another. */
	py_repr_init(&r->names_ctx, r->pid, &r->rt.layout);
	r->nnames = 0;
	if (mem_read_u64(r->pid, r->rt.runtime_addr + (uint64_t)r->rt.layout.runtime_interpreters_head,
			 &interp))
		r->nnames = py_thread_names(&r->names_ctx, &r->names_cache, interp, r->names,
					    MAX_THREAD_NAMES);
	qsort(r->names, r->nnames, sizeof(*r->names), by_thread_id);
	watch_unnamed(r, name_threads(r), r->names_read_ns);
}

/* Re-reads every interpreter's thread list into r->threads. */
static void scan_thread_states(struct py_reader *r)
{
	const struct py_layout *l = &r->rt.layout;
	uint8_t ts[512];
	size_t span = tstate_span(l);
	uint64_t interp, pthreads[64];
	size_t npthreads = 0;

	r->nthreads = 0;
	r->unbound = 0;
	r->list_head_addr = 0;
	r->last_scan_ns = now_ns();
	if (span > sizeof(ts) ||
	    !mem_read_u64(r->pid, r->rt.runtime_addr + (uint64_t)l->runtime_interpreters_head, &interp))
		return;
	if (interp && mem_read_u64(r->pid, interp + (uint64_t)l->interp_threads_head, &r->list_head))
		r->list_head_addr = interp + (uint64_t)l->interp_threads_head;
	for (int ni = 0; interp && ni < MAX_INTERPRETERS; ni++) {
		uint64_t tstate, next_interp;
		if (!mem_read_u64(r->pid, interp + (uint64_t)l->interp_threads_head, &tstate) ||
		    !mem_read_u64(r->pid, interp + (uint64_t)l->interp_next, &next_interp))
			break;
		for (int nt = 0; tstate && nt < MAX_THREAD_STATES; nt++) {
			struct py_thread_entry e = { .tstate = tstate, .interp = (unsigned)ni };
			if (!mem_read(r->pid, tstate, ts, span))
				break;
			e.thread_id = load_u64(ts, l->tstate_thread_id);
			if (l->tstate_native_thread_id != PY_NO_FIELD)
				e.tid = (pid_t)load_u64(ts, l->tstate_native_thread_id);
			else if (npthreads < ARRAY_SIZE(pthreads))
				pthreads[npthreads++] = e.thread_id;
			else /* the main thread's state is the oldest, the last */
				pthreads[ARRAY_SIZE(pthreads) - 1] = e.thread_id;
			grow_array((void **)&r->threads, &r->threads_cap, r->nthreads, sizeof(e));
			r->threads[r->nthreads++] = e;
			tstate = load_u64(ts, l->tstate_next);
		}
		interp = next_interp;
	}
	if (l->tstate_native_thread_id == PY_NO_FIELD) {
		if (r->pthread_tid_offset < 0)
			learn_pthread_tid_offset(r, pthreads, npthreads);
		for (size_t i = 0; i < r->nthreads && r->pthread_tid_offset >= 0; i++) {
			int32_t tid = 0;
			mem_read(r->pid, r->threads[i].thread_id + (uint64_t)r->pthread_tid_offset,
				 &tid, sizeof(tid));
			r->threads[i].tid = tid;
		}
	}
	forget_unbound(r);
	watch_unnamed(r, name_threads(r), r->last_scan_ns);
}

/*
 * Whether a thread found without a thread state a moment ago may have one
 * by now: a thread state is put at the head of its interpreter's list when
 * created (by the thread that starts the new one, or by a C thread taking
 * the GIL), and it learns its thread's id when that thread starts to run
 * (3.12+ binds it then).  Neither is worth waiting 20 ms for.
 */
static bool thread_list_moved(struct py_reader *r, uint64_t now)
{
	uint64_t head;

	if (r->unbound && now - r->last_scan_ns >= UNBOUND_RESCAN_NS)
		return true;
	return r->list_head_addr && mem_read_u64(r->pid, r->list_head_addr, &head) &&
	       head != r->list_head;
}

static struct py_thread_entry *find_thread(struct py_reader *r, pid_t tid)
{
	for (size_t i = 0; i < r->nthreads; i++)
		if (r->threads[i].tid == tid)
			return &r->threads[i];
	return NULL;
}

/* A thread state read still belongs to the thread cached for it. */
static bool tstate_is(const struct py_reader *r, const struct py_thread_entry *e, const uint8_t *ts)
{
	const struct py_layout *l = &r->rt.layout;

	if (load_u64(ts, l->tstate_thread_id) != e->thread_id)
		return false;
	return l->tstate_native_thread_id == PY_NO_FIELD ||
	       (pid_t)load_u64(ts, l->tstate_native_thread_id) == e->tid;
}

static bool read_tstate(struct py_reader *r, const struct py_thread_entry *e, uint8_t *ts,
			size_t span)
{
	return mem_read(r->pid, e->tstate, ts, span) && tstate_is(r, e, ts);
}

/* The offset of a frame's current instruction in its bytecode; a frame
 * that has not run its first instruction yet (f_lasti -1 before 3.11, set
 * while a profile or trace function sees its call) is at offset 0 and
 * flagged PYF_NOT_STARTED. */
static uint64_t instr_offset(const struct py_layout *l, uint64_t code, uint64_t raw,
			     uint32_t *flags)
{
	switch (l->instr_kind) {
	case PY_INSTR_LASTI_BYTES:
	case PY_INSTR_LASTI_UNITS:
		if ((int32_t)raw < 0) {
			*flags |= PYF_NOT_STARTED;
			return 0;
		}
		return (uint64_t)(uint32_t)raw * (l->instr_kind == PY_INSTR_LASTI_UNITS ? 2 : 1);
	case PY_INSTR_POINTER: {
		uint64_t start = code + (uint64_t)l->code_code_adaptive;
		return raw >= start ? raw - start : 0;
	}
	}
	return 0;
}

/* The bytes of a frame that a walk reads. */
static int frame_span(const struct py_layout *l)
{
	int span = l->frame_previous;
	const int fields[] = { l->frame_code, l->frame_instr, l->frame_owner, l->frame_is_entry };

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (fields[i] > span)
			span = fields[i];
	return span + 8;
}

/*
 * Walks the chain from `frame` through r->window (prepared by the caller).
 * From 3.12 every chain ends in the shim frame that the outermost
 * evaluation loop call keeps on the C stack; one that ends in a Python
 * frame was read while the interpreter relinked it: 3.12's YIELD_VALUE
 * clears the generator frame's `previous` before it makes the caller
 * current, and FOR_ITER_GEN makes the generator frame current before it
 * links it to its caller (in the compiled order), so for a few
 * instructions the generator frame has no caller.
 */
static enum py_snap_status walk_frames(struct py_reader *r, uint64_t frame, struct snapshot *snap)
{
	const struct py_layout *l = &r->rt.layout;
	int span = frame_span(l);
	bool shims = l->frame_owner != PY_NO_FIELD && l->owner_cstack >= 0, at_shim = false;
	uint8_t buf[256];

	if ((size_t)span > sizeof(buf))
		return PYSNAP_READ_FAILED;

	for (unsigned n = 0; frame; n++) {
		uint64_t code, raw_instr, previous;
		uint32_t flags = 0;

		if (n >= r->max_frames)
			return PYSNAP_TRUNCATED;
		if (!mem_window_read(&r->window, frame, buf, (size_t)span))
			return PYSNAP_READ_FAILED;
		code = load_u64(buf, l->frame_code) & ~l->code_tag_mask;
		raw_instr = load_u64(buf, l->frame_instr);
		previous = load_u64(buf, l->frame_previous);
		if (previous == frame)
			return PYSNAP_TRUNCATED;
		at_shim = shims && buf[l->frame_owner] >= (uint8_t)l->owner_cstack;
		if (at_shim) {
			/* The shim a C caller pushed: the frame below it (already
			 * emitted, leaf side) was entered from C. */
			if (snap->npy)
				snap->py[snap->npy - 1].flags |= PYF_ENTRY;
			frame = previous;
			continue;
		}
		if (l->frame_is_entry != PY_NO_FIELD && buf[l->frame_is_entry])
			flags |= PYF_ENTRY;
		if (code) {
			uint64_t instr = instr_offset(l, code, raw_instr, &flags);
			snapshot_push_py(snap, frame, code, instr, flags);
		}
		frame = previous;
	}
	mem_window_adapt(&r->window, (unsigned)snap->npy);
	return shims && snap->npy && !at_shim ? PYSNAP_CHAIN_CUT : PYSNAP_OK;
}

bool py_reader_prepare(struct py_reader *r)
{
	struct proc_maps maps;
	char why[512];
	enum py_discovery d;

	if (r->ready) {
		/* Thread states come and go without any thread being new to us
		 * (a thread entering a sub-interpreter gets a second one): look
		 * at the lists again now and then, outside any stop.  Scanning
		 * lists the newest interpreter first, so a thread inside a
		 * sub-interpreter is read through that interpreter's state. */
		if (now_ns() - r->last_scan_ns > THREAD_LIST_REFRESH_NS)
			scan_thread_states(r);
		if (now_ns() - r->names_read_ns > r->names_interval_ns)
			read_thread_names(r);
		return true;
	}
	/* Discovery reads the maps and ELF files: keep it off the hot path. */
	/* Often at first (a launched program starts up within milliseconds),
	 * then seldom: a program that is not Python should cost nothing. */
	if (r->last_scan_ns && now_ns() - r->last_scan_ns <
				       (r->discovery_attempts < 100 ? RESCAN_INTERVAL_NS : 500000000u))
		return false;
	r->discovery_attempts++;
	r->last_scan_ns = now_ns();
	if (!procmaps_read(r->pid, &maps))
		return false;
	d = py_runtime_discover(r->pid, &maps, r->runtime_by_scan, &r->rt, why, sizeof(why));
	procmaps_free(&maps);
	if (d == PY_UNSUPPORTED && !r->unsupported[0]) {
		/* The user must hear it without -v: the whole profile is
		 * native-only because of it. */
		snprintf(r->unsupported, sizeof(r->unsupported), "%s", why);
		pys_warn("%s", why);
	}
	if (d != PY_FOUND) {
		pys_debug("%s", why);
		return false;
	}
	r->ready = true;
	r->last_scan_ns = 0;
	{
		struct py_runtime *copy = xmalloc(sizeof(*copy));
		*copy = r->rt;
		grow_array((void **)&r->history, &r->history_cap, r->nhistory, sizeof(copy));
		r->history[r->nhistory++] = copy;
		r->published = copy;
	}
	pys_debug("CPython %u.%u.%u runtime at %#llx in %s (%s, layout from %s)",
		  r->rt.version_hex >> 24, (r->rt.version_hex >> 16) & 0xff,
		  (r->rt.version_hex >> 8) & 0xff, (unsigned long long)r->rt.runtime_addr,
		  r->rt.module, r->rt.how, r->rt.layout.origin);
	return true;
}

pid_t py_reader_gil_holder(struct py_reader *r)
{
	const struct py_layout *l = &r->rt.layout;
	uint64_t gil, holder, interp;
	int32_t locked;
	const struct py_thread_entry *e = NULL;

	if (!r->ready || l->gil_locked == PY_NO_FIELD || l->gil_holder == PY_NO_FIELD)
		return -1;
	/* 3.8-3.11: one GIL in _PyRuntime.  3.12+: each interpreter points at
	 * the GIL it uses (its own, or the main one's); the main interpreter
	 * is the oldest, the tail of the list. */
	if (l->gil_in_runtime != PY_NO_FIELD) {
		gil = r->rt.runtime_addr + (uint64_t)l->gil_in_runtime;
	} else {
		uint64_t next;
		if (!mem_read_u64(r->pid, r->rt.runtime_addr + (uint64_t)l->runtime_interpreters_head,
				  &interp) || !interp)
			return -1;
		for (int n = 0; n < MAX_INTERPRETERS; n++) {
			if (!mem_read_u64(r->pid, interp + (uint64_t)l->interp_next, &next))
				return -1;
			if (!next)
				break;
			interp = next;
		}
		if (l->gil_pointer_in_interp != PY_NO_FIELD) {
			if (!mem_read_u64(r->pid, interp + (uint64_t)l->gil_pointer_in_interp, &gil) ||
			    !gil)
				return -1;
		} else if (l->gil_in_interp != PY_NO_FIELD) {
			gil = interp + (uint64_t)l->gil_in_interp;
		} else {
			return -1;
		}
	}
	if (!mem_read(r->pid, gil + (uint64_t)l->gil_locked, &locked, sizeof(locked)) ||
	    !mem_read_u64(r->pid, gil + (uint64_t)l->gil_holder, &holder))
		return -1;
	if (!locked || !holder)
		return 0;
	for (int attempt = 0; attempt < 2 && !e; attempt++) {
		for (size_t i = 0; i < r->nthreads; i++)
			if (r->threads[i].tstate == holder)
				e = &r->threads[i];
		if (!e && attempt == 0 && now_ns() - r->last_scan_ns >= RESCAN_INTERVAL_NS)
			scan_thread_states(r);
	}
	return e ? e->tid : -1;
}

/* The innermost frame pointer of a thread state, or false. */
static bool current_frame(struct py_reader *r, const uint8_t *ts, uint64_t *frame)
{
	const struct py_layout *l = &r->rt.layout;

	*frame = load_u64(ts, l->tstate_frame);
	return l->cframe_current_frame == PY_NO_FIELD || !*frame ||
	       mem_read_u64(r->pid, *frame + (uint64_t)l->cframe_current_frame, frame);
}

/*
 * Reads e's thread state and its innermost frame pointer, in one syscall
 * when the thread is where the last sample found it: the thread state, the
 * CFrame it pointed at then (3.11-3.12) and the pages of the last walk's
 * chain go in together.  False when unreadable or no longer e's.
 */
static bool read_thread(struct py_reader *r, struct py_thread_entry *e, uint8_t *ts, size_t span,
			uint64_t *frame, struct mem_tail *also)
{
	const struct py_layout *l = &r->rt.layout;
	bool via_cframe = l->cframe_current_frame != PY_NO_FIELD;
	uint64_t hinted = 0, cframe;
	struct mem_request reqs[2] = { { e->tstate, ts, span, false } };
	size_t n = 1;

	if (via_cframe && e->cframe)
		reqs[n++] = (struct mem_request){ e->cframe + (uint64_t)l->cframe_current_frame,
						  &hinted, sizeof(hinted), false };
	mem_window_init(&r->window, r->pid);
	if (!mem_window_read_with(&r->window, reqs, n, e->chain_pages, e->nchain_pages, also)) {
		/* The CFrame went away with its C frame: without the hints. */
		e->cframe = 0;
		if (!read_tstate(r, e, ts, span))
			return false;
		n = 1;
	} else if (!tstate_is(r, e, ts)) {
		return false;
	}
	*frame = load_u64(ts, l->tstate_frame);
	if (!via_cframe)
		return true;
	cframe = *frame;
	if (cframe && !(n == 2 && cframe == e->cframe) &&
	    !mem_read_u64(r->pid, cframe + (uint64_t)l->cframe_current_frame, &hinted))
		return false;
	e->cframe = cframe;
	*frame = cframe ? hinted : 0;
	return true;
}

/*
 * Whether a thread that ran on during the read still has `frame` innermost:
 * one syscall for the thread state's pointer and, where there is one, the
 * CFrame's.  A thread that returned or called meanwhile left a chain that
 * may mix old and new frames.
 */
static bool still_at(struct py_reader *r, const struct py_thread_entry *e, uint64_t frame)
{
	const struct py_layout *l = &r->rt.layout;
	bool via_cframe = l->cframe_current_frame != PY_NO_FIELD && e->cframe;
	uint64_t field = 0, current = 0;
	struct mem_request reqs[2] = {
		{ e->tstate + (uint64_t)l->tstate_frame, &field, sizeof(field), false },
		{ e->cframe + (uint64_t)l->cframe_current_frame, &current, sizeof(current), false },
	};
	size_t n = via_cframe ? 2 : 1;

	if (mem_read_batch(r->pid, reqs, n) != n)
		return false;
	if (l->cframe_current_frame == PY_NO_FIELD)
		return field == frame;
	return field == e->cframe && (!via_cframe || current == frame);
}

enum py_snap_status py_reader_snapshot(struct py_reader *r, pid_t tid, struct snapshot *snap,
				       bool running, struct mem_tail *also)
{
	const struct py_layout *l = &r->rt.layout;
	struct py_thread_entry *e;
	uint8_t ts[512];
	size_t span;
	uint64_t frame;

	snap->npy = 0;
	if (!r->ready)
		return snap->py_status = PYSNAP_NO_RUNTIME;
	span = tstate_span(l);
	e = find_thread(r, tid);
	if (!e || !read_thread(r, e, ts, span, &frame, also)) {
		uint64_t now = now_ns();
		bool moved = thread_list_moved(r, now);
		for (size_t i = 0; i < ARRAY_SIZE(r->misses) && !moved; i++)
			if (r->misses[i].tid == tid && now - r->misses[i].when_ns < RESCAN_INTERVAL_NS)
				return snap->py_status = PYSNAP_NO_THREAD;
		scan_thread_states(r);
		e = find_thread(r, tid);
		if (!e || !read_thread(r, e, ts, span, &frame, also)) {
			r->misses[r->next_miss].tid = tid;
			r->misses[r->next_miss].when_ns = now;
			r->next_miss = (r->next_miss + 1) % ARRAY_SIZE(r->misses);
			return snap->py_status = PYSNAP_NO_THREAD;
		}
	}
	/* A thread running code in a sub-interpreter has a thread state in
	 * each interpreter it entered; the one with frames is the live one. */
	for (size_t i = (size_t)(e - r->threads) + 1; !frame && i < r->nthreads; i++) {
		if (r->threads[i].tid != tid || !read_tstate(r, &r->threads[i], ts, span))
			continue;
		e = &r->threads[i];
		e->cframe = 0;
		if (!current_frame(r, ts, &frame))
			return snap->py_status = PYSNAP_READ_FAILED;
		if (frame && l->cframe_current_frame != PY_NO_FIELD)
			e->cframe = load_u64(ts, l->tstate_frame);
		mem_window_init(&r->window, r->pid);
	}
	memcpy(snap->py_thread_name, e->name, sizeof(snap->py_thread_name));
	snap->py_status = walk_frames(r, frame, snap);
	e->nchain_pages = (unsigned)mem_window_used_pages(&r->window, e->chain_pages,
							  ARRAY_SIZE(e->chain_pages));
	if (running && !still_at(r, e, frame))
		snap->py_status = PYSNAP_TORN;
	return snap->py_status;
}
