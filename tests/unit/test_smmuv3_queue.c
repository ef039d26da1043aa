// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
/*
 * test_smmuv3_queue.c - the SMMUv3 Command queue: the driver's producer
 * (queue.c) against the model's consumer (hw-queue.c), with the consumer
 * run inline from the doorbell and on its own thread.
 *
 * The executor records every command it is given; tests compare the record
 * with what was submitted.  Worker threads never assert (cmocka longjmps):
 * they count failures, which the main thread checks.  Every test arms an
 * alarm, so a hang fails instead of blocking the suite.
 *
 * INVT_TEST_SEED=<n> in the environment replays the random batch shapes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <invtrack/smmuv3.h>
#include <invtrack/smmuv3-queue.h>

#include "hw.h"
#include "hw-queue.h"

#define TIME_LIMIT	120	/* seconds per test, sanitizers included */
#define MAX_ERRS	4096
#define CMD		INVT_SMMU_CMD_BYTES

/* ------------------------------------------------------------ helpers */

static uint64_t test_seed(void)
{
	static uint64_t seed;
	const char *env;

	if (seed)
		return seed;
	env = getenv("INVT_TEST_SEED");
	seed = env ? strtoull(env, NULL, 0) : ((uint64_t)time(NULL) ^ ((uint64_t)clock() << 32));
	if (!seed)
		seed = 1;
	fprintf(stderr, "INVT_TEST_SEED=%llu\n", (unsigned long long)seed);
	return seed;
}

static uint64_t rng_next(uint64_t *s)
{
	/* splitmix64 */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void put_le64(uint8_t *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = v >> (8 * i);
}

/* CFGI_STE with the sequence number as StreamID: one unique command. */
static int mk_cfgi(uint8_t *slot, uint32_t seq)
{
	struct invt_smmu_cmd c = { .opcode = INVT_SMMU_CMD_CFGI_STE, .sid = seq };

	return invt_smmu_cmd_encode_le(&c, slot);
}

static int mk_sync(uint8_t *slot)
{
	struct invt_smmu_cmd c = { .opcode = INVT_SMMU_CMD_SYNC };

	return invt_smmu_cmd_encode_le(&c, slot);
}

static int mk_atc(uint8_t *slot, uint32_t sid)
{
	struct invt_smmu_cmd c = { .opcode = INVT_SMMU_CMD_ATC_INV, .sid = sid,
				   .size = INVT_SMMU_ATC_SIZE_ALL };

	return invt_smmu_cmd_encode_le(&c, slot);
}

static int mk_tlbi_asid(uint8_t *slot, uint16_t vmid, uint16_t asid)
{
	struct invt_smmu_cmd c = { .opcode = INVT_SMMU_CMD_TLBI_NH_ASID, .vmid = vmid,
				   .asid = asid };

	return invt_smmu_cmd_encode_le(&c, slot);
}

/* Opcode 0x01 is reserved: CERROR_ILL.  The tag makes each one unique. */
static uint64_t bad_dw0(uint32_t tag)
{
	return 0x01 | (uint64_t)tag << 32;
}

static uint64_t bad_dw1(uint32_t tag)
{
	return 0xb0d0000000000000ull | tag;
}

static void mk_bad(uint8_t *slot, uint32_t tag)
{
	put_le64(slot, bad_dw0(tag));
	put_le64(slot + 8, bad_dw1(tag));
}

/* An illegal CMD_SYNC: ComplSignal 3 is reserved (§4.7.3). */
static void mk_bad_sync(uint8_t *slot)
{
	put_le64(slot, 0x46 | 3ull << 12);
	put_le64(slot + 8, 0);
}

/* ------------------------------------------------- executor and errors */

struct rec {
	pthread_mutex_t lock;
	uint64_t (*log)[2];
	size_t n;		/* written under lock, read atomically */
	size_t cap;
	uint32_t *seen;		/* per CFGI_STE StreamID below nseen; atomic */
	uint32_t nseen;
	uint32_t atc_fail_sid;
	int atc_fail_left;
	uint32_t fail_sid;	/* CFGI_STE StreamID the executor rejects */
	int fail_code;
	int fail_left;
	int msi_calls;
	uint64_t msi_addr;
	uint32_t msi_data;
	size_t msi_at;
	int oom;
};

static int rec_exec(void *arg, const struct smmu_hw_cmd *cmd, const void *slot)
{
	struct rec *r = arg;
	int rc = SMMU_HW_CERROR_NONE;

	pthread_mutex_lock(&r->lock);
	if (cmd->op == SMMU_HW_OP_CFGI_STE && cmd->sid == r->fail_sid && r->fail_left > 0) {
		/* Rejected: no effect, not recorded. */
		r->fail_left--;
		pthread_mutex_unlock(&r->lock);
		return r->fail_code;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 1024;
		void *p = realloc(r->log, cap * sizeof(*r->log));

		if (!p) {
			r->oom = 1;
			pthread_mutex_unlock(&r->lock);
			return rc;
		}
		r->log = p;
		r->cap = cap;
	}
	r->log[r->n][0] = le64(slot);
	r->log[r->n][1] = le64((const uint8_t *)slot + 8);
	__atomic_store_n(&r->n, r->n + 1, __ATOMIC_RELEASE);
	if (cmd->op == SMMU_HW_OP_CFGI_STE && cmd->sid < r->nseen)
		__atomic_fetch_add(&r->seen[cmd->sid], 1, __ATOMIC_RELAXED);
	if (cmd->op == SMMU_HW_OP_ATC_INV && cmd->sid == r->atc_fail_sid && r->atc_fail_left > 0) {
		r->atc_fail_left--;
		rc = SMMU_HW_CERROR_ATC_INV_SYNC;
	}
	pthread_mutex_unlock(&r->lock);
	return rc;
}

static void rec_msi(void *arg, uint64_t addr, uint32_t data)
{
	struct rec *r = arg;

	pthread_mutex_lock(&r->lock);
	r->msi_calls++;
	r->msi_addr = addr;
	r->msi_data = data;
	r->msi_at = r->n;
	pthread_mutex_unlock(&r->lock);
}

struct err_rep {
	unsigned int cerror;
	uint64_t index;
	uint64_t dw[2];
};

struct errs {
	pthread_mutex_t lock;
	size_t n;
	struct err_rep e[MAX_ERRS];
};

static void err_cb(void *arg, unsigned int cerror, uint64_t index, const uint64_t dw[2])
{
	struct errs *e = arg;

	pthread_mutex_lock(&e->lock);
	if (e->n < MAX_ERRS)
		e->e[e->n] = (struct err_rep){ cerror, index, { dw[0], dw[1] } };
	e->n++;
	pthread_mutex_unlock(&e->lock);
}

struct env {
	struct invt_smmu_regs regs;
	struct invt_smmu_cmdq q;
	struct smmu_hw_queue hq;
	struct rec rec;
	struct errs errs;
	uint64_t base;		/* logical index of the first command */
};

static struct env *env_new(unsigned int log2size, enum smmu_hw_queue_mode mode, uint32_t start,
			   uint32_t nseen, bool run_thread)
{
	struct smmu_hw_queue_exec exec = { .exec = rec_exec, .msi = rec_msi };
	struct env *env = calloc(1, sizeof(*env));

	assert_non_null(env);
	env->regs.cmdq_prod = start;
	env->regs.cmdq_cons = start;
	env->base = start & ((2u << log2size) - 1);
	pthread_mutex_init(&env->rec.lock, NULL);
	pthread_mutex_init(&env->errs.lock, NULL);
	env->rec.nseen = nseen;
	env->rec.seen = calloc(nseen ? nseen : 1, sizeof(uint32_t));
	assert_non_null(env->rec.seen);
	assert_int_equal(invt_smmu_cmdq_init(&env->q, &env->regs, log2size), 0);
	env->q.on_error = err_cb;
	env->q.err_arg = &env->errs;
	exec.arg = &env->rec;
	smmu_hw_queue_init(&env->hq, &env->regs, SMMU_HW_FEAT_ALL, &exec, mode);
	if (mode == SMMU_HW_QUEUE_THREADED && run_thread)
		assert_int_equal(smmu_hw_queue_start(&env->hq), 0);
	return env;
}

static void env_free(struct env *env)
{
	smmu_hw_queue_destroy(&env->hq);
	invt_smmu_cmdq_destroy(&env->q);
	assert_int_equal(env->rec.oom, 0);
	free(env->rec.log);
	free(env->rec.seen);
	pthread_mutex_destroy(&env->rec.lock);
	pthread_mutex_destroy(&env->errs.lock);
	free(env);
}

static size_t rec_count(struct env *env)
{
	return __atomic_load_n(&env->rec.n, __ATOMIC_ACQUIRE);
}

/* What the executor should have seen, in order. */
struct expect {
	uint64_t (*w)[2];
	size_t n;
	size_t cap;
};

static void exp_push(struct expect *x, const uint8_t *slot)
{
	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 1024;
		x->w = realloc(x->w, x->cap * sizeof(*x->w));
		assert_non_null(x->w);
	}
	x->w[x->n][0] = le64(slot);
	x->w[x->n][1] = le64(slot + 8);
	x->n++;
}

