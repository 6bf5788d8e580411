/* rng_gamma.c — PyTorch's CPU gamma and Dirichlet samplers (torch._standard_gamma,
 * torch._sample_dirichlet), bit for bit.
 *
 * Both use the Marsaglia–Tsang acceptance-rejection method (ACM TOMS 2000) on draws from the
 * generator's double streams: uniforms are u53 (two words each), normals are the double
 * Box-Muller sampler with the generator's cache (rng_internal.h). For alpha < 1 one extra
 * uniform boosts alpha by one and scales the result by U^(1/alpha).
 *
 * Arithmetic follows PyTorch's scalar code exactly: the sample itself is computed in double,
 * but alpha keeps the tensor's dtype while it is boosted and while d = alpha - 1/3 is formed
 * (so a float32 alpha gives float arithmetic there); the constants 1/3, 0.0331 and 0.5 are the
 * float literals' values. PyTorch compiles this code outside its per-CPU kernels, so nothing
 * is fused (the file is built with -ffp-contract=off).
 *
 * Element order: the output is contiguous and filled in linear order (the input may be
 * strided or broadcast). Ownership: inputs are borrowed; results are NEW references.
 */
#include <float.h>
#include <math.h>

#include "rng_internal.h"

/* The value PyTorch's float literal 1.0f / 3.0f has. */
#define ONE_THIRD_F (1.0f / 3.0f)

/* Marsaglia–Tsang for alpha >= 1 (already boosted), scale from the boost step. */
static double
marsaglia_tsang(double d, double scale, pl_generator *g)
{
    const double c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x, y;
        do {
            x = normal_double(g, 0.0, 1.0);
            y = 1.0 + c * x;
        } while (y <= 0);
        const double v = y * y * y;
        const double u = 1.0 - u53(g);
        const double xx = x * x;
        if (u < 1.0 - (double)0.0331f * xx * xx)
            return scale * d * v;
        if (log(u) < (double)0.5f * xx + d * (1.0 - v + log(v)))
            return scale * d * v;
    }
}

/* (float)v with IEEE round-to-nearest, also for |v| past FLT_MAX (where C leaves the conversion
 * undefined): the nearest float, or an infinity from FLT_MAX + half an ulp on. */
static float
to_float(double v)
{
    const double overflow = 0x1.ffffffp127; /* FLT_MAX + half its ulp */
    if (v >= overflow)
        return INFINITY;
    if (v <= -overflow)
        return -INFINITY;
    if (v > FLT_MAX)
        return FLT_MAX;
    if (v < -FLT_MAX)
        return -FLT_MAX;
    return (float)v;
}

/* One standard-gamma sample with a float32 alpha (float arithmetic on alpha itself). */
static float
gamma_f32(float alpha, pl_generator *g)
{
    double scale = 1.0;
    if (alpha < 1.0f) {
        if (alpha == 0.0f)
            return 0.0f;
        scale *= pow(1.0 - u53(g), (double)(1.0f / alpha));
        alpha += 1.0f;
    }
    const double d = (double)(alpha - ONE_THIRD_F);
    return to_float(marsaglia_tsang(d, scale, g));
}

/* One standard-gamma sample with a float64 alpha. */
static double
gamma_f64(double alpha, pl_generator *g)
{
    double scale = 1.0;
    if (alpha < 1.0) {
        if (alpha == 0.0)
            return 0.0;
        scale *= pow(1.0 - u53(g), 1.0 / alpha);
        alpha += 1.0;
    }
    const double d = alpha - (double)ONE_THIRD_F;
    return marsaglia_tsang(d, scale, g);
}

static pl_status
check_alpha(const pl_tensor *alpha, const char *kernel)
{
    if (!pl_dtype_is_floating(alpha->dtype))
        return not_implemented(kernel, alpha->dtype);
    return PL_OK;
}

