/* parallel.c — the persistent worker pool behind parallel.h.
 *
 * One job at a time: a caller that wins the `busy` flag publishes the job (function,
 * context, range, chunk count), bumps the generation and wakes the workers.
 * The generation and the chunk count are published together in one atomic word, so a
 * worker decides whether it takes part from the same snapshot that announced the job:
 * worker w (1-based) runs chunk w when w < nchunks; the caller runs chunk 0 and then
 * waits for `pending` to drop to zero. Workers spin briefly on the generation counter
 * before sleeping on a condition variable, so back-to-back jobs start quickly.
 */
#define _GNU_SOURCE
#include "parallel.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#define PL_POOL_MAX_THREADS 256
#define PL_POOL_SPIN 4000 /* pause iterations a worker spins before sleeping */

static inline void
pl_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

typedef struct pl_pool {
    pthread_mutex_t mutex; /* guards sleeping workers and thread creation */
    pthread_cond_t wake;
    atomic_flag busy;      /* held by the caller running a job */
    atomic_ullong job;     /* (generation << 16) | nchunks, bumped once per job */
    atomic_int pending;    /* worker chunks of the current job not yet finished */
    atomic_int sleepers;   /* workers blocked on `wake` */
    int nworkers;          /* worker threads started (threads - 1 at most) */
    /* the current job, written before the job word is bumped */
    pl_parallel_fn fn;
    void *ctx;
    int64_t n;
    /* the job word when each worker was started: the worker waits for the next one */
    unsigned long long start_job[PL_POOL_MAX_THREADS];
} pl_pool;

static pl_pool pool = {
    .mutex = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
    .busy = ATOMIC_FLAG_INIT,
};
static atomic_int num_threads; /* 0 until configured */
static pthread_once_t config_once = PTHREAD_ONCE_INIT;
static _Thread_local int in_worker;

static void
pl_pool_after_fork_child(void)
{
    /* Only the forking thread exists in the child: forget the workers. */
    pthread_mutex_init(&pool.mutex, NULL);
    pthread_cond_init(&pool.wake, NULL);
    atomic_flag_clear(&pool.busy);
    atomic_store(&pool.job, 0);
    atomic_store(&pool.pending, 0);
    atomic_store(&pool.sleepers, 0);
    pool.nworkers = 0;
    in_worker = 0;
}

static int
pl_default_threads(void)
{
    const char *env = getenv("PYTORCHLITE_NUM_THREADS");
    if (env && *env) {
        int v = atoi(env);
        if (v >= 1) return v < PL_POOL_MAX_THREADS ? v : PL_POOL_MAX_THREADS;
    }
    int n = 0;
#ifdef CPU_COUNT
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) n = CPU_COUNT(&set);
#endif
    if (n < 1) n = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    return n < PL_POOL_MAX_THREADS ? n : PL_POOL_MAX_THREADS;
}

static void
pl_pool_configure(void)
{
    int expected = 0;
    atomic_compare_exchange_strong(&num_threads, &expected, pl_default_threads());
    pthread_atfork(NULL, NULL, pl_pool_after_fork_child);
}

int
pl_parallel_get_num_threads(void)
{
    pthread_once(&config_once, pl_pool_configure);
    return atomic_load(&num_threads);
}

void
pl_parallel_set_num_threads(int n)
{
    pthread_once(&config_once, pl_pool_configure);
    if (n < 1) n = 1;
    if (n > PL_POOL_MAX_THREADS) n = PL_POOL_MAX_THREADS;
    atomic_store(&num_threads, n);
}

static void
pl_chunk_range(int64_t n, int nchunks, int c, int64_t *begin, int64_t *end)
{
    *begin = n * c / nchunks;
    *end = n * (c + 1) / nchunks;
}

static void *
pl_pool_worker(void *arg)
{
    int id = (int)(intptr_t)arg;
    unsigned long long seen = pool.start_job[id];
    in_worker = 1;
    for (;;) {
        unsigned long long g;
        int spins = 0;
        while ((g = atomic_load(&pool.job)) == seen && spins < PL_POOL_SPIN) {
            pl_cpu_relax();
            spins++;
        }
        if (g == seen) {
            pthread_mutex_lock(&pool.mutex);
            atomic_fetch_add(&pool.sleepers, 1);
            while ((g = atomic_load(&pool.job)) == seen) pthread_cond_wait(&pool.wake, &pool.mutex);
            atomic_fetch_sub(&pool.sleepers, 1);
            pthread_mutex_unlock(&pool.mutex);
        }
        seen = g;
        int nchunks = (int)(g & 0xffff);
        if (id < nchunks) {
            int64_t b, e;
            pl_chunk_range(pool.n, nchunks, id, &b, &e);
            pool.fn(pool.ctx, b, e);
            atomic_fetch_sub(&pool.pending, 1);
        }
    }
    return NULL;
}

/* Starts workers up to `want`; returns how many exist. Called holding `busy`. */
static int
pl_pool_grow(int want)
{
    pthread_mutex_lock(&pool.mutex);
    while (pool.nworkers < want) {
        pthread_attr_t attr;
        pthread_t t;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pool.start_job[pool.nworkers + 1] = atomic_load(&pool.job);
        int rc = pthread_create(&t, &attr, pl_pool_worker, (void *)(intptr_t)(pool.nworkers + 1));
        pthread_attr_destroy(&attr);
        if (rc != 0) break;
        pool.nworkers++;
    }
    int have = pool.nworkers;
    pthread_mutex_unlock(&pool.mutex);
    return have;
}

void
pl_parallel_for(int64_t n, pl_parallel_fn fn, void *ctx, int64_t grain)
{
    if (n <= 0) return;
    if (grain < 1) grain = 1;
    int64_t nchunks = n / grain;
    int threads = pl_parallel_get_num_threads();
    if (nchunks > threads) nchunks = threads;
    if (nchunks <= 1 || in_worker || atomic_flag_test_and_set(&pool.busy)) {
        fn(ctx, 0, n);
        return;
    }
    int workers = pl_pool_grow((int)nchunks - 1);
    if (nchunks > workers + 1) nchunks = workers + 1;
    if (nchunks <= 1) {
        atomic_flag_clear(&pool.busy);
        fn(ctx, 0, n);
        return;
    }
    pool.fn = fn;
    pool.ctx = ctx;
    pool.n = n;
    atomic_store(&pool.pending, (int)nchunks - 1);
    unsigned long long gen = (atomic_load(&pool.job) >> 16) + 1;
    atomic_store(&pool.job, (gen << 16) | (unsigned long long)nchunks);
    if (atomic_load(&pool.sleepers) > 0) {
        pthread_mutex_lock(&pool.mutex);
        pthread_cond_broadcast(&pool.wake);
        pthread_mutex_unlock(&pool.mutex);
    }
    int64_t b, e;
    pl_chunk_range(n, (int)nchunks, 0, &b, &e);
    fn(ctx, b, e);
    for (unsigned spins = 0; atomic_load(&pool.pending) > 0; spins++) {
        if (spins < 100000) pl_cpu_relax();
        else sched_yield();
    }
    atomic_flag_clear(&pool.busy);
}