static void exp_push_sync(struct expect *x)
{
	uint8_t s[CMD];

	assert_int_equal(mk_sync(s), 0);
	exp_push(x, s);
}

static void check_log(struct env *env, const struct expect *x)
{
	size_t i;

	assert_int_equal(rec_count(env), x->n);
	for (i = 0; i < x->n; i++) {
		if (env->rec.log[i][0] != x->w[i][0] || env->rec.log[i][1] != x->w[i][1])
			fail_msg("command %zu: executed %016llx %016llx, expected %016llx %016llx",
				 i, (unsigned long long)env->rec.log[i][0],
				 (unsigned long long)env->rec.log[i][1],
				 (unsigned long long)x->w[i][0], (unsigned long long)x->w[i][1]);
	}
}

static void submit_ok(struct env *env, const uint8_t *buf, uint32_t n, uint64_t *token)
{
	assert_int_equal(invt_smmu_cmdq_submit(&env->q, buf, n, token), 0);
}

static uint64_t counter(uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* --------------------------------------------- PROD/CONS wrap flag table */

struct wrap_case {
	unsigned int log2size;
	uint32_t prod;
	uint32_t cons;
	bool empty;
	bool full;
	uint32_t used;
};

static const struct wrap_case wrap_cases[] = {
	{ 2, 0x0, 0x0, true, false, 0 },
	{ 2, 0x4, 0x4, true, false, 0 },		/* both wrapped once */
	{ 2, 0x4, 0x0, false, true, 4 },		/* same index, wrap differs */
	{ 2, 0x0, 0x4, false, true, 4 },		/* PROD's wrap flag back to 0 */
	{ 2, 0x3, 0x1, false, false, 2 },
	{ 2, 0x5, 0x3, false, false, 2 },		/* PROD wrapped, CONS not yet */
	{ 2, 0x1, 0x7, false, false, 2 },		/* PROD's wrap flag 1 -> 0 */
	{ 2, 0x7, 0x4, false, false, 3 },
	{ 2, 0x2, 0x2 | 1u << 24, true, false, 0 },	/* CONS.ERR is not position */
	{ 0, 0x0, 0x0, true, false, 0 },		/* one entry */
	{ 0, 0x1, 0x0, false, true, 1 },
	{ 0, 0x0, 0x1, false, true, 1 },
	{ 4, 0x1f, 0x0f, false, true, 16 },
	{ 4, 0x10, 0x0f, false, false, 1 },
	{ 19, 0x80005, 0x7fffd, false, false, 8 },	/* index wraps, flag 0 -> 1 */
	{ 19, 0x00002, 0xfffff, false, false, 3 },	/* across 2^20: flag 1 -> 0 */
	{ 19, 0xfffff, 0x7ffff, false, true, 0x80000 },
};

static void test_wrap_table(void **state)
{
	size_t i, j;

	alarm(TIME_LIMIT);
	for (i = 0; i < sizeof(wrap_cases) / sizeof(wrap_cases[0]); i++) {
		const struct wrap_case *c = &wrap_cases[i];
		struct smmu_hw_queue_exec exec = { .exec = rec_exec };
		struct invt_smmu_regs regs = { 0 };
		struct smmu_hw_queue hq;
		struct rec rec = { 0 };
		size_t bytes = (size_t)CMD << c->log2size;
		uint32_t size = 1u << c->log2size, cons_idx;
		uint8_t *mem;

		assert_int_equal(invt_smmu_q_empty(c->prod, c->cons, c->log2size), c->empty);
		assert_int_equal(invt_smmu_q_full(c->prod, c->cons, c->log2size), c->full);
		assert_int_equal(invt_smmu_q_used(c->prod, c->cons, c->log2size), c->used);

		/* The model's consumer, on its own, must consume exactly @used. */
		mem = aligned_alloc(bytes < 32 ? 32 : bytes, bytes < 32 ? 32 : bytes);
		assert_non_null(mem);
		cons_idx = invt_smmu_q_idx(c->cons, c->log2size);
		for (j = 0; j < c->used; j++)
			assert_int_equal(mk_cfgi(mem + (size_t)((cons_idx + j) & (size - 1)) * CMD,
						 (uint32_t)j), 0);
		pthread_mutex_init(&rec.lock, NULL);
		exec.arg = &rec;
		regs.cmdq_base = (uint64_t)(uintptr_t)mem | c->log2size;
		regs.cmdq_prod = c->prod;
		regs.cmdq_cons = c->cons & ~INVT_SMMU_CMDQ_CONS_ERR_MASK;
		smmu_hw_queue_init(&hq, &regs, SMMU_HW_FEAT_ALL, &exec, SMMU_HW_QUEUE_INLINE);
		assert_int_equal(smmu_hw_queue_run(&hq), c->used);
		assert_int_equal(rec.n, c->used);
		for (j = 0; j < rec.n; j++)
			assert_int_equal(rec.log[j][0] >> 32, j);
		assert_int_equal(regs.cmdq_cons, c->prod);
		assert_true(invt_smmu_q_empty(regs.cmdq_prod, regs.cmdq_cons, c->log2size));
		smmu_hw_queue_destroy(&hq);
		pthread_mutex_destroy(&rec.lock);
		free(rec.log);
		free(mem);
	}
}

/* ------------------------------------------------- laps, order, coverage */

#define LAP_BATCHES 3000

static void run_laps(enum smmu_hw_queue_mode mode, unsigned int log2size, uint32_t start)
{
	uint32_t size = 1u << log2size, maxb = 2 * size + 3, seq = 0, k, j;
	uint64_t s = test_seed() ^ (log2size * 131 + start), token, first_token = 0;
	uint8_t *buf = malloc((size_t)maxb * CMD);
	struct expect x = { 0 };
	struct env *env;
	int i;

	assert_non_null(buf);
	env = env_new(log2size, mode, start, LAP_BATCHES * maxb, true);
	for (i = 0; i < LAP_BATCHES; i++) {
		k = 1 + rng_next(&s) % maxb;
		for (j = 0; j < k; j++) {
			if (rng_next(&s) % 4 == 0)
				assert_int_equal(mk_sync(buf + (size_t)j * CMD), 0);
			else
				assert_int_equal(mk_cfgi(buf + (size_t)j * CMD, seq++), 0);
			exp_push(&x, buf + (size_t)j * CMD);
		}
		submit_ok(env, buf, k, &token);
		if (!first_token)
			first_token = token;
		if (token && rng_next(&s) % 3) {
			assert_int_equal(invt_smmu_cmdq_wait(&env->q, token), 0);
			/* Every command up to the sync was executed. */
			assert_true(rec_count(env) >= token - env->base);
			if (mode == SMMU_HW_QUEUE_INLINE)
				assert_int_equal(rec_count(env), x.n);
		}
	}
	assert_int_equal(mk_sync(buf), 0);
	exp_push(&x, buf);
	submit_ok(env, buf, 1, &token);
	assert_int_equal(token, env->base + x.n);
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, token), 0);
	check_log(env, &x);
	for (j = 0; j < seq; j++)
		assert_int_equal(env->rec.seen[j], 1);
	/* Many laps: logical positions far past the registers' 2^(LOG2SIZE+1). */
	assert_true(x.n > 8 * size);
	assert_int_equal(env->regs.cmdq_prod, (uint32_t)((env->base + x.n) & (2 * size - 1)));
	assert_int_equal(env->regs.cmdq_cons, env->regs.cmdq_prod);
	/* A token lapped many times over is done at once. */
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, first_token), 0);
	assert_int_equal(counter(&env->q.stats.cmds), x.n);
	env_free(env);
	free(x.w);
	free(buf);
}

