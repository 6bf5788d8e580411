/* rng_internal.h — helpers shared by the distribution files (rng_continuous.c,
 * rng_discrete.c): PyTorch's uniform building blocks, the double Box-Muller sampler with the
 * generator's cache, TensorIterator element order, dtype stores and common checks.
 * Internal to the core's RNG; not part of pl.h.
 *
 * Arithmetic notes: the RNG files are compiled with -ffp-contract=off; the multiply-adds
 * that PyTorch's AVX2 kernels fuse are written as explicit fma/fmaf calls, every other
 * operation rounds on its own.
 */
#ifndef PL_RNG_INTERNAL_H
#define PL_RNG_INTERNAL_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "ops.h" /* pl_check_no_overlap */
#include "rng.h"

static inline pl_generator *
gen_or_default(pl_generator *g)
{
    return g != NULL ? g : pl_default_generator();
}

/* ------------------------------------------------------------------------------------------
 * Uniform building blocks (PyTorch's uniform_real_distribution)
 * ---------------------------------------------------------------------------------------- */

/* One word -> a float in [0, 1) on a 2^-24 grid. */
static inline float
u24(pl_generator *g)
{
    uint32_t w = pl_generator_random(g) & 0x00FFFFFFu;
    return (float)w * 0x1p-24f;
}

/* Two words -> a double in [0, 1) on a 2^-53 grid. */
static inline double
u53(pl_generator *g)
{
    uint64_t w = pl_generator_random64(g) & ((UINT64_C(1) << 53) - 1);
    return (double)w * 0x1p-53;
}

/* normal_distribution<double>: Box-Muller with the generator's cached second sample. */
static inline double
normal_double(pl_generator *g, double mean, double std)
{
    double v;
    if (g->normal_cache_valid) {
        v = g->normal_cache;
        g->normal_cache_valid = false;
    } else {
        double u1 = u53(g);
        double u2 = u53(g);
        double r = sqrt(-2.0 * log1p(-u2));
        double theta = 6.283185307179586 * u1;
        g->normal_cache = r * sin(theta);
        g->normal_cache_valid = true;
        v = r * cos(theta);
    }
    return fma(v, std, mean);
}

/* ------------------------------------------------------------------------------------------
 * Element order: TensorIterator's, for one output and up to one input operand.
 * Dimensions are sorted so the smallest output stride runs fastest (insertion sort with
 * torch's tie rules: strides compared per operand, broadcast (0) strides skipped, equal
 * strides put the smaller size first). A contiguous layout collapses to one linear run.
 * ---------------------------------------------------------------------------------------- */

typedef struct elem_iter {
    int nops;
    int ndim;                         /* ordered dims, [0] fastest */
    int64_t shape[PL_MAX_DIMS];
    int64_t stride[2][PL_MAX_DIMS];   /* per operand, in elements */
    int64_t idx[PL_MAX_DIMS];
    int64_t off[2];
    int64_t remaining;
} elem_iter;

static inline int
order_should_swap(int nops, const int64_t *const *strides, const int64_t *shape, int d0, int d1)
{
    for (int op = 0; op < nops; op++) {
        int64_t s0 = strides[op][d0], s1 = strides[op][d1];
        if (s0 == 0 || s1 == 0)
            continue;
        if (s0 < s1)
            return -1;
        if (s0 > s1)
            return 1;
        if (shape[d0] > shape[d1])
            return 1;
    }
    return 0;
}

static inline bool
layout_is_contiguous(int ndim, const int64_t *shape, const int64_t *strides)
{
    int64_t expected = 1;
    for (int d = ndim - 1; d >= 0; d--) {
        if (shape[d] == 0)
            return true;
        if (shape[d] != 1 && strides[d] != expected)
            return false;
        expected *= shape[d];
    }
    return true;
}

/* strides1 may be NULL (a nullary fill). */
static inline void
elem_iter_init(elem_iter *it, int ndim, const int64_t *shape, const int64_t *strides0,
               const int64_t *strides1)
{
    memset(it, 0, sizeof *it);
    it->nops = strides1 != NULL ? 2 : 1;
    it->remaining = pl_shape_numel(ndim, shape);
    bool linear = layout_is_contiguous(ndim, shape, strides0) &&
                  (strides1 == NULL || layout_is_contiguous(ndim, shape, strides1));
    if (linear || ndim == 0) {
        it->ndim = 1;
        it->shape[0] = it->remaining;
        it->stride[0][0] = 1;
        it->stride[1][0] = 1;
        return;
    }
    const int64_t *ops[2] = {strides0, strides1};
    int perm[PL_MAX_DIMS];
    for (int i = 0; i < ndim; i++)
        perm[i] = ndim - 1 - i;
    for (int i = 1; i < ndim; i++) {
        int d1 = i;
        for (int d0 = i - 1; d0 >= 0; d0--) {
            int cmp = order_should_swap(it->nops, ops, shape, perm[d0], perm[d1]);
            if (cmp > 0) {
                int tmp = perm[d0];
                perm[d0] = perm[d1];
                perm[d1] = tmp;
                d1 = d0;
            } else if (cmp < 0) {
                break;
            }
        }
    }
    it->ndim = ndim;
    for (int i = 0; i < ndim; i++) {
        it->shape[i] = shape[perm[i]];
        it->stride[0][i] = strides0[perm[i]];
        it->stride[1][i] = strides1 != NULL ? strides1[perm[i]] : 0;
    }
}

