/* rng_count.c — PyTorch's CPU Poisson and binomial samplers (torch.poisson,
 * torch.binomial), bit for bit.
 *
 * Both draw only double uniforms (u53, two words each) from the generator.
 * Poisson: for rate >= 10 Hörmann's transformed rejection (PTRS, 1993), otherwise the product
 * of uniforms against exp(-rate). Binomial: Hörmann's BTRS transformed rejection when the
 * mean of the smaller tail is at least 10, otherwise inversion by summing geometric waiting
 * times; p > 1/2 samples the complementary count.
 *
 * Arithmetic: PyTorch writes the binomial sampler for the tensor's scalar type with double
 * accumulators, so for float32 several intermediate products are float operations; the
 * BINOMIAL_BODY macro below is instantiated once per dtype to keep each operation in the
 * type PyTorch computes it in. Nothing is fused (built with -ffp-contract=off).
 *
 * Element order: outputs are contiguous and filled in linear order (inputs may be strided or
 * broadcast). Ownership: inputs are borrowed; results are NEW references.
 */
#include <math.h>

#include "rng_internal.h"

/* ------------------------------------------------------------------------------------------
 * Poisson
 * ---------------------------------------------------------------------------------------- */

/* (int64_t)v as x86-64's conversion gives it (what PyTorch's cast compiles to): INT64_MIN for NaN
 * and out-of-range values, so that huge or infinite rates give PyTorch's results without UB. */
static int64_t
to_int64(double v)
{
    if (!(v >= -0x1p63 && v < 0x1p63))
        return INT64_MIN;
    return (int64_t)v;
}

static double
poisson_one(double rate, pl_generator *g)
{
    if (rate >= 10) {
        const double slam = sqrt(rate);
        const double loglam = log(rate);
        const double b = 0.931 + 2.53 * slam;
        const double a = -0.059 + 0.02483 * b;
        const double invalpha = 1.1239 + 1.1328 / (b - 3.4);
        const double vr = 0.9277 - 3.6224 / (b - 2);
        for (;;) {
            const double U = u53(g) - 0.5;
            const double V = u53(g);
            const double us = 0.5 - fabs(U);
            /* k is an int64 count; for rates past 2^63 the comparisons use the unconverted
             * value, as PyTorch's compiled code does (only the result is converted) */
            const double k = floor((2 * a / us + b) * U + rate + 0.43);
            if (us >= 0.07 && V <= vr)
                return (double)to_int64(k);
            if (k < 0 || (us < 0.013 && V > us))
                continue;
            if (log(V) + log(invalpha) - log(a / (us * us) + b) <= -rate + k * loglam - lgamma(k + 1))
                return (double)to_int64(k);
        }
    }
    if (rate == 0)
        return 0.0;
    const double enlam = exp(-rate);
    int64_t x = 0;
    double prod = 1.0;
    for (;;) {
        prod *= u53(g);
        if (prod > enlam)
            x += 1;
        else
            return (double)x;
    }
}

pl_tensor *
pl_poisson(const pl_tensor *rate, pl_generator *g)
{
    if (!pl_dtype_is_floating(rate->dtype)) {
        not_implemented("poisson_cpu", rate->dtype);
        return NULL;
    }
    const char *rbase = pl_tensor_data(rate); /* rate->shape, any strides */
    elem_iter it;
    elem_iter_tensor(&it, rate);
    int64_t ro;
    while (elem_iter_next(&it, &ro, NULL)) {
        double r = rate->dtype == PL_FLOAT32 ? (double)((const float *)rbase)[ro]
                                             : ((const double *)rbase)[ro];
        if (!(r >= 0)) {
            pl_error_set(PL_ERR_RUNTIME, "invalid Poisson rate, expected rate to be non-negative");
            return NULL;
        }
    }
    pl_tensor *out = pl_tensor_empty(rate->ndim, rate->shape, rate->dtype);
    if (out == NULL)
        return NULL;
    g = gen_or_default(g);
    elem_iter_init(&it, out->ndim, out->shape, out->strides, rate->strides);
    char *obase = pl_tensor_data(out); /* rate->shape, contiguous */
    int64_t oo;
    while (elem_iter_next(&it, &oo, &ro)) {
        double r = rate->dtype == PL_FLOAT32 ? (double)((const float *)rbase)[ro]
                                             : ((const double *)rbase)[ro];
        store_double(out->dtype, obase, oo, poisson_one(r, g));
    }
    return out;
}

/* ------------------------------------------------------------------------------------------
 * Binomial
 * ---------------------------------------------------------------------------------------- */

/* log(k!) - (Stirling's approximation of it), tabulated for k < 10 (double accumulator). */
static double
stirling_tail(double k)
{
    static const double table[] = {
        0.0810614667953272, 0.0413406959554092, 0.0276779256849983, 0.02079067210376509,
        0.0166446911898211, 0.0138761288230707, 0.0118967099458917, 0.0104112652619720,
        0.00925546218271273, 0.00833056343336287};
    if (k < 10)
        return table[(int)k];
    const double kp1sq = (k + 1) * (k + 1);
    return (1.0 / 12 - (1.0 / 360 - 1.0 / 1260 / kp1sq) / kp1sq) / (k + 1);
}

/* T is the scalar type (float or double), LOG1P and SQRT its libm functions. Accumulators
 * are double, as in PyTorch. */
