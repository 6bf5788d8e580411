/* rng_discrete.c — PyTorch's integer-valued samplers on CPU: random_ (all forms),
 * bernoulli_ (scalar and tensor p), randperm and multinomial, bit for bit.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rng_internal.h"

/* ------------------------------------------------------------------------------------------
 * random_: integers from a word, by plain modulo (PyTorch's uniform_int* distributions)
 * ---------------------------------------------------------------------------------------- */

/* One draw of PyTorch's random_() for dtype `as` (uniform_int<T>: a 32-bit word, 64-bit for
 * int64 and float64, modulo the dtype's largest value + 1, or 2^digits + 1 for the floats). */
static uint64_t
random_full_draw(pl_generator *g, pl_dtype as)
{
    switch (as) {
    case PL_BOOL: return pl_generator_random(g) & 1u;
    case PL_UINT8: return pl_generator_random(g) % 256u;
    case PL_INT8: return pl_generator_random(g) % 128u;
    case PL_INT16: return pl_generator_random(g) % 32768u;
    case PL_INT32: return pl_generator_random(g) % (UINT32_C(1) << 31);
    case PL_INT64: return pl_generator_random64(g) & INT64_MAX;
    case PL_FLOAT16: return pl_generator_random(g) % ((UINT32_C(1) << 11) + 1);
    case PL_BFLOAT16: return pl_generator_random(g) % ((UINT32_C(1) << 8) + 1);
    case PL_FLOAT32: return pl_generator_random(g) % ((UINT32_C(1) << 24) + 1);
    default: return pl_generator_random64(g) % ((UINT64_C(1) << 53) + 1); /* PL_FLOAT64 */
    }
}

/* t (a compute dtype) filled with random_() draws of dtype `as`, whose values it holds exactly */
static void
random_full_fill(pl_tensor *t, pl_dtype as, pl_generator *g)
{
    elem_iter it;
    elem_iter_tensor(&it, t);
    int64_t off;
    char *base = pl_tensor_data(t);
    while (elem_iter_next(&it, &off, NULL)) {
        uint64_t v = random_full_draw(g, as);
        switch (t->dtype) {
        case PL_BOOL: ((bool *)base)[off] = v != 0; break;
        case PL_INT64: ((int64_t *)base)[off] = (int64_t)v; break;
        case PL_FLOAT32: ((float *)base)[off] = (float)v; break;
        default: ((double *)base)[off] = (double)v; break; /* PL_FLOAT64 */
        }
    }
}

pl_status
pl_random_(pl_tensor *t, pl_generator *g)
{
    pl_status st = pl_check_no_overlap(t);
    if (st != PL_OK)
        return st;
    g = gen_or_default(g);
    if (pl_dtype_is_compute(t->dtype)) {
        random_full_fill(t, t->dtype, g);
        return fill_done(t);
    }
    /* a storage dtype: its own draws, in a compute-dtype copy cast back exactly */
    pl_tensor *c = pl_tensor_empty(t->ndim, t->shape, pl_dtype_compute(t->dtype));
    if (!c)
        return pl_error_status();
    random_full_fill(c, t->dtype, g);
    st = pl_copy_raw(t, c);
    pl_tensor_release(c);
    return st == PL_OK ? fill_done(t) : st;
}

/* The largest integer n such that every integer up to n is exact in the float dtype. */
static int64_t
float_digits(pl_dtype dtype)
{
    return dtype == PL_FLOAT32 ? 24 : 53;
}

/* v rounded to the float dtype and back, as PyTorch's static_cast pair gives it on x86 (values
 * that round to 2^63 come back as INT64_MIN), without the undefined conversion. */
static int64_t
round_trip(int64_t v, pl_dtype dtype)
{
    return pl_double_to_int64(dtype == PL_FLOAT32 ? (double)(float)v : (double)v);
}

/* the bit length - 1 of |v| (0 for 0 and 1) */
static int
magnitude_bits(int64_t v)
{
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    int n = 0;
    while (mag >>= 1)
        n++;
    return n;
}

