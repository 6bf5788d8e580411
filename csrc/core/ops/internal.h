/* internal.h — helpers shared by the op files of csrc/core/ops (not part of the core API). */
#ifndef PL_OPS_INTERNAL_H
#define PL_OPS_INTERNAL_H

#include "../ops.h"
#include "../tensor.h"

/* g * s as a new tensor (s a wrapped number, so g keeps its dtype); NULL on error. */
pl_tensor *pl_scale(pl_tensor *g, double s);
/* Writes result into a in place and gives a result's history (PyTorch's rebase of an
 * in-place op on a tensor in a graph); bumps a's version. */
pl_status pl_rebase_inplace(pl_tensor *a, pl_tensor *result);

/* Elementwise work below this many elements runs on the calling thread only. */
#define PL_PARALLEL_MIN_ELEMENTS (1 << 18)

/* Runs fn over n elements of nops operands laid out with the given byte strides (one run),
 * splitting it across the thread pool when it is large. */
void pl_run_contiguous(pl_inner_fn fn, int nops, char **ptrs, const int64_t *strides, int64_t n,
                       void *ctx);

/* PyTorch's summation order (cascade.c): one contiguous row of n values, and the column sums
 * of an (n, c) matrix whose columns are contiguous and rows rs elements apart. */
float pl_cascade_row_f32(const float *x, int64_t n);
double pl_cascade_row_f64(const double *x, int64_t n);
void pl_cascade_columns_f32(float *out, const float *x, int64_t n, int64_t c, int64_t rs);
void pl_cascade_columns_f64(double *out, const double *x, int64_t n, int64_t c, int64_t rs);

/* PyTorch's summation order for any layout (sum_order.c): sums a (floating) over the dims
 * flagged in reduced into out, contiguous, of a's dtype, one element per output. */
pl_status pl_sum_ordered(const pl_tensor *a, const bool *reduced, pl_tensor *out);
/* Whole-tensor sums from this many elements are split in two halves, as PyTorch's threads do. */
#define PL_SUM_SPLIT_MIN 32768

#endif
