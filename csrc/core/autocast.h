/* autocast.h — the CPU autocast state (torch.autocast('cpu')) and the casts it makes.
 *
 * The state is per thread, as PyTorch's: whether autocast is on, the lower-precision dtype
 * (bfloat16 by default, or float16), whether the weight cache is on, and the nesting depth of
 * the Python context managers. The ops on autocast's lists test pl_autocast_on() at their entry
 * (one thread-local load; nothing else changes outside an autocast region) and cast their
 * floating-point tensor arguments with pl_autocast_cast(), which autograd records as
 * ToCopyBackward0, so gradients flow back to the float32 source in float32.
 *
 * The cache: a float32 leaf that requires grad (a model's weight) cast to the lower-precision
 * dtype is cast once per autocast region and reused; the cache holds a reference to both the
 * source and its cast until pl_autocast_clear_cache() (called when the outermost region exits).
 */
#ifndef PL_AUTOCAST_H
#define PL_AUTOCAST_H
#include <stdbool.h>
#include "tensor.h"

/* Which dtype an op on autocast's lists runs in. */
typedef enum pl_autocast_policy {
    PL_AUTOCAST_LOWER = 0, /* the autocast dtype: matmul, linear, conv ... */
    PL_AUTOCAST_FP32 = 1,  /* float32: losses, linalg, 3-d pooling, pads ... */
    PL_AUTOCAST_PROMOTE = 2, /* the widest floating dtype among the arguments: cat, stack */
} pl_autocast_policy;

bool pl_autocast_on(void); /* this thread's flag */
void pl_autocast_set_on(bool on);
pl_dtype pl_autocast_dtype(void);
void pl_autocast_set_dtype(pl_dtype dtype);
bool pl_autocast_cache_on(void);
void pl_autocast_set_cache_on(bool on);
int pl_autocast_nesting_add(int delta); /* the new depth */
void pl_autocast_clear_cache(void);

/* Whether autocast casts a tensor: floating point and not float64 (float64 is left alone). */
bool pl_autocast_eligible(const pl_tensor *t);
/* t cast to dtype (NEW reference): t itself when it is not eligible or already of dtype; the
 * cached cast for a float32 leaf requiring grad cast to the autocast dtype while the cache is
 * on and grad mode is enabled; else a recorded copy. NULL with the error set on failure. */
pl_tensor *pl_autocast_cast(pl_tensor *t, pl_dtype dtype);
/* The dtype the PROMOTE policy casts ts[0..n) to (NULL entries skipped): the autocast dtype,
 * widened to float32 by any float32 argument; float64 arguments are ignored. PL_OK, or a
 * RuntimeError for a float16 argument under bfloat16 autocast (or the reverse), as PyTorch. */
pl_status pl_autocast_promote_dtype(pl_tensor *const *ts, int n, pl_dtype *out);
/* The dtype policy casts to (PROMOTE: see above). */
pl_status pl_autocast_target(pl_autocast_policy policy, pl_tensor *const *ts, int n,
                             pl_dtype *out);
#endif
