/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libdw's fast path (unwind-libdw-rows.c) on this very process: a chain of
 * functions takes a snapshot of itself (registers from getcontext, the
 * stack copied as the sampler copies it) and the walk must find the
 * return addresses and canonical frame addresses the compiler reports
 * for each of them (__builtin_return_address, __builtin_dwarf_cfa), down
 * to _start, and what libdw's own unwinder finds.  Then the same snapshot
 * cut, bounded, with a zeroed return address; one taken in a signal
 * handler, whose signal frame is left to the backend; and one under a
 * function whose last instruction is a call.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

#include "memread.h"
#include "modules.h"
#include "tap.h"
#include "unwind-libdw-rows.h"

/* Real frames: no inlining, no cloning, no tail calls (each caller uses
 * the result after the call). */
#if defined(__clang__)
#define NOINLINE __attribute__((noinline))
#else
#define NOINLINE __attribute__((noipa))
#endif

#define COPY_MAX (256u << 10)

/* What the compiler says of each frame of the chain, leaf first:
 * level 0 is the function that took the snapshot, then level1..3,
 * test_chain and main. */
enum { LEVELS = 6 };
static struct {
	uint64_t ra[LEVELS];  /* its return address: a pc in its caller */
	uint64_t cfa[LEVELS]; /* its canonical frame address */
} truth;

/* The C runtime's entry point, whose CFI marks the outermost frame. */
extern void _start(void);

static struct modules mods;
static ucontext_t ctx;
static struct snapshot snap;
static uint8_t *copy;
static volatile int sink;

