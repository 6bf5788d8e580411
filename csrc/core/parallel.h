/* parallel.h — a small persistent thread pool for the core's kernels.
 *
 * pl_parallel_for(n, fn, ctx, grain) splits the index range [0, n) into at most
 * pl_parallel_get_num_threads() contiguous chunks of at least `grain` indices and calls
 * fn(ctx, begin, end) once per chunk; the calling thread runs the first chunk itself and
 * returns when every chunk is done. Chunks run concurrently, so fn must only write data
 * its own chunk owns. `ctx` is borrowed for the duration of the call.
 *
 * A range that yields a single chunk runs inline with no synchronisation. The worker
 * threads are created lazily on the first parallel run and then wait for work. A call
 * made while the pool is busy (from another thread, or nested inside a chunk) runs inline,
 * so the pool is safe to use from several threads at once. After fork() the child starts
 * with a fresh, empty pool.
 *
 * The number of threads defaults to the CPUs this process may run on; the environment
 * variable PYTORCHLITE_NUM_THREADS (read once, on first use) overrides it.
 */
#ifndef PL_PARALLEL_H
#define PL_PARALLEL_H

#include <stdint.h>

typedef void (*pl_parallel_fn)(void *ctx, int64_t begin, int64_t end);

void pl_parallel_for(int64_t n, pl_parallel_fn fn, void *ctx, int64_t grain);

/* The number of threads pl_parallel_for may use (>= 1). */
int pl_parallel_get_num_threads(void);
/* Sets that number (values < 1 are taken as 1); like torch.set_num_threads. */
void pl_parallel_set_num_threads(int n);

#endif