static void test_laps_inline(void **state)
{
	unsigned int l;

	alarm(TIME_LIMIT);
	for (l = 2; l <= 4; l++) {
		run_laps(SMMU_HW_QUEUE_INLINE, l, 0);
		run_laps(SMMU_HW_QUEUE_INLINE, l, (2u << l) - 2);	/* near the wrap */
	}
}

static void test_laps_threaded(void **state)
{
	unsigned int l;

	alarm(TIME_LIMIT);
	for (l = 2; l <= 4; l++) {
		run_laps(SMMU_HW_QUEUE_THREADED, l, 0);
		run_laps(SMMU_HW_QUEUE_THREADED, l, (2u << l) - 2);
	}
}

/* Positions near 2^20 with the largest queue: the register value wraps to 0. */
static void test_wrap_2_20(void **state)
{
	uint32_t start = (1u << 20) - 3, j;
	uint8_t buf[10 * CMD];
	uint64_t t1, t2;
	struct env *env;

	alarm(TIME_LIMIT);
	env = env_new(19, SMMU_HW_QUEUE_INLINE, start, 64, false);
	for (j = 0; j < 9; j++)
		assert_int_equal(mk_cfgi(buf + j * CMD, j), 0);
	assert_int_equal(mk_sync(buf + 9 * CMD), 0);
	submit_ok(env, buf, 10, &t1);
	assert_int_equal(t1, (uint64_t)start + 10);
	assert_int_equal(env->regs.cmdq_prod, 7);	/* (2^20 + 7) mod 2^20 */
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, t1), 0);
	assert_int_equal(env->regs.cmdq_cons, 7);
	submit_ok(env, buf, 10, &t2);
	assert_int_equal(t2, (uint64_t)start + 20);
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, t2), 0);
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, t1), 0);
	assert_int_equal(rec_count(env), 20);
	env_free(env);
}