/* PyTorch moves `from` up to the next value representable in the float dtype. Its int64
 * arithmetic wraps; here in unsigned. */
static int64_t
float_update_from(int64_t from, pl_dtype dtype)
{
    int64_t from1 = (int64_t)((uint64_t)from + 1);
    int64_t from_plus_1 = round_trip(from1, dtype);
    if (from_plus_1 < from) {
        int n = magnitude_bits(from1);
        from = (int64_t)((uint64_t)from_plus_1 + (UINT64_C(1) << (n - float_digits(dtype) + 1)));
    }
    return from;
}

static int64_t
float_update_to(int64_t to, pl_dtype dtype)
{
    int64_t to1 = (int64_t)((uint64_t)to - 1);
    int64_t to_minus_1 = round_trip(to1, dtype);
    if (to_minus_1 >= to) {
        int n = magnitude_bits(to1);
        to = (int64_t)((uint64_t)to_minus_1 - (UINT64_C(1) << (n - float_digits(dtype) + 1)));
    }
    return to;
}

/* PyTorch's bounds check of random_(from, to) on an integer or bool dtype (the message names
 * the C++ element type); int64 and the float ranges hold every int64. */
static pl_status
check_from_to_in_range(int64_t from, int64_t to_inc, pl_dtype dtype)
{
    int64_t lo, hi;
    const char *name;
    switch (dtype) {
    case PL_BOOL: lo = 0, hi = 1, name = "bool"; break;
    case PL_UINT8: lo = 0, hi = UINT8_MAX, name = "unsigned char"; break;
    case PL_INT8: lo = INT8_MIN, hi = INT8_MAX, name = "signed char"; break;
    case PL_INT16: lo = INT16_MIN, hi = INT16_MAX, name = "short int"; break;
    case PL_INT32: lo = INT32_MIN, hi = INT32_MAX, name = "int"; break;
    default: return PL_OK;
    }
    if (from < lo || from > hi)
        return pl_error_set(PL_ERR_RUNTIME, "from is out of bounds for %s", name);
    if (to_inc < lo || to_inc > hi)
        return pl_error_set(PL_ERR_RUNTIME, "to - 1 is out of bounds for %s", name);
    return PL_OK;
}

pl_status
pl_random_from_to_(pl_tensor *t, int64_t from, bool has_to, int64_t to, pl_generator *g)
{
    if (has_to && from < to && !pl_dtype_is_floating(t->dtype)) {
        pl_status st = check_from_to_in_range(from, to - 1, t->dtype); /* in t's own dtype */
        if (st != PL_OK)
            return st;
    }
    PL_FILL_VIA_COMPUTE(t, pl_random_from_to_(c_, from, has_to, to, g));
    uint64_t range = 0; /* 0: the full 2^64 range */
    bool floating = pl_dtype_is_floating(t->dtype);
    if (has_to) {
        if (from >= to)
            return pl_error_set(PL_ERR_RUNTIME,
                                "random_ expects 'from' to be less than 'to', but got from=%lld "
                                ">= to=%lld", (long long)from, (long long)to);
        if (floating) {
            from = float_update_from(from, t->dtype);
            to = float_update_to(to, t->dtype);
            if (from >= to)
                return pl_error_set(PL_ERR_RUNTIME,
                                    "random_ expects 'from' casted to dtype to be less than 'to' "
                                    "casted to dtype, but got from=%lld >= to=%lld",
                                    (long long)from, (long long)to);
        }
        pl_status st = check_from_to_in_range(from, to - 1, t->dtype);
        if (st != PL_OK)
            return st;
        range = (uint64_t)to - (uint64_t)from;
    } else if (from != INT64_MIN) {
        int64_t to_inc;
        if (floating) {
            to_inc = INT64_C(1) << float_digits(t->dtype);
            from = float_update_from(from, t->dtype);
            if (from >= to_inc)
                return pl_error_set(PL_ERR_RUNTIME,
                                    "random_ expects 'from' casted to dtype to be less than or "
                                    "equal to 'to_inc' casted to dtype, but got from=%lld > "
                                    "to_inc=%lld", (long long)from, (long long)to_inc);
        } else {
            to_inc = t->dtype == PL_BOOL ? 1 : INT64_MAX;
        }
        pl_status st = check_from_to_in_range(from, to_inc, t->dtype);
        if (st != PL_OK)
            return st;
        range = (uint64_t)to_inc - (uint64_t)from + 1;
    } else if (t->dtype == PL_BOOL) {
        return pl_error_set(PL_ERR_RUNTIME, "\"random_full_64_bits_range_kernel_cpu\" not "
                            "implemented for 'Bool'");
    }
    pl_status st = pl_check_no_overlap(t);
    if (st != PL_OK)
        return st;
    g = gen_or_default(g);
    elem_iter it;
    elem_iter_tensor(&it, t);
    int64_t off;
    char *base = pl_tensor_data(t);
    while (elem_iter_next(&it, &off, NULL)) {
        int64_t v;
        if (range == 0) {
            v = (int64_t)pl_generator_random64(g);
        } else {
            /* 64-bit words for wide ranges (torch 2.7+: from 2^28 on, every dtype) */
            uint64_t w = range >= (UINT64_C(1) << 28) ? pl_generator_random64(g)
                                                      : (uint64_t)pl_generator_random(g);
            v = (int64_t)((w % range) + (uint64_t)from);
        }
        store_int64(t->dtype, base, off, v);
    }
    return fill_done(t);
}