/* Element offsets (relative to each operand's element 0) of the next element; false at end. */
static inline bool
elem_iter_next(elem_iter *it, int64_t *off0, int64_t *off1)
{
    if (it->remaining == 0)
        return false;
    *off0 = it->off[0];
    if (off1 != NULL)
        *off1 = it->off[1];
    it->remaining--;
    for (int d = 0; d < it->ndim; d++) {
        if (++it->idx[d] < it->shape[d]) {
            it->off[0] += it->stride[0][d];
            it->off[1] += it->stride[1][d];
            return true;
        }
        it->off[0] -= it->stride[0][d] * (it->shape[d] - 1);
        it->off[1] -= it->stride[1][d] * (it->shape[d] - 1);
        it->idx[d] = 0;
    }
    return true;
}

static inline void
elem_iter_tensor(elem_iter *it, const pl_tensor *t)
{
    elem_iter_init(it, t->ndim, t->shape, t->strides, NULL);
}

/* ------------------------------------------------------------------------------------------
 * Shared checks
 * ---------------------------------------------------------------------------------------- */

/* PyTorch's dtype names in "not implemented for" messages. */
static inline const char *
dtype_cap_name(pl_dtype dtype)
{
    return pl_dtype_scalar_name(dtype);
}

static inline pl_status
not_implemented(const char *kernel, pl_dtype dtype)
{
    return pl_error_set(PL_ERR_NOTIMPL, "\"%s\" not implemented for '%s'", kernel,
                        dtype_cap_name(dtype));
}

static inline void
store_double(pl_dtype dtype, char *base, int64_t off, double v)
{
    switch (dtype) {
    case PL_FLOAT32: ((float *)base)[off] = (float)v; break;
    case PL_FLOAT64: ((double *)base)[off] = v; break;
    case PL_INT64: ((int64_t *)base)[off] = (int64_t)v; break;
    case PL_BOOL: ((bool *)base)[off] = v != 0.0; break;
    default: pl_store_double(base + off * (int64_t)pl_dtype_size(dtype), dtype, v); break;
    }
}

static inline void
store_int64(pl_dtype dtype, char *base, int64_t off, int64_t v)
{
    switch (dtype) {
    case PL_FLOAT32: ((float *)base)[off] = (float)v; break;
    case PL_FLOAT64: ((double *)base)[off] = (double)v; break;
    case PL_INT64: ((int64_t *)base)[off] = v; break;
    case PL_BOOL: ((bool *)base)[off] = v != 0; break;
    default: pl_store_double(base + off * (int64_t)pl_dtype_size(dtype), dtype, (double)v); break;
    }
}

/* The public fills' first step for a tensor of a storage dtype (uint8 ... bfloat16): the draws
 * go into a temporary of its compute dtype (the stream that dtype draws) and are cast into t,
 * so randint(0, 10, dtype=torch.uint8) gives int64's values. CALL fills `c_`. */
#define PL_FILL_VIA_COMPUTE(t, CALL)                                                         \
    do {                                                                                     \
        if (!pl_dtype_is_compute((t)->dtype)) {                                              \
            pl_status st_ = pl_check_no_overlap(t);                                          \
            pl_tensor *c_ = st_ == PL_OK ? pl_tensor_empty((t)->ndim, (t)->shape,            \
                                                           pl_dtype_compute((t)->dtype))     \
                                         : NULL;                                             \
            if (st_ == PL_OK) st_ = c_ ? (CALL) : pl_error_status();                         \
            if (st_ == PL_OK) st_ = pl_copy_raw((t), c_);                                    \
            pl_tensor_release(c_);                                                           \
            if (st_ == PL_OK) pl_tensor_bump_version(t);                                     \
            return st_;                                                                      \
        }                                                                                    \
    } while (0)

static inline pl_status
fill_done(pl_tensor *t)
{
    pl_tensor_bump_version(t);
    return PL_OK;
}


/* The indices of the k largest of key[0..n) (NaN largest) in the order PyTorch's CPU topk
 * returns them, ties included (topk_order.c); out holds k entries. O(n log n). */
pl_status pl_topk_order(const double *key, int64_t n, int64_t k, int64_t *out);

#endif