/* ------------------------------------------------------ full queue */

struct submitter {
	struct env *env;
	const uint8_t *buf;
	uint32_t n;
	uint64_t token;
	int rc;
	int done;
};

static void *submit_thread(void *arg)
{
	struct submitter *s = arg;

	s->rc = invt_smmu_cmdq_submit(&s->env->q, s->buf, s->n, &s->token);
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void test_full_queue_waits(void **state)
{
	uint8_t buf[11 * CMD];
	struct expect x = { 0 };
	struct submitter sub;
	struct env *env;
	pthread_t t;
	uint32_t j;

	alarm(TIME_LIMIT);
	/* Threaded model, consumer not started yet. */
	env = env_new(2, SMMU_HW_QUEUE_THREADED, 0, 64, false);
	for (j = 0; j < 10; j++)
		assert_int_equal(mk_cfgi(buf + j * CMD, j), 0);
	assert_int_equal(mk_sync(buf + 10 * CMD), 0);
	for (j = 0; j < 11; j++)
		exp_push(&x, buf + j * CMD);
	sub = (struct submitter){ env, buf, 11, 0, 0, 0 };
	assert_int_equal(pthread_create(&t, NULL, submit_thread, &sub), 0);
	while (!counter(&env->q.stats.full_waits))
		sleep_ms(1);
	/* Four entries written and published; the producer polls CONS. */
	assert_true(invt_smmu_q_full(__atomic_load_n(&env->regs.cmdq_prod, __ATOMIC_ACQUIRE),
				     __atomic_load_n(&env->regs.cmdq_cons, __ATOMIC_ACQUIRE), 2));
	sleep_ms(30);
	assert_int_equal(__atomic_load_n(&sub.done, __ATOMIC_ACQUIRE), 0);
	assert_int_equal(rec_count(env), 0);
	assert_int_equal(smmu_hw_queue_start(&env->hq), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(sub.rc, 0);
	assert_int_equal(sub.token, 11);
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, sub.token), 0);
	check_log(env, &x);
	env_free(env);
	free(x.w);
}

static void run_big_batch(enum smmu_hw_queue_mode mode)
{
	uint8_t buf[100 * CMD];
	struct expect x = { 0 };
	struct env *env;
	uint64_t token;
	uint32_t j;

	env = env_new(2, mode, 0, 128, true);
	for (j = 0; j < 100; j++) {
		if (j % 7 == 6 || j == 99)
			assert_int_equal(mk_sync(buf + j * CMD), 0);
		else
			assert_int_equal(mk_cfgi(buf + j * CMD, j), 0);
		exp_push(&x, buf + j * CMD);
	}
	submit_ok(env, buf, 100, &token);
	assert_int_equal(token, 100);
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, token), 0);
	check_log(env, &x);
	assert_int_equal(counter(&env->q.stats.syncs), 15);
	env_free(env);
	free(x.w);
}

static void test_batch_larger_than_queue(void **state)
{
	alarm(TIME_LIMIT);
	run_big_batch(SMMU_HW_QUEUE_INLINE);
	run_big_batch(SMMU_HW_QUEUE_THREADED);
}

/* ------------------------------------------------------ command errors */