/* ------------------------------------------------------------------------------------------
 * bernoulli_
 * ---------------------------------------------------------------------------------------- */

pl_status
pl_bernoulli_scalar_(pl_tensor *t, double p, pl_generator *g)
{
    PL_FILL_VIA_COMPUTE(t, pl_bernoulli_scalar_(c_, p, g));
    if (!(p >= 0.0 && p <= 1.0))
        return pl_error_set(PL_ERR_RUNTIME, "bernoulli_ expects p to be in [0, 1], but got p=%g",
                            p);
    pl_status st = pl_check_no_overlap(t);
    if (st != PL_OK)
        return st;
    g = gen_or_default(g);
    char *base = pl_tensor_data(t);
    if (pl_tensor_is_contiguous(t) && pl_dtype_is_floating(t->dtype)) {
        /* the same draws in bulk: two words (high, low) per element, U53 < p in double */
        enum { CHUNK = 512 };
        uint32_t w[2 * CHUNK];
        for (int64_t i0 = 0; i0 < t->numel; i0 += CHUNK) {
            int64_t n = t->numel - i0 < CHUNK ? t->numel - i0 : CHUNK;
            pl_generator_fill(g, w, 2 * n);
            for (int64_t i = 0; i < n; i++) {
                uint64_t v = ((uint64_t)w[2 * i] << 32 | w[2 * i + 1]) & ((UINT64_C(1) << 53) - 1);
                bool hit = (double)(int64_t)v * 0x1p-53 < p; /* v < 2^53: exact */
                if (t->dtype == PL_FLOAT32) ((float *)base)[i0 + i] = hit ? 1.0f : 0.0f;
                else ((double *)base)[i0 + i] = hit ? 1.0 : 0.0;
            }
        }
        return fill_done(t);
    }
    elem_iter it;
    elem_iter_tensor(&it, t);
    int64_t off;
    while (elem_iter_next(&it, &off, NULL))
        store_int64(t->dtype, base, off, u53(g) < p ? 1 : 0);
    return fill_done(t);
}

/* Broadcast strides of src (viewed at ndim dims, aligned right) onto shape; false if the
 * shapes are not broadcastable. */
