/* factory.c — range factories (arange): PyTorch's argument checks, element count and values,
 * computed without signed overflow or out-of-range float-to-int conversions.
 * reference: aten/src/ATen/native/RangeFactories.cpp and RangeUtils.h (the 2.13 behaviour). */
#include <math.h>

#include "../ops.h"

pl_status
pl_scalar_to_int64_checked(pl_scalar v, int64_t *out)
{
    if (v.is_int) {
        *out = v.i;
        return PL_OK;
    }
    if (!pl_double_fits_int64(v.d)) {
        return pl_error_set(PL_ERR_RUNTIME, "value cannot be converted to type int64_t without overflow");
    }
    *out = pl_double_to_int64(v.d);
    return PL_OK;
}

/* The element count of arange(start, end, step) for a result of dtype. */
static pl_status
arange_size(pl_scalar start, pl_scalar end, pl_scalar step, pl_dtype dtype, int64_t *n)
{
    /* the bounds are checked in double first, whatever the dtype */
    double ds = start.d, de = end.d, dst = step.d;
    if (!(dst > 0 || dst < 0)) return pl_error_set(PL_ERR_RUNTIME, "step must be nonzero");
    if (!isfinite(ds) || !isfinite(de)) {
        return pl_error_set(PL_ERR_RUNTIME, "unsupported range: %g -> %g", ds, de);
    }
    if (!((dst > 0 && de >= ds) || (dst < 0 && de <= ds))) {
        return pl_error_set(PL_ERR_RUNTIME, "upper bound and lower bound inconsistent with step sign");
    }
    double size_d;
    if (dtype == PL_INT64) {
        /* in int64: ceil((end - start + step - sign(step)) / step), where PyTorch's int64
         * arithmetic wraps (so a range wider than int64 gives an odd count, checked below) */
        int64_t xs, xe, xst;
        pl_status st = pl_scalar_to_int64_checked(start, &xs);
        if (st == PL_OK) st = pl_scalar_to_int64_checked(end, &xe);
        if (st == PL_OK) st = pl_scalar_to_int64_checked(step, &xst);
        if (st != PL_OK) return st;
        if (xst == 0) return pl_error_set(PL_ERR_VALUE, "step must be nonzero");
        int64_t sgn = (xst > 0) - (xst < 0);
        int64_t num = (int64_t)((uint64_t)xe - (uint64_t)xs + (uint64_t)xst - (uint64_t)sgn);
        /* INT64_MIN / -1 overflows; its quotient wraps to INT64_MIN */
        int64_t q = (num == INT64_MIN && xst == -1) ? INT64_MIN : num / xst;
        size_d = (double)q;
    } else {
        size_d = ceil((de - ds) / dst);
    }
    if (!(size_d >= 0 && size_d <= 9223372036854775807.0)) {
        return pl_error_set(PL_ERR_RUNTIME, "invalid size, possible overflow?");
    }
    *n = pl_double_to_int64(size_d); /* 2^63 (the bound above, rounded) cannot be allocated */
    if (*n < 0) return pl_error_set(PL_ERR_RUNTIME, "invalid size, possible overflow?");
    return PL_OK;
}

pl_tensor *
pl_arange(pl_scalar start, pl_scalar end, pl_scalar step, pl_dtype dtype)
{
    if (dtype == PL_BOOL) {
        pl_error_set(PL_ERR_NOTIMPL, "\"arange_cpu\" not implemented for 'Bool'");
        return NULL;
    }
    int64_t n;
    if (arange_size(start, end, step, dtype, &n) != PL_OK) return NULL;
    pl_tensor *t = pl_tensor_empty(1, &n, dtype);
    if (!t) return NULL;
    if (dtype == PL_INT64) {
        int64_t *p = t->storage->data; /* (n,) */
        int64_t xs, xst;
        pl_scalar_to_int64_checked(start, &xs); /* checked by arange_size */
        pl_scalar_to_int64_checked(step, &xst);
        for (int64_t i = 0; i < n; i++) p[i] = (int64_t)((uint64_t)xs + (uint64_t)i * (uint64_t)xst);
        return t;
    }
    /* PyTorch's order: start + step * i in double; its vector loop (32-byte vectors, two at a
     * time) instead adds i * step to the rounded value at the start of each vector */
    double s = start.d, st = step.d;
    int64_t lanes = 32 / (int64_t)pl_dtype_size(dtype);
    int64_t vec_end = n / (2 * lanes) * (2 * lanes);
    for (int64_t i = 0; i < n; i++) {
        double v = s + st * (double)i;
        if (i < vec_end) {
            int64_t c = i - i % lanes;
            double base = s + st * (double)c;
            if (dtype == PL_FLOAT32) base = (float)base;
            v = base + (double)(i - c) * st;
        }
        pl_fill_contiguous((char *)t->storage->data + i * (int64_t)pl_dtype_size(dtype), dtype, 1, v);
    }
    return t;
}