static void run_ill_middle(enum smmu_hw_queue_mode mode)
{
	uint8_t buf[6 * CMD];
	struct expect x = { 0 };
	struct env *env;
	uint64_t token;

	env = env_new(3, mode, 0, 64, true);
	assert_int_equal(mk_cfgi(buf + 0 * CMD, 0), 0);
	assert_int_equal(mk_cfgi(buf + 1 * CMD, 1), 0);
	mk_bad(buf + 2 * CMD, 0x77);
	assert_int_equal(mk_cfgi(buf + 3 * CMD, 2), 0);
	assert_int_equal(mk_cfgi(buf + 4 * CMD, 3), 0);
	assert_int_equal(mk_sync(buf + 5 * CMD), 0);
	exp_push(&x, buf + 0 * CMD);
	exp_push(&x, buf + 1 * CMD);
	exp_push_sync(&x);		/* the bad command, replaced */
	exp_push(&x, buf + 3 * CMD);
	exp_push(&x, buf + 4 * CMD);
	exp_push(&x, buf + 5 * CMD);

	submit_ok(env, buf, 6, &token);
	assert_int_equal(token, 6);
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, token), -EIO);
	check_log(env, &x);
	assert_int_equal(env->errs.n, 1);
	assert_int_equal(env->errs.e[0].cerror, INVT_SMMU_CERROR_ILL);
	assert_int_equal(env->errs.e[0].index, 2);
	assert_int_equal(env->errs.e[0].dw[0], bad_dw0(0x77));
	assert_int_equal(env->errs.e[0].dw[1], bad_dw1(0x77));
	assert_int_equal(counter(&env->q.stats.ill), 1);
	assert_int_equal(counter(&env->hq.errors), 1);
	assert_int_equal(env->regs.gerror, env->regs.gerrorn);

	/* The queue goes on; the next sync is clean. */
	assert_int_equal(mk_cfgi(buf, 4), 0);
	assert_int_equal(mk_sync(buf + CMD), 0);
	exp_push(&x, buf);
	exp_push(&x, buf + CMD);
	submit_ok(env, buf, 2, &token);
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, token), 0);
	check_log(env, &x);
	assert_int_equal(env->errs.n, 1);
	env_free(env);
	free(x.w);
}

static void test_ill_middle(void **state)
{
	alarm(TIME_LIMIT);
	run_ill_middle(SMMU_HW_QUEUE_INLINE);
	run_ill_middle(SMMU_HW_QUEUE_THREADED);
}

/*
 * The error is recovered before any CMD_SYNC follows it: the producer that
 * writes the next sync attributes the error to it.
 */
static void test_ill_before_sync(void **state)
{
	struct expect x = { 0 };
	uint8_t buf[2 * CMD];
	struct env *env;
	uint64_t token;

	alarm(TIME_LIMIT);
	env = env_new(3, SMMU_HW_QUEUE_INLINE, 0, 64, false);
	assert_int_equal(mk_cfgi(buf, 0), 0);
	mk_bad(buf + CMD, 0x99);
	exp_push(&x, buf);
	exp_push_sync(&x);
	submit_ok(env, buf, 2, &token);
	assert_int_equal(token, 0);			/* no sync yet */
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, token), 0);
	/* Stopped on the bad command, CONS.RD at it, CONS.ERR = ILL. */
	assert_int_equal(env->regs.cmdq_cons, 1 | INVT_SMMU_CERROR_ILL << 24);
	assert_int_not_equal(env->regs.gerror, env->regs.gerrorn);
	assert_int_equal(invt_smmu_cmdq_poll(&env->q), 2);	/* the GERROR "IRQ" */
	assert_int_equal(env->regs.gerror, env->regs.gerrorn);
	assert_int_equal(env->errs.n, 1);
	assert_int_equal(env->q.nr_open, 1);

	assert_int_equal(mk_cfgi(buf, 1), 0);
	assert_int_equal(mk_sync(buf + CMD), 0);
	exp_push(&x, buf);
	exp_push(&x, buf + CMD);
	submit_ok(env, buf, 2, &token);
	assert_int_equal(token, 4);
	assert_int_equal(env->q.nr_open, 0);
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, token), -EIO);

	submit_ok(env, buf, 2, &token);
	exp_push(&x, buf);
	exp_push(&x, buf + CMD);
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, token), 0);
	check_log(env, &x);
	assert_int_equal(env->errs.n, 1);
	env_free(env);
	free(x.w);
}

/* An illegal CMD_SYNC fails its own waiter. */
static void test_ill_sync(void **state)
{
	struct expect x = { 0 };
	uint8_t buf[2 * CMD];
	struct env *env;
	uint64_t token;

	alarm(TIME_LIMIT);
	env = env_new(3, SMMU_HW_QUEUE_INLINE, 0, 64, false);
	assert_int_equal(mk_cfgi(buf, 0), 0);
	mk_bad_sync(buf + CMD);
	exp_push(&x, buf);
	exp_push_sync(&x);
	submit_ok(env, buf, 2, &token);
	assert_int_equal(token, 2);
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, token), -EIO);
	assert_int_equal(env->errs.n, 1);
	assert_int_equal(env->errs.e[0].dw[0], 0x46 | 3ull << 12);

	assert_int_equal(mk_sync(buf), 0);
	exp_push(&x, buf);
	submit_ok(env, buf, 1, &token);
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, token), 0);
	check_log(env, &x);
	env_free(env);
	free(x.w);
}

/*
 * Inline model, 4-entry queue, a bad command early in a 13-command batch:
 * the SMMU stops, the queue fills, and the producer itself must recover.
 */
static void test_ill_while_full(void **state)
{
	uint8_t buf[13 * CMD];
	struct expect x = { 0 };
	struct env *env;
	uint64_t token;
	uint32_t j;

	alarm(TIME_LIMIT);
	env = env_new(2, SMMU_HW_QUEUE_INLINE, 0, 64, false);
	assert_int_equal(mk_cfgi(buf, 100), 0);
	exp_push(&x, buf);
	mk_bad(buf + CMD, 5);
	exp_push_sync(&x);
	for (j = 2; j < 12; j++) {
		assert_int_equal(mk_cfgi(buf + j * CMD, j), 0);
		exp_push(&x, buf + j * CMD);
	}
	assert_int_equal(mk_sync(buf + 12 * CMD), 0);
	exp_push(&x, buf + 12 * CMD);
	submit_ok(env, buf, 13, &token);
	assert_int_equal(counter(&env->q.stats.full_waits), 1);
	assert_int_equal(env->errs.n, 1);
	assert_int_equal(env->errs.e[0].index, 1);
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, token), -EIO);
	check_log(env, &x);
	env_free(env);
	free(x.w);
}