static bool
expand_strides(const pl_tensor *src, int ndim, const int64_t *shape, int64_t *strides,
               int *bad_dim)
{
    *bad_dim = ndim - 1;
    if (src->ndim > ndim)
        return false;
    int lead = ndim - src->ndim;
    for (int d = 0; d < ndim; d++) {
        if (d < lead) {
            strides[d] = 0;
            continue;
        }
        int64_t s = src->shape[d - lead];
        if (s == shape[d])
            strides[d] = s == 1 ? 0 : src->strides[d - lead];
        else if (s == 1)
            strides[d] = 0;
        else {
            *bad_dim = d;
            return false;
        }
    }
    return true;
}

pl_status
pl_bernoulli_tensor_(pl_tensor *t, const pl_tensor *p, pl_generator *g)
{
    if (!pl_dtype_is_compute(p->dtype)) { /* float16/bfloat16 probabilities read as float32 */
        pl_tensor *c = pl_cast_raw(p, pl_dtype_compute(p->dtype));
        pl_status st = c ? pl_bernoulli_tensor_(t, c, g) : pl_error_status();
        pl_tensor_release(c);
        return st;
    }
    PL_FILL_VIA_COMPUTE(t, pl_bernoulli_tensor_(c_, p, g));
    if (!pl_dtype_is_floating(p->dtype))
        return not_implemented("bernoulli_tensor_cpu_p_", p->dtype);
    int64_t pstrides[PL_MAX_DIMS];
    int bad = 0;
    if (!expand_strides(p, t->ndim, t->shape, pstrides, &bad)) {
        char want[160] = "", got[160] = "";
        for (int d = 0; d < t->ndim; d++)
            snprintf(want + strlen(want), sizeof want - strlen(want), "%s%lld",
                     d ? ", " : "", (long long)t->shape[d]);
        for (int d = 0; d < p->ndim; d++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld",
                     d ? ", " : "", (long long)p->shape[d]);
        return pl_error_set(PL_ERR_RUNTIME,
                            "The expanded size of the tensor (%lld) must match the existing size "
                            "(%lld) at non-singleton dimension %d.  Target sizes: [%s].  Tensor "
                            "sizes: [%s]",
                            (long long)(t->ndim ? t->shape[bad] : 1),
                            (long long)(bad - (t->ndim - p->ndim) >= 0 && p->ndim
                                            ? p->shape[bad - (t->ndim - p->ndim)] : 1),
                            bad, want, got);
    }
    pl_status st = pl_check_no_overlap(t);
    if (st != PL_OK)
        return st;
    g = gen_or_default(g);
    elem_iter it;
    elem_iter_init(&it, t->ndim, t->shape, t->strides, pstrides);
    int64_t off, poff;
    char *base = pl_tensor_data(t);
    const char *pbase = pl_tensor_data(p);
    while (elem_iter_next(&it, &off, &poff)) {
        bool hit;
        if (p->dtype == PL_FLOAT64) {
            double pv = ((const double *)pbase)[poff];
            if (!(pv >= 0.0 && pv <= 1.0))
                goto bad_p;
            hit = u53(g) < pv;
        } else {
            float pv = ((const float *)pbase)[poff];
            if (!(pv >= 0.0f && pv <= 1.0f))
                goto bad_p;
            hit = u24(g) < pv;
        }
        store_int64(t->dtype, base, off, hit ? 1 : 0);
    }
    return fill_done(t);
bad_p:
    pl_tensor_bump_version(t);
    return pl_error_set(PL_ERR_RUNTIME,
                        "Expected p_in >= 0 && p_in <= 1 to be true, but got false.  (Could this "
                        "error message be improved?  If so, please report an enhancement request "
                        "to PyTorch.)");
}

/* ------------------------------------------------------------------------------------------
 * randperm
 * ---------------------------------------------------------------------------------------- */