#define BINOMIAL_BODY(T, SUFFIX, LOG1P, SQRT, FLOOR)                                          \
    static T binomial_inversion_##SUFFIX(T count, T prob, pl_generator *g)                   \
    {                                                                                          \
        double geom_sum = 0;                                                                   \
        T num_geom = 0;                                                                        \
        const double logprob = (double)LOG1P(-prob);                                           \
        for (;;) {                                                                             \
            const double U = u53(g);                                                           \
            const double geom = ceil(log(U) / logprob);                                        \
            geom_sum += geom;                                                                  \
            if (geom_sum > (double)count)                                                      \
                break;                                                                         \
            num_geom = num_geom + 1;                                                           \
        }                                                                                      \
        return num_geom;                                                                       \
    }                                                                                          \
                                                                                               \
    static T btrs_##SUFFIX(T count, T prob, pl_generator *g)                                   \
    {                                                                                          \
        const double stddev = (double)SQRT(count * prob * (1 - prob));                         \
        const double b = 1.15 + 2.53 * stddev;                                                 \
        const double a = -0.0873 + 0.0248 * b + 0.01 * (double)prob;                           \
        const double c = (double)(count * prob) + 0.5;                                         \
        const double v_r = 0.92 - 4.2 / b;                                                     \
        const double r = (double)(prob / (1 - prob));                                          \
        const double alpha = (2.83 + 5.1 / b) * stddev;                                        \
        const double m = (double)FLOOR((count + 1) * prob);                                    \
        for (;;) {                                                                             \
            const double U = u53(g) - 0.5;                                                     \
            double V = u53(g);                                                                 \
            const double us = 0.5 - fabs(U);                                                   \
            const T k = (T)floor((2 * a / us + b) * U + c);                                    \
            if (k < 0 || k > count)                                                            \
                continue;                                                                      \
            if (us >= 0.07 && V <= v_r)                                                        \
                return k;                                                                      \
            V = log(V * alpha / (a / (us * us) + b));                                          \
            const double upper =                                                               \
                (m + 0.5) * log((m + 1) / (r * ((double)count - m + 1))) +                     \
                (double)(count + 1) *                                                          \
                    log(((double)count - m + 1) / (double)(count - k + 1)) +                   \
                ((double)k + 0.5) * log(r * (double)(count - k + 1) / (double)(k + 1)) +       \
                stirling_tail(m) + stirling_tail((double)count - m) -                          \
                stirling_tail((double)k) - stirling_tail((double)(count - k));                 \
            if (V <= upper)                                                                    \
                return k;                                                                      \
        }                                                                                      \
    }                                                                                          \
                                                                                               \
    static T binomial_##SUFFIX(T count, T prob, pl_generator *g)                               \
    {                                                                                          \
        if (count <= 0 || prob <= 0)                                                           \
            return 0;                                                                          \
        if (prob >= 1)                                                                         \
            return count;                                                                      \
        if (prob <= 0.5) {                                                                     \
            if ((double)(count * prob) >= 10.0)                                                \
                return btrs_##SUFFIX(count, prob, g);                                          \
            return binomial_inversion_##SUFFIX(count, prob, g);                                \
        }                                                                                      \
        if (prob > 0.5) {                                                                      \
            const T qprob = (T)(1.0 - (double)prob);                                           \
            if ((double)(count * qprob) >= 10.0)                                               \
                return count - btrs_##SUFFIX(count, qprob, g);                                 \
            return count - binomial_inversion_##SUFFIX(count, qprob, g);                       \
        }                                                                                      \
        return (T)NAN; /* prob is NaN */                                                       \
    }

BINOMIAL_BODY(float, f32, log1pf, sqrtf, floorf)
BINOMIAL_BODY(double, f64, log1p, sqrt, floor)

pl_tensor *
pl_binomial(const pl_tensor *count, const pl_tensor *prob, pl_generator *g)
{
    if (!pl_dtype_is_floating(count->dtype)) {
        not_implemented("binomial_cpu", count->dtype);
        return NULL;
    }
    if (prob->dtype != count->dtype) {
        pl_error_set(PL_ERR_RUNTIME, "expected all tensors to have the same dtype");
        return NULL;
    }
    if (prob->ndim != count->ndim) {
        pl_error_set(PL_ERR_RUNTIME, "binomial: count and prob must have the same shape");
        return NULL;
    }
    for (int d = 0; d < count->ndim; d++) {
        if (prob->shape[d] != count->shape[d]) {
            pl_error_set(PL_ERR_RUNTIME, "binomial: count and prob must have the same shape");
            return NULL;
        }
    }
    pl_tensor *out = pl_tensor_empty(count->ndim, count->shape, count->dtype);
    if (out == NULL)
        return NULL;
    g = gen_or_default(g);
    /* output contiguous, linear order; count and prob addressed by their own strides */
    const char *cbase = pl_tensor_data(count); /* count->shape, any strides */
    const char *pbase = pl_tensor_data(prob);  /* count->shape, any strides */
    char *obase = pl_tensor_data(out);         /* count->shape, contiguous */
    int64_t idx[PL_MAX_DIMS] = {0};
    for (int64_t i = 0; i < out->numel; i++) {
        int64_t co = 0, po = 0;
        for (int d = 0; d < count->ndim; d++) {
            co += idx[d] * count->strides[d];
            po += idx[d] * prob->strides[d];
        }
        if (out->dtype == PL_FLOAT32)
            ((float *)obase)[i] = binomial_f32(((const float *)cbase)[co],
                                               ((const float *)pbase)[po], g);
        else
            ((double *)obase)[i] = binomial_f64(((const double *)cbase)[co],
                                                ((const double *)pbase)[po], g);
        for (int d = count->ndim - 1; d >= 0; d--) {
            if (++idx[d] < count->shape[d])
                break;
            idx[d] = 0;
        }
    }
    return out;
}