static void run_atc_retry(enum smmu_hw_queue_mode mode)
{
	uint8_t buf[3 * CMD], sync[CMD];
	struct expect x = { 0 };
	struct env *env;
	uint64_t token;

	env = env_new(3, mode, 0, 64, true);
	env->rec.atc_fail_sid = 0xbad;
	env->rec.atc_fail_left = 1;
	assert_int_equal(mk_cfgi(buf, 0), 0);
	assert_int_equal(mk_atc(buf + CMD, 0xbad), 0);
	assert_int_equal(mk_sync(buf + 2 * CMD), 0);
	assert_int_equal(mk_sync(sync), 0);
	exp_push(&x, buf);
	exp_push(&x, buf + CMD);
	exp_push(&x, buf + 2 * CMD);	/* the sync, executed once, on retry */
	submit_ok(env, buf, 3, &token);
	if (mode == SMMU_HW_QUEUE_INLINE) {
		/* The sync was not consumed: CONS.RD at it, ERR = ATC_INV_SYNC. */
		assert_int_equal(env->regs.cmdq_cons, 2 | INVT_SMMU_CERROR_ATC_INV_SYNC << 24);
		assert_int_not_equal(env->regs.gerror, env->regs.gerrorn);
		assert_int_equal(rec_count(env), 2);
	}
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, token), -EIO);
	check_log(env, &x);
	assert_int_equal(env->errs.n, 1);
	assert_int_equal(env->errs.e[0].cerror, INVT_SMMU_CERROR_ATC_INV_SYNC);
	assert_int_equal(env->errs.e[0].index, 2);
	assert_int_equal(env->errs.e[0].dw[0], le64(sync));
	assert_int_equal(counter(&env->q.stats.atc_inv_sync), 1);
	assert_int_equal(counter(&env->q.stats.ill), 0);

	/* The device answers now: the next ATC_INV; CMD_SYNC is clean. */
	submit_ok(env, buf + CMD, 2, &token);
	exp_push(&x, buf + CMD);
	exp_push(&x, buf + 2 * CMD);
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, token), 0);
	check_log(env, &x);
	assert_int_equal(env->errs.n, 1);
	env_free(env);
	free(x.w);
}

static void test_atc_inv_sync_retry(void **state)
{
	alarm(TIME_LIMIT);
	run_atc_retry(SMMU_HW_QUEUE_INLINE);
	run_atc_retry(SMMU_HW_QUEUE_THREADED);
}

/*
 * The executor itself refuses a command: CERROR_ABT (fetched again after
 * the acknowledgement) and CERROR_ILL (skipped like a malformed one).
 */
static void test_executor_errors(void **state)
{
	uint8_t buf[3 * CMD];
	struct expect x = { 0 };
	struct env *env;
	uint64_t token;

	alarm(TIME_LIMIT);
	env = env_new(3, SMMU_HW_QUEUE_INLINE, 0, 64, false);
	env->rec.fail_sid = 0xab;
	env->rec.fail_code = INVT_SMMU_CERROR_ABT;
	env->rec.fail_left = 2;
	assert_int_equal(mk_cfgi(buf, 1), 0);
	assert_int_equal(mk_cfgi(buf + CMD, 0xab), 0);
	assert_int_equal(mk_sync(buf + 2 * CMD), 0);
	exp_push(&x, buf);
	exp_push(&x, buf + CMD);
	exp_push(&x, buf + 2 * CMD);
	submit_ok(env, buf, 3, &token);
	assert_int_equal(env->regs.cmdq_cons, 1 | INVT_SMMU_CERROR_ABT << 24);
	/* Two aborts, then the fetch succeeds; nothing was skipped. */
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, token), 0);
	check_log(env, &x);
	assert_int_equal(env->errs.n, 2);
	assert_int_equal(env->errs.e[1].cerror, INVT_SMMU_CERROR_ABT);
	assert_int_equal(env->errs.e[1].index, 1);
	assert_int_equal(counter(&env->q.stats.abt), 2);

	env->rec.fail_code = INVT_SMMU_CERROR_ILL;
	env->rec.fail_left = 1;
	submit_ok(env, buf, 3, &token);
	exp_push(&x, buf);
	exp_push_sync(&x);
	exp_push(&x, buf + 2 * CMD);
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, token), -EIO);
	check_log(env, &x);
	assert_int_equal(env->errs.n, 3);
	assert_int_equal(env->errs.e[2].cerror, INVT_SMMU_CERROR_ILL);
	assert_int_equal(env->errs.e[2].index, 4);
	assert_int_equal(counter(&env->q.stats.ill), 1);
	env_free(env);
	free(x.w);
}

/* ------------------------------------------------ concurrent producers */

#define NR_PRODUCERS	4
#define PROD_ITERS	400
#define SEQ_STRIDE	(PROD_ITERS * 8)
#define BAD_EVERY	13

struct worker {
	struct env *env;
	uint32_t id;
	uint64_t seed;
	int submit_fail;
	int wait_fail;
	int missing;
	int bad;
	uint32_t cmds;
};