pl_tensor *
pl_randperm(int64_t n, pl_dtype dtype, pl_generator *g)
{
    if (!pl_dtype_is_compute(dtype) && n >= 0) { /* drawn as its compute dtype, then cast */
        pl_tensor *r = pl_randperm(n, pl_dtype_compute(dtype), g);
        pl_tensor *out = r ? pl_cast_raw(r, dtype) : NULL;
        pl_tensor_release(r);
        return out;
    }
    if (n < 0) {
        pl_error_set(PL_ERR_RUNTIME, "Trying to create tensor with negative dimension %lld: [%lld]",
                     (long long)n, (long long)n);
        return NULL;
    }
    if (dtype == PL_BOOL) {
        not_implemented("randperm", dtype);
        return NULL;
    }
    if (pl_dtype_is_floating(dtype) && n > (INT64_C(1) << float_digits(dtype)) + 1) {
        pl_error_set(PL_ERR_RUNTIME, "n cannot be greater than 2^%d+1 for %s type.",
                     (int)float_digits(dtype), dtype == PL_FLOAT32 ? "Float" : "Double");
        return NULL;
    }
    int64_t shape[1] = {n};
    pl_tensor *out = pl_tensor_empty(1, shape, dtype);
    if (out == NULL)
        return NULL;
    int64_t *r = malloc((size_t)(n > 0 ? n : 1) * sizeof *r);
    if (r == NULL) {
        pl_tensor_release(out);
        pl_error_nomem();
        return NULL;
    }
    g = gen_or_default(g);
    if (n < (int64_t)(UINT32_MAX / 20)) {
        for (int64_t i = 0; i < n; i++)
            r[i] = i;
        for (int64_t i = 0; i + 1 < n; i++) {
            int64_t z = (int64_t)(pl_generator_random(g) % (uint32_t)(n - i));
            int64_t tmp = r[i];
            r[i] = r[i + z];
            r[i + z] = tmp;
        }
    } else {
        for (int64_t i = 0; i < n; i++) {
            int64_t z = (int64_t)(pl_generator_random64(g) % (uint64_t)(i + 1));
            r[i] = r[z];
            r[z] = i;
        }
    }
    char *base = pl_tensor_data(out);
    for (int64_t i = 0; i < n; i++)
        store_int64(dtype, base, i, r[i]);
    free(r);
    return out;
}

/* ------------------------------------------------------------------------------------------
 * multinomial
 * ---------------------------------------------------------------------------------------- */

/* Strides (in elements, relative) of torch's empty_like(t) with preserved layout: the same
 * stride order if t is non-overlapping and dense, else contiguous. */
static void
empty_like_strides(const pl_tensor *t, int64_t *strides)
{
    int perm[PL_MAX_DIMS];
    int n = t->ndim;
    for (int i = 0; i < n; i++)
        perm[i] = i;
    /* sort dims by stride descending (stable), size-1 dims keep their place in the order */
    for (int i = 1; i < n; i++) {
        for (int j = i; j > 0 && t->strides[perm[j - 1]] < t->strides[perm[j]]; j--) {
            int tmp = perm[j];
            perm[j] = perm[j - 1];
            perm[j - 1] = tmp;
        }
    }
    bool dense = true;
    int64_t expected = 1;
    for (int i = n - 1; i >= 0; i--) {
        int d = perm[i];
        if (t->shape[d] == 1)
            continue;
        if (t->strides[d] != expected) {
            dense = false;
            break;
        }
        expected *= t->shape[d];
    }
    if (!dense) {
        pl_contiguous_strides(n, t->shape, strides);
        return;
    }
    int64_t acc = 1;
    for (int i = n - 1; i >= 0; i--) {
        strides[perm[i]] = acc;
        acc *= t->shape[perm[i]] > 1 ? t->shape[perm[i]] : 1;
    }
}

static double
read_prob(const pl_tensor *probs, const char *base, int64_t off)
{
    return probs->dtype == PL_FLOAT32 ? (double)((const float *)base)[off]
                                      : ((const double *)base)[off];
}

/* Without replacement (and the one-sample case): q ~ Exp(1) in empty_like(probs)'s layout,
 * keys probs / q in the probs dtype, then each row's top num_samples keys in PyTorch's topk
 * order (pl_topk_order; argmax for one). */
