/* internal.h — helpers shared by the op files of csrc/core/ops (not part of the core API). */
#ifndef PL_OPS_INTERNAL_H
#define PL_OPS_INTERNAL_H

#include "../tensor.h"

/* g * s as a new tensor (s a wrapped number, so g keeps its dtype); NULL on error. */
pl_tensor *pl_scale(pl_tensor *g, double s);
/* Writes result into a in place and gives a result's history (PyTorch's rebase of an
 * in-place op on a tensor in a graph); bumps a's version. */
pl_status pl_rebase_inplace(pl_tensor *a, pl_tensor *result);

/* Sums a over the dims flagged in reduced (a floating dtype) into out, which is contiguous, of
 * a's dtype and holds one element per output, adding up in PyTorch's CPU order (sum_order.c). */
pl_status pl_sum_ordered(const pl_tensor *a, const bool *reduced, pl_tensor *out);

#endif