static void *producer_thread(void *arg)
{
	struct worker *w = arg;
	uint8_t buf[8 * CMD];
	uint32_t seq = w->id * SEQ_STRIDE, i, j, k, first, pos;
	uint64_t token;
	int rc, want;

	for (i = 0; i < PROD_ITERS; i++) {
		bool bad = i % BAD_EVERY == BAD_EVERY / 2;

		k = 1 + rng_next(&w->seed) % 5;
		pos = bad ? rng_next(&w->seed) % (k + 1) : k + 1;
		first = seq;
		for (j = 0; j < k; j++)
			mk_cfgi(buf + j * CMD, seq++);
		if (bad) {
			/* Move one command to make room for the bad one at @pos. */
			memmove(buf + (pos + 1) * CMD, buf + pos * CMD, (size_t)(k - pos) * CMD);
			mk_bad(buf + pos * CMD, w->id << 16 | i);
			w->bad++;
		}
		mk_sync(buf + (k + bad) * CMD);
		rc = invt_smmu_cmdq_submit(&w->env->q, buf, k + bad + 1, &token);
		if (rc) {
			w->submit_fail++;
			continue;
		}
		w->cmds += k + bad + 1;
		want = bad ? -EIO : 0;
		rc = invt_smmu_cmdq_wait(&w->env->q, token);
		if (rc != want) {
			if (!w->wait_fail)
				fprintf(stderr, "producer %u iter %u: wait %d, expected %d\n",
					w->id, i, rc, want);
			w->wait_fail++;
		}
		for (j = first; j < seq; j++)
			if (__atomic_load_n(&w->env->rec.seen[j], __ATOMIC_RELAXED) != 1)
				w->missing++;
	}
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void run_concurrent(enum smmu_hw_queue_mode mode)
{
	struct worker w[NR_PRODUCERS];
	pthread_t t[NR_PRODUCERS];
	uint64_t *bad, total = 0;
	size_t nbad = 0, i, n;
	struct env *env;
	uint32_t id, j;

	env = env_new(3, mode, 0, NR_PRODUCERS * SEQ_STRIDE, true);
	for (id = 0; id < NR_PRODUCERS; id++) {
		w[id] = (struct worker){ .env = env, .id = id, .seed = test_seed() + id };
		assert_int_equal(pthread_create(&t[id], NULL, producer_thread, &w[id]), 0);
	}
	for (id = 0; id < NR_PRODUCERS; id++)
		assert_int_equal(pthread_join(t[id], NULL), 0);
	for (id = 0; id < NR_PRODUCERS; id++) {
		assert_int_equal(w[id].submit_fail, 0);
		assert_int_equal(w[id].wait_fail, 0);
		assert_int_equal(w[id].missing, 0);
		nbad += w[id].bad;
		total += w[id].cmds;
	}
	/* Every command executed exactly once (bad ones as their CMD_SYNC). */
	assert_int_equal(rec_count(env), total);
	for (id = 0; id < NR_PRODUCERS; id++)
		for (j = 0; j < SEQ_STRIDE; j++)
			assert_true(env->rec.seen[id * SEQ_STRIDE + j] <= 1);
	for (i = 0; i < rec_count(env); i++)
		assert_int_not_equal(env->rec.log[i][0] & 0xff, 0x01);
	/* Every bad command reported exactly once, with its words. */
	assert_int_equal(env->errs.n, nbad);
	assert_int_equal(counter(&env->q.stats.ill), nbad);
	bad = calloc(nbad, sizeof(*bad));
	assert_non_null(bad);
	for (i = 0; i < nbad; i++) {
		assert_int_equal(env->errs.e[i].cerror, INVT_SMMU_CERROR_ILL);
		assert_int_equal(env->errs.e[i].dw[0] & 0xffffffff, 0x01);
		assert_int_equal(env->errs.e[i].dw[1], bad_dw1(env->errs.e[i].dw[0] >> 32));
		bad[i] = env->errs.e[i].dw[0] >> 32;
	}
	qsort(bad, nbad, sizeof(*bad), cmp_u64);
	n = 0;
	for (id = 0; id < NR_PRODUCERS; id++)
		for (j = 0; j < PROD_ITERS; j++)
			if (j % BAD_EVERY == BAD_EVERY / 2) {
				assert_true(n < nbad);
				assert_int_equal(bad[n], (uint64_t)(id << 16 | j));
				n++;
			}
	assert_int_equal(n, nbad);
	free(bad);
	env_free(env);
}

static void test_concurrent_threaded(void **state)
{
	alarm(TIME_LIMIT);
	run_concurrent(SMMU_HW_QUEUE_THREADED);
}

static void test_concurrent_inline(void **state)
{
	alarm(TIME_LIMIT);
	run_concurrent(SMMU_HW_QUEUE_INLINE);
}

/* ------------------------------------------------------ modelled clock */

static void test_clock_inline(void **state)
{
	uint8_t buf[9 * CMD];
	struct env *env;
	uint64_t token;

	alarm(TIME_LIMIT);
	env = env_new(3, SMMU_HW_QUEUE_INLINE, 0, 64, false);
	assert_int_equal(smmu_hw_queue_clock(&env->hq), 0);
	assert_int_equal(mk_cfgi(buf + 0 * CMD, 0), 0);
	assert_int_equal(mk_tlbi_asid(buf + 1 * CMD, 1, 2), 0);
	assert_int_equal(mk_cfgi(buf + 2 * CMD, 1), 0);
	assert_int_equal(mk_atc(buf + 3 * CMD, 7), 0);
	assert_int_equal(mk_sync(buf + 4 * CMD), 0);
	assert_int_equal(mk_tlbi_asid(buf + 5 * CMD, 1, 3), 0);
	assert_int_equal(mk_atc(buf + 6 * CMD, 8), 0);
	assert_int_equal(mk_cfgi(buf + 7 * CMD, 2), 0);
	assert_int_equal(mk_sync(buf + 8 * CMD), 0);
	submit_ok(env, buf, 9, &token);
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, token), 0);
	/* 3 CFGI, 2 TLBI, 2 ATC_INV, 2 CMD_SYNC. */
	assert_int_equal(smmu_hw_queue_clock(&env->hq), 3 * 50 + 2 * 100 + 2 * 500 + 2 * 1000);

	/* A skipped command costs nothing; the CMD_SYNC in its place does. */
	assert_int_equal(mk_cfgi(buf, 3), 0);
	mk_bad(buf + CMD, 1);
	assert_int_equal(mk_sync(buf + 2 * CMD), 0);
	submit_ok(env, buf, 3, &token);
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, token), -EIO);
	assert_int_equal(smmu_hw_queue_clock(&env->hq), 3350 + 50 + 1000 + 1000);
	env_free(env);

	/* A table of one's own. */
	env = env_new(3, SMMU_HW_QUEUE_INLINE, 0, 64, false);
	env->hq.cost_ns[SMMU_HW_OP_SYNC] = 4000;
	env->hq.cost_ns[SMMU_HW_OP_CFGI_STE] = 7;
	assert_int_equal(mk_cfgi(buf, 0), 0);
	assert_int_equal(mk_cfgi(buf + CMD, 1), 0);
	assert_int_equal(mk_sync(buf + 2 * CMD), 0);
	submit_ok(env, buf, 3, &token);
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, token), 0);
	assert_int_equal(smmu_hw_queue_clock(&env->hq), 4014);
	env_free(env);
}