static pl_status
multinomial_exponential(const pl_tensor *probs, int64_t rows, int64_t cats, int64_t nsample,
                        int64_t *out, pl_generator *g)
{
    int64_t qstrides[PL_MAX_DIMS];
    empty_like_strides(probs, qstrides);
    int64_t total = rows * cats;
    double *q = malloc((size_t)total * sizeof *q);
    if (q == NULL)
        return pl_error_nomem();
    elem_iter it;
    elem_iter_init(&it, probs->ndim, probs->shape, qstrides, NULL);
    int64_t off;
    bool f32 = probs->dtype == PL_FLOAT32;
    while (elem_iter_next(&it, &off, NULL)) {
        double e = -1.0 / 1.0 * log1p(-u53(g));
        q[off] = f32 ? (double)(float)e : e;
    }
    int64_t qs0 = probs->ndim == 2 ? qstrides[0] : 0, qs1 = qstrides[probs->ndim - 1];
    int64_t ps0 = probs->ndim == 2 ? probs->strides[0] : 0, ps1 = probs->strides[probs->ndim - 1];
    const char *pbase = pl_tensor_data(probs);
    for (int64_t i = 0; i < rows; i++) {
        /* keys into q's row, in category order */
        double *key = malloc((size_t)cats * sizeof *key);
        if (key == NULL) {
            free(q);
            return pl_error_nomem();
        }
        for (int64_t j = 0; j < cats; j++) {
            double pv = read_prob(probs, pbase, i * ps0 + j * ps1);
            double qv = q[i * qs0 + j * qs1];
            key[j] = f32 ? (double)((float)pv / (float)qv) : pv / qv;
        }
        pl_status st = PL_OK;
        if (nsample == 1) { /* argmax: the first NaN, else the first largest key */
            int64_t best = 0;
            for (int64_t j = 1; j < cats && !isnan(key[best]); j++) {
                if (key[j] > key[best] || isnan(key[j]))
                    best = j;
            }
            out[i] = best;
        } else {
            st = pl_topk_order(key, cats, nsample, out + i * nsample);
        }
        if (st != PL_OK) {
            free(key);
            free(q);
            return st;
        }
        free(key);
    }
    free(q);
    return PL_OK;
}