static uint64_t u64(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* The registers getcontext saved, by DWARF number: those of the function
 * that called it, at the instruction after the call. */
static void regs_from_context(const ucontext_t *uc, struct dwarf_regs *r)
{
	memset(r, 0, sizeof(*r));
#if defined(__x86_64__)
	static const int greg[ARCH_DWARF_NREGS] = {
		REG_RAX, REG_RDX, REG_RCX, REG_RBX, REG_RSI, REG_RDI, REG_RBP, REG_RSP, REG_R8,
		REG_R9,  REG_R10, REG_R11, REG_R12, REG_R13, REG_R14, REG_R15, REG_RIP,
	};
	for (unsigned i = 0; i < ARCH_DWARF_NREGS; i++)
		r->val[i] = (uint64_t)uc->uc_mcontext.gregs[greg[i]];
#elif defined(__aarch64__)
	for (unsigned i = 0; i < 31; i++)
		r->val[i] = uc->uc_mcontext.regs[i];
	r->val[ARCH_DWARF_SP] = uc->uc_mcontext.sp;
	r->val[ARCH_DWARF_PC] = uc->uc_mcontext.pc;
#endif
	r->valid = (1ull << ARCH_DWARF_NREGS) - 1;
}

/* As the sampler does: the stack from the red zone below the stack
 * pointer up, to the end of its mapping or COPY_MAX, read with
 * process_vm_readv (from this process itself). */
static void take_snapshot(void)
{
	struct dwarf_regs r;
	const struct map_entry *stack;
	uint64_t sp, end;

	regs_from_context(&ctx, &r);
	sp = r.val[ARCH_DWARF_SP];
	memset(&snap, 0, sizeof(snap));
	snap.pid = snap.space = snap.tid = getpid();
	snap.have_regs = true;
	snap.stack_addr = sp - ARCH_STACK_RED_ZONE;
	stack = modules_mapping(&mods, sp);
	end = stack && stack->end > sp ? stack->end : sp + 4096;
	if (end - snap.stack_addr > COPY_MAX)
		end = snap.stack_addr + COPY_MAX;
	snap.stack = copy;
	snap.stack_len = mem_read_partial(snap.pid, snap.stack_addr, copy, end - snap.stack_addr);
	snap.stack_bounded = true;
}

static NOINLINE int level0(int x)
{
	truth.ra[0] = u64(__builtin_return_address(0));
	truth.cfa[0] = u64(__builtin_dwarf_cfa());
	getcontext(&ctx);
	take_snapshot();
	return x + sink;
}

static NOINLINE int level1(int x)
{
	truth.ra[1] = u64(__builtin_return_address(0));
	truth.cfa[1] = u64(__builtin_dwarf_cfa());
	return level0(x + 1) * 3;
}

static NOINLINE int level2(int x)
{
	truth.ra[2] = u64(__builtin_return_address(0));
	truth.cfa[2] = u64(__builtin_dwarf_cfa());
	return level1(x + 2) * 5;
}

static NOINLINE int level3(int x)
{
	truth.ra[3] = u64(__builtin_return_address(0));
	truth.cfa[3] = u64(__builtin_dwarf_cfa());
	return level2(x + 3) * 7;
}

/* A function whose last instruction is a call: the return address lies
 * past its end, in whatever follows, so its row must be looked up inside
 * the call. */
static jmp_buf back;
static struct {
	uint64_t ra_escape, ra_ends;
} at_end;

static NOINLINE __attribute__((noreturn)) void escape(void)
{
	at_end.ra_escape = u64(__builtin_return_address(0));
	getcontext(&ctx);
	take_snapshot();
	longjmp(back, 1);
}

static NOINLINE void ends_in_call(void)
{
	at_end.ra_ends = u64(__builtin_return_address(0));
	escape();
}

/* Signal frames: the handler calls level0, which takes the snapshot. */
static struct {
	uint64_t ra, cfa; /* the handler's: into the signal trampoline */
} in_handler;

static void handler(int sig)
{
	in_handler.ra = u64(__builtin_return_address(0));
	in_handler.cfa = u64(__builtin_dwarf_cfa());
	sink += level0(sig) & 0;
}

struct walk {
	struct unwind_result out;
	struct dwarf_regs at;
	bool at_caller, finished;
};

static void walk(struct libdw_rows *rows, unsigned max_frames, struct walk *w)
{
	struct dwarf_regs start;

	free(w->out.frames);
	memset(w, 0, sizeof(*w));
	w->out.end = UNWIND_END_COUNT; /* not set by the walk unless it finished */
	regs_from_context(&ctx, &start);
	w->finished = libdw_rows_unwind(rows, &snap, &start, false, max_frames, &w->out, &w->at,
				      &w->at_caller);
}

static uint64_t context_pc(void)
{
#if defined(__x86_64__)
	return (uint64_t)ctx.uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
	return ctx.uc_mcontext.pc;
#endif
}

/* The walk's first frame is where the snapshot was taken, and frames
 * 1..n the return addresses the compiler gave, in order. */
static bool frames_match(const struct walk *w, size_t n)
{
	if (w->out.n < n + 1 || w->out.frames[0].pc != context_pc() || !w->out.frames[0].exact)
		return false;
	for (size_t i = 1; i <= n; i++)
		if (w->out.frames[i].pc != truth.ra[i - 1] || w->out.frames[i].exact)
			return false;
	return true;
}

static void diag_frames(const struct walk *w)
{
	printf("#   walk: %zu frames, %s, end %d; snapshot pc %#llx\n", w->out.n,
	       w->finished ? "finished" : "handed to the backend", (int)w->out.end,
	       (unsigned long long)context_pc());
	for (size_t i = 0; i < w->out.n && i < 12; i++)
		printf("#     frame %zu: %#llx\n", i, (unsigned long long)w->out.frames[i].pc);
	for (size_t i = 0; i < LEVELS; i++)
		printf("#   level %zu: ra %#llx cfa %#llx\n", i, (unsigned long long)truth.ra[i],
		       (unsigned long long)truth.cfa[i]);
}

static NOINLINE void test_chain(struct libdw_rows *rows)
{
	struct walk w = { 0 }, again = { 0 };
	bool same = true;
	uint64_t last = 0;

	sink = 0;
	truth.ra[4] = u64(__builtin_return_address(0));
	truth.cfa[4] = u64(__builtin_dwarf_cfa());
	ok(level3(1) == ((1 + 3 + 2 + 1) * 5 * 3) * 7 && snap.stack_len > 4096,
	   "a snapshot of this thread, %zu bytes of stack", snap.stack_len);

	walk(rows, 64, &w);
	ok(frames_match(&w, LEVELS),
	   "the walk goes through level0 .. level3, test_chain and main, each return address "
	   "the compiler's");
	if (!frames_match(&w, LEVELS))
		diag_frames(&w);
	if (w.out.n)
		last = w.out.frames[w.out.n - 1].pc;
	ok(w.finished && w.out.end == UNWIND_COMPLETE && last > u64((void *)_start) &&
	   last - u64((void *)_start) < 64,
	   "through the C library to _start, where the walk ends complete (%zu frames)", w.out.n);

	/* The rows are cached: a second walk must not differ. */
	walk(rows, 64, &again);
	same = again.out.n == w.out.n && again.finished == w.finished;
	for (size_t i = 0; same && i < w.out.n; i++)
		same = again.out.frames[i].pc == w.out.frames[i].pc;
	ok(same, "a second walk, from the cached rows, finds the same %zu frames", w.out.n);

	/* A new generation of the modules (a dlopen, an exec) drops them. */
	modules_refresh(&mods, true);
	walk(rows, 64, &again);
	same = again.out.n == w.out.n && again.finished == w.finished;
	for (size_t i = 0; same && i < w.out.n; i++)
		same = again.out.frames[i].pc == w.out.frames[i].pc;
	ok(same, "after the modules are reported again, the same frames");

	walk(rows, 3, &again);
	ok(again.finished && again.out.end == UNWIND_MAX_FRAMES && again.out.n == 3 &&
	   frames_match(&again, 2),
	   "max_frames 3: three frames, ended as over --max-frames");
	walk(rows, 0, &again);
	ok(again.finished && again.out.end == UNWIND_MAX_FRAMES && again.out.n == 0,
	   "max_frames 0: no frame");
	free(w.out.frames);
	free(again.out.frames);
}

/* libdw's own unwinder, on the same snapshot, must find the same frames:
 * the fast path is a cache of what libdw would do. */
static void test_agrees_with_libdw(struct libdw_rows *rows)
{
	char err[256];
	struct unwinder *u = unwind_libdw_ops.create(&mods, err, sizeof(err));
	struct unwind_result out = { 0 };
	struct dwarf_regs start;
	struct walk w = { 0 };
	bool same;

	if (!u) {
		ok(false, "libdw's unwinder: %s", err);
		return;
	}
	regs_from_context(&ctx, &start);
	unwind_libdw_ops.unwind(u, &snap, &start, false, 64, &out);
	walk(rows, 64, &w);
	same = out.n == w.out.n && out.end == w.out.end;
	for (size_t i = 0; same && i < out.n; i++)
		same = out.frames[i].pc == w.out.frames[i].pc &&
		       out.frames[i].exact == w.out.frames[i].exact;
	ok(same, "libdw's unwinder finds the same %zu frames (it found %zu, end %d)", w.out.n,
	   out.n, (int)out.end);
	unwind_libdw_ops.destroy(u);
	free(out.frames);
	free(w.out.frames);
}

static NOINLINE void test_call_at_the_end(struct libdw_rows *rows)
{
	struct walk w = { 0 };

	if (setjmp(back) == 0)
		ends_in_call();
	walk(rows, 64, &w);
	ok(w.out.n >= 3 && w.out.frames[0].pc == context_pc() &&
	   w.out.frames[1].pc == at_end.ra_escape && w.out.frames[2].pc == at_end.ra_ends,
	   "a function that ends in a call: its caller found all the same (%zu frames)", w.out.n);
	free(w.out.frames);
}

/* The copy cut at each level's CFA: that level's frame is still walked
 * (what it saved lies below its CFA), its caller's is not, and the caller
 * is handed over with the stack pointer at that CFA. */
static void test_cut_copy(struct libdw_rows *rows)
{
	size_t full = snap.stack_len;
	struct walk w = { 0 };

	for (size_t k = 0; k < 4; k++) {
		snap.stack_len = truth.cfa[k] - snap.stack_addr;
		walk(rows, 64, &w);
		ok(!w.finished && w.out.n == k + 1 && frames_match(&w, k) && w.at_caller &&
		   w.at.val[ARCH_DWARF_PC] == truth.ra[k] && w.at.val[ARCH_DWARF_SP] == truth.cfa[k],
		   "copy cut at level%zu's CFA: %zu frames, then level%zu's caller at sp %#llx "
		   "handed over (%zu frames, sp %#llx)",
		   k, k + 1, k, (unsigned long long)truth.cfa[k], w.out.n,
		   (unsigned long long)w.at.val[ARCH_DWARF_SP]);
	}
	snap.stack_len = full;
	free(w.out.frames);
}

/* A zeroed return address in the copy ends the chain there. */
static void test_zero_return_address(struct libdw_rows *rows)
{
	struct walk w = { 0 };
	uint64_t lo = truth.cfa[0], hi = truth.cfa[1], v, zero = 0, where[8];
	size_t zeroed = 0;

	/* level1's frame lies between level0's CFA and its own, and holds
	 * its return address (truth.ra[1]) wherever its CFI says. */
	for (uint64_t a = lo; a + 8 <= hi; a += 8) {
		memcpy(&v, copy + (a - snap.stack_addr), 8);
		if (v == truth.ra[1] && zeroed < ARRAY_SIZE(where)) {
			memcpy(copy + (a - snap.stack_addr), &zero, 8);
			where[zeroed++] = a;
		}
	}
	walk(rows, 64, &w);
	ok(zeroed && w.finished && w.out.end == UNWIND_COMPLETE && w.out.n == 2 &&
	   frames_match(&w, 1),
	   "level1's return address zeroed: the chain ends at level1 (%zu frames)", w.out.n);
	for (size_t i = 0; i < zeroed; i++)
		memcpy(copy + (where[i] - snap.stack_addr), &truth.ra[1], 8);
	free(w.out.frames);
}

/* A walk that starts at a signal handler: the signal frame's row is not a
 * simple one (DWARF expressions, the signal flag), so the fast path hands
 * that frame over, its registers those the handler's CFI gives. */
static void test_signal_frame(struct libdw_rows *rows)
{
	struct sigaction sa;
	struct walk w = { 0 };

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) != 0 || raise(SIGUSR1) != 0) {
		printf("Bail out! cannot raise SIGUSR1\n");
		exit(1);
	}
	walk(rows, 64, &w);
	ok(!w.finished && w.out.n == 2 && frames_match(&w, 1) && w.out.frames[1].pc == truth.ra[0],
	   "in a signal handler: level0 and the handler walked (%zu frames)", w.out.n);
	ok(w.at_caller && w.at.val[ARCH_DWARF_PC] == in_handler.ra,
	   "the signal trampoline handed over, its pc the handler's return address");
	ok((w.at.valid & (1ull << ARCH_DWARF_SP)) && w.at.val[ARCH_DWARF_SP] == in_handler.cfa,
	   "its stack pointer the handler's CFA (%#llx, want %#llx)",
	   (unsigned long long)w.at.val[ARCH_DWARF_SP], (unsigned long long)in_handler.cfa);
	signal(SIGUSR1, SIG_DFL);
	free(w.out.frames);
}

int main(void)
{
	char err[256];
	struct libdw_rows *rows;

	truth.ra[5] = u64(__builtin_return_address(0));
	truth.cfa[5] = u64(__builtin_dwarf_cfa());
	if (!modules_init(&mods, getpid(), err, sizeof(err))) {
		printf("Bail out! modules of this process: %s\n", err);
		return 1;
	}
	copy = xmalloc(COPY_MAX);
	rows = libdw_rows_new(&mods);
	test_chain(rows);
	test_agrees_with_libdw(rows);
	test_cut_copy(rows);
	test_zero_return_address(rows);
	test_signal_frame(rows);
	test_call_at_the_end(rows);
	libdw_rows_free(rows);
	free(copy);
	modules_free(&mods);
	return tap_done();
}