/* ------------------------------------------------------ odds and ends */

static void test_timeouts(void **state)
{
	uint8_t buf[10 * CMD];
	struct env *env;
	uint64_t token;
	uint32_t j;

	alarm(TIME_LIMIT);
	env = env_new(2, SMMU_HW_QUEUE_THREADED, 0, 64, false);
	env->q.spin_limit = 2000;
	assert_int_equal(mk_cfgi(buf, 0), 0);
	assert_int_equal(mk_sync(buf + CMD), 0);
	for (j = 2; j < 10; j++)
		assert_int_equal(mk_cfgi(buf + j * CMD, j), 0);
	/* No consumer: the wait gives up. */
	submit_ok(env, buf, 2, &token);
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, token), -ETIMEDOUT);
	/* Two entries free: a 10-command submit writes two, then gives up. */
	assert_int_equal(invt_smmu_cmdq_submit(&env->q, buf, 10, &token), -ETIMEDOUT);
	assert_int_equal(token, 4);
	assert_int_equal(counter(&env->q.stats.timeouts), 2);
	assert_int_equal(counter(&env->q.stats.cmds), 4);
	/* A consumer now: the wait succeeds (with the default patience). */
	env->q.spin_limit = INVT_SMMU_CMDQ_DEFAULT_SPINS;
	assert_int_equal(smmu_hw_queue_start(&env->hq), 0);
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, token), 0);
	assert_int_equal(rec_count(env), 4);
	/* A token never written is refused. */
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, 1000), -EINVAL);
	env_free(env);
}

static void test_msi_and_init(void **state)
{
	struct invt_smmu_cmd irq = { .opcode = INVT_SMMU_CMD_SYNC, .cs = INVT_SMMU_SYNC_CS_IRQ,
				     .msiaddr = 0x1000, .msidata = 0xabcd };
	struct invt_smmu_regs regs = { 0 };
	struct invt_smmu_cmdq q;
	uint8_t buf[3 * CMD];
	struct env *env;
	uint64_t token;

	alarm(TIME_LIMIT);
	env = env_new(3, SMMU_HW_QUEUE_INLINE, 0, 64, false);
	assert_int_equal(mk_cfgi(buf, 0), 0);
	assert_int_equal(mk_cfgi(buf + CMD, 1), 0);
	assert_int_equal(invt_smmu_cmd_encode_le(&irq, buf + 2 * CMD), 0);
	submit_ok(env, buf, 3, &token);
	assert_int_equal(invt_smmu_cmdq_wait(&env->q, token), 0);
	assert_int_equal(env->rec.msi_calls, 1);
	assert_int_equal(env->rec.msi_addr, 0x1000);
	assert_int_equal(env->rec.msi_data, 0xabcd);
	assert_int_equal(env->rec.msi_at, 3);	/* after everything before it */
	env_free(env);

	assert_int_equal(invt_smmu_cmdq_init(&q, &regs, 20), -EINVAL);
	regs.cmdq_prod = 1;				/* not empty */
	assert_int_equal(invt_smmu_cmdq_init(&q, &regs, 3), -EINVAL);
	regs.cmdq_prod = 0;
	regs.gerror = INVT_SMMU_GERROR_CMDQ_ERR;	/* error active */
	assert_int_equal(invt_smmu_cmdq_init(&q, &regs, 3), -EINVAL);
	regs.gerror = 0;
	assert_int_equal(invt_smmu_cmdq_init(&q, &regs, 0), 0);
	assert_int_equal(regs.cmdq_base & INVT_SMMU_CMDQ_BASE_LOG2SIZE, 0);
	assert_int_equal(regs.cmdq_base & 31, 0);
	invt_smmu_cmdq_destroy(&q);
	assert_int_equal(regs.cmdq_base, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrap_table),
		cmocka_unit_test(test_laps_inline),
		cmocka_unit_test(test_laps_threaded),
		cmocka_unit_test(test_wrap_2_20),
		cmocka_unit_test(test_full_queue_waits),
		cmocka_unit_test(test_batch_larger_than_queue),
		cmocka_unit_test(test_ill_middle),
		cmocka_unit_test(test_ill_before_sync),
		cmocka_unit_test(test_ill_sync),
		cmocka_unit_test(test_ill_while_full),
		cmocka_unit_test(test_atc_inv_sync_retry),
		cmocka_unit_test(test_executor_errors),
		cmocka_unit_test(test_concurrent_threaded),
		cmocka_unit_test(test_concurrent_inline),
		cmocka_unit_test(test_clock_inline),
		cmocka_unit_test(test_timeouts),
		cmocka_unit_test(test_msi_and_init),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