pl_tensor *
pl_standard_gamma(const pl_tensor *alpha, pl_generator *g)
{
    if (check_alpha(alpha, "gamma_cpu") != PL_OK)
        return NULL;
    pl_tensor *out = pl_tensor_empty(alpha->ndim, alpha->shape, alpha->dtype);
    if (out == NULL)
        return NULL;
    g = gen_or_default(g);
    elem_iter it;
    elem_iter_init(&it, out->ndim, out->shape, out->strides, alpha->strides);
    const char *abase = pl_tensor_data(alpha); /* alpha->shape, any strides */
    char *obase = pl_tensor_data(out);         /* alpha->shape, contiguous */
    int64_t oo, ao;
    while (elem_iter_next(&it, &oo, &ao)) {
        if (alpha->dtype == PL_FLOAT32) {
            float s = gamma_f32(((const float *)abase)[ao], g);
            ((float *)obase)[oo] = s > FLT_MIN ? s : FLT_MIN;
        } else {
            double s = gamma_f64(((const double *)abase)[ao], g);
            ((double *)obase)[oo] = s > DBL_MIN ? s : DBL_MIN;
        }
    }
    return out;
}

pl_tensor *
pl_sample_dirichlet(const pl_tensor *alpha, pl_generator *g)
{
    if (check_alpha(alpha, "dirichlet") != PL_OK)
        return NULL;
    if (alpha->ndim == 0) {
        pl_error_set(PL_ERR_INDEX, "Dimension specified as -1 but tensor has no dimensions");
        return NULL;
    }
    /* gamma draws in double whatever alpha's dtype (PyTorch avoids underflow that way) */
    pl_tensor *gam = pl_tensor_empty(alpha->ndim, alpha->shape, PL_FLOAT64);
    if (gam == NULL)
        return NULL;
    g = gen_or_default(g);
    elem_iter it;
    elem_iter_init(&it, gam->ndim, gam->shape, gam->strides, alpha->strides);
    const char *abase = pl_tensor_data(alpha); /* alpha->shape, any strides */
    double *gd = (double *)pl_tensor_data(gam); /* alpha->shape, contiguous */
    int64_t go, ao;
    while (elem_iter_next(&it, &go, &ao)) {
        double a = alpha->dtype == PL_FLOAT32 ? (double)((const float *)abase)[ao]
                                              : ((const double *)abase)[ao];
        double s = gamma_f64(a, g);
        gd[go] = s > DBL_MIN ? s : DBL_MIN;
    }
    /* row sums in PyTorch's summation order (ops/sum_order.c), keepdim */
    int64_t last = alpha->ndim - 1;
    pl_tensor *sum = pl_sum(gam, &last, 1, true);
    if (sum == NULL) {
        pl_tensor_release(gam);
        return NULL;
    }
    pl_tensor *out = pl_tensor_empty(alpha->ndim, alpha->shape, alpha->dtype);
    if (out == NULL) {
        pl_tensor_release(gam);
        pl_tensor_release(sum);
        return NULL;
    }
    const double *sd = (const double *)pl_tensor_data(sum); /* (rows, 1), contiguous */
    int64_t k = alpha->shape[last];
    int64_t n = out->numel;
    char *obase = pl_tensor_data(out); /* alpha->shape, contiguous */
    for (int64_t i = 0; i < n; i++) {
        double r = gd[i] / sd[k > 0 ? i / k : 0];
        if (out->dtype == PL_FLOAT32) {
            float v = (float)r;
            const float hi = nextafterf(1.0f, 0.0f);
            v = v > FLT_MIN ? v : FLT_MIN;
            ((float *)obase)[i] = v < hi ? v : hi;
        } else {
            const double hi = nextafter(1.0, 0.0);
            r = r > DBL_MIN ? r : DBL_MIN;
            ((double *)obase)[i] = r < hi ? r : hi;
        }
    }
    pl_tensor_release(gam);
    pl_tensor_release(sum);
    return out;
}