static pl_status
multinomial_replacement(const pl_tensor *probs, int64_t rows, int64_t cats, int64_t nsample,
                        int64_t *out, pl_generator *g)
{
    bool f32 = probs->dtype == PL_FLOAT32;
    double *cum = malloc((size_t)cats * sizeof *cum);
    if (cum == NULL)
        return pl_error_nomem();
    int64_t ps0 = probs->ndim == 2 ? probs->strides[0] : 0, ps1 = probs->strides[probs->ndim - 1];
    const char *pbase = pl_tensor_data(probs);
    for (int64_t i = 0; i < rows; i++) {
        /* running sum in the probs dtype */
        float sumf = 0.0f;
        double sumd = 0.0;
        for (int64_t j = 0; j < cats; j++) {
            double v = read_prob(probs, pbase, i * ps0 + j * ps1);
            if (!(v >= 0.0)) {
                free(cum);
                return pl_error_set(PL_ERR_RUNTIME, "invalid multinomial distribution "
                                    "(encountering probability entry < 0)");
            }
            if (!isfinite(v)) {
                free(cum);
                return pl_error_set(PL_ERR_RUNTIME, "invalid multinomial distribution "
                                    "(encountering probability entry = infinity or NaN)");
            }
            if (f32) {
                sumf += (float)v;
                cum[j] = sumf;
            } else {
                sumd += v;
                cum[j] = sumd;
            }
        }
        double sum = f32 ? (double)sumf : sumd;
        if (!(sum > 0.0)) {
            free(cum);
            return pl_error_set(PL_ERR_RUNTIME,
                                "invalid multinomial distribution (sum of probabilities <= 0)");
        }
        for (int64_t j = 0; j < cats; j++)
            cum[j] = f32 ? (double)((float)cum[j] / sumf) : cum[j] / sumd;
        cum[cats - 1] = 1.0;
        for (int64_t k = 0; k < nsample; k++) {
            double u = u53(g);
            int64_t lo = 0, hi = cats;
            while (hi - lo > 0) {
                int64_t mid = lo + (hi - lo) / 2;
                if (cum[mid] < u)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            out[i * nsample + k] = lo;
        }
    }
    free(cum);
    return PL_OK;
}

pl_tensor *
pl_multinomial(const pl_tensor *probs, int64_t num_samples, bool replacement, pl_generator *g)
{
    if (!pl_dtype_is_compute(probs->dtype)) { /* float16/bfloat16 (or integer) weights */
        pl_tensor *c = pl_cast_raw(probs, pl_dtype_compute(probs->dtype));
        pl_tensor *r = c ? pl_multinomial(c, num_samples, replacement, g) : NULL;
        pl_tensor_release(c);
        return r;
    }
    if (probs->ndim < 1 || probs->ndim > 2) {
        pl_error_set(PL_ERR_RUNTIME, "prob_dist must be 1 or 2 dim");
        return NULL;
    }
    if (!pl_dtype_is_floating(probs->dtype)) {
        pl_error_set(PL_ERR_RUNTIME,
                     "multinomial only supports floating-point dtypes for input, got: %s",
                     dtype_cap_name(probs->dtype));
        return NULL;
    }
    if (num_samples <= 0) {
        pl_error_set(PL_ERR_RUNTIME, "cannot sample n_sample <= 0 samples");
        return NULL;
    }
    int64_t cats = probs->shape[probs->ndim - 1];
    if (!replacement && num_samples > cats) {
        pl_error_set(PL_ERR_RUNTIME,
                     "cannot sample n_sample > prob_dist.size(-1) samples without replacement");
        return NULL;
    }
    if (cats > (INT64_C(1) << 24)) {
        pl_error_set(PL_ERR_RUNTIME, "number of categories cannot exceed 2^24");
        return NULL;
    }
    int64_t rows = probs->ndim == 2 ? probs->shape[0] : 1;
    int64_t shape[2] = {rows, num_samples};
    pl_tensor *out = probs->ndim == 2 ? pl_tensor_empty(2, shape, PL_INT64)
                                      : pl_tensor_empty(1, shape + 1, PL_INT64);
    if (out == NULL || out->numel == 0)
        return out;
    g = gen_or_default(g);
    int64_t *o = (int64_t *)pl_tensor_data(out);
    pl_status st;
    if (!replacement || num_samples == 1) {
        /* validity checks over the whole tensor first, as torch does */
        const char *pbase = pl_tensor_data(probs);
        int64_t ps0 = probs->ndim == 2 ? probs->strides[0] : 0;
        int64_t ps1 = probs->strides[probs->ndim - 1];
        bool valid = true, zero_row = false;
        for (int64_t i = 0; i < rows; i++) {
            double rs = 0.0;
            float rsf = 0.0f;
            for (int64_t j = 0; j < cats; j++) {
                double v = read_prob(probs, pbase, i * ps0 + j * ps1);
                if (!(v >= 0.0 && v < INFINITY))
                    valid = false;
                rs += v;
                rsf += (float)v;
            }
            if ((probs->dtype == PL_FLOAT32 ? (double)rsf : rs) == 0.0)
                zero_row = true;
        }
        if (!valid) {
            pl_tensor_release(out);
            pl_error_set(PL_ERR_RUNTIME,
                         "probability tensor contains either `inf`, `nan` or element < 0");
            return NULL;
        }
        if (zero_row) {
            pl_tensor_release(out);
            pl_error_set(PL_ERR_RUNTIME,
                         "invalid multinomial distribution (sum of probabilities <= 0)");
            return NULL;
        }
        st = multinomial_exponential(probs, rows, cats, num_samples, o, g);
    } else {
        st = multinomial_replacement(probs, rows, cats, num_samples, o, g);
    }
    if (st != PL_OK) {
        pl_tensor_release(out);
        return NULL;
    }
    return out;
}
