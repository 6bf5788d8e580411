/* optim_extra.c — fused update rules of RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam, ASGD
 * and Rprop over a whole parameter group (contract and formulas in optim_extra.h).
 *
 * One driver (run_group) owns what the eight rules share: validating the group before the
 * first write, gathering strided tensors into contiguous runs and scattering them back,
 * splitting large parameters over the thread pool (each element's arithmetic does not depend
 * on the split), bumping versions. A rule is an elementwise kernel over one parameter's
 * contiguous runs plus a `prepare` step that turns the group's hyper-parameters and the
 * caller's per-parameter scalars into the kernel's scalars (and updates the rule's 0-dim state
 * tensors, NAdam's mu_product and ASGD's eta and mu).
 *
 * Numerics as in optim.c: fma/fmaf exactly where torch's CPU kernels fuse a multiply-add,
 * every other operation rounded on its own (the file is built with -ffp-contract=off), Python
 * numbers cast once from double to the tensor dtype. Each kernel body is compiled twice, plain
 * (the reference) and for AVX2+FMA; both give the same bits.
 */
#include "optim_extra.h"
#include "optim_internal.h"
#include "parallel.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* The group driver.                                                                          */
/* ------------------------------------------------------------------------------------------ */

#define MAX_STATE 3

/* One parameter's update. d[0]: the parameter, d[1]: its gradient (read only), d[2 + j]:
 * state tensor j (NULL when the rule does not use that slot this call); each (n,)
 * contiguous of the parameter's dtype. s: the rule's scalars for this parameter. */
typedef void (*kernel_fn)(char *const *d, int64_t n, const void *s);

/* Room for any rule's scalars struct. */
typedef union scalars_buf {
    double d[24];
    max_align_t align;
} scalars_buf;

typedef struct group_job {
    int64_t n;
    pl_tensor *const *params;
    pl_tensor *const *grads;
    pl_tensor *const *state[MAX_STATE]; /* state[j][i]; a NULL array: slot j unused */
    const char *state_name[MAX_STATE];
    int param_bumps;                    /* versions to bump per parameter ... */
    int state_bumps[MAX_STATE];         /* ... and per state tensor */
    kernel_fn kernels[4];               /* f32 reference, f64 reference, f32 FMA, f64 FMA */
    /* Fills parameter i's scalars (runs for every parameter, empty ones too). */
    void (*prepare)(const void *ctx, int64_t i, pl_dtype dtype, void *out);
    const void *ctx;
} group_job;

typedef struct chunk_ctx {
    kernel_fn kernel;
    char *const *d;
    int64_t es;
    const void *s;
} chunk_ctx;

static void
chunk_range(void *vctx, int64_t begin, int64_t end)
{
    const chunk_ctx *k = vctx;
    char *d[2 + MAX_STATE];
    for (int j = 0; j < 2 + MAX_STATE; j++) {
        d[j] = k->d[j] ? k->d[j] + begin * k->es : NULL;
    }
    k->kernel(d, end - begin, k->s);
}

#define PARALLEL_MIN_ELEMENTS (1 << 17)

static pl_status
check_group(const group_job *job)
{
    if (job->n < 0) {
        return pl_error_set(PL_ERR_RUNTIME, "optimizer: negative parameter count");
    }
    for (int64_t i = 0; i < job->n; i++) {
        pl_status st = pl_optim_check_param(job->params[i], i);
        if (st == PL_OK) {
            st = pl_optim_check_like(job->params[i], job->grads[i], "gradient", i);
        }
        for (int j = 0; j < MAX_STATE && st == PL_OK; j++) {
            if (job->state[j] != NULL) {
                st = pl_optim_check_like(job->params[i], job->state[j][i], job->state_name[j], i);
            }
        }
        if (st != PL_OK) {
            return st;
        }
    }
    return PL_OK;
}

/* Runs the kernel over one parameter's tensors t (param, grad, state slots or NULL). */
static pl_status
update_one(const group_job *job, pl_tensor *const *t, const scalars_buf *s, bool fast)
{
    pl_tensor *p = t[0];
    pl_flat_view v[2 + MAX_STATE];
    char *d[2 + MAX_STATE] = {0};
    pl_status st = PL_OK;
    int opened = 0;
    for (; opened < 2 + MAX_STATE; opened++) {
        if (t[opened] == NULL) {
            continue;
        }
        if ((st = pl_flat_view_open(&v[opened], t[opened])) != PL_OK) {
            break;
        }
        d[opened] = v[opened].data;
    }
    if (st == PL_OK) {
        kernel_fn k = job->kernels[(p->dtype == PL_FLOAT64) + 2 * fast];
        if (p->numel < PARALLEL_MIN_ELEMENTS) {
            k(d, p->numel, s);
        } else {
            chunk_ctx c = {k, d, (int64_t)pl_dtype_size(p->dtype), s};
            pl_parallel_for(p->numel, chunk_range, &c, PARALLEL_MIN_ELEMENTS / 2);
        }
    }
    for (int j = 0; j < opened; j++) {
        if (t[j] != NULL) {
            pl_flat_view_close(&v[j], st == PL_OK && j != 1);
        }
    }
    return st;
}

/* Validates the group, then updates parameter after parameter. */
static pl_status
run_group(const group_job *job)
{
    pl_status st = check_group(job);
    if (st != PL_OK) {
        return st;
    }
    bool fast = pl_optim_use_fma_build();
    for (int64_t i = 0; i < job->n; i++) {
        pl_tensor *p = job->params[i];
        scalars_buf s;
        job->prepare(job->ctx, i, p->dtype, &s);
        pl_tensor *t[2 + MAX_STATE] = {p, job->grads[i]};
        for (int j = 0; j < MAX_STATE; j++) {
            t[2 + j] = job->state[j] ? job->state[j][i] : NULL;
        }
        if (p->numel > 0 && (st = update_one(job, t, &s, fast)) != PL_OK) {
            return st; /* out of memory for a temporary: parameters before i are updated */
        }
        for (int b = 0; b < job->param_bumps; b++) {
            pl_tensor_bump_version(p);
        }
        for (int j = 0; j < MAX_STATE; j++) {
            for (int b = 0; t[2 + j] != NULL && b < job->state_bumps[j]; b++) {
                pl_tensor_bump_version(t[2 + j]);
            }
        }
    }
    return PL_OK;
}

/* The 0-dim float state of NAdam and ASGD. */
static pl_status
check_scalar_state(const pl_tensor *t, const char *what, int64_t i)
{
    if (t == NULL || t->numel != 1 || (t->dtype != PL_FLOAT32 && t->dtype != PL_FLOAT64)) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "optimizer: %s of parameter %lld must be a float32 or float64 "
                            "tensor of one element",
                            what, (long long)i);
    }
    return PL_OK;
}

static double
scalar_get(const pl_tensor *t)
{
    const char *x = pl_tensor_data(t);
    return t->dtype == PL_FLOAT32 ? (double)*(const float *)x : *(const double *)x;
}

static void
scalar_set(pl_tensor *t, double value)
{
    char *x = pl_tensor_data(t);
    if (t->dtype == PL_FLOAT32) {
        *(float *)x = (float)value;
    } else {
        *(double *)x = value;
    }
    pl_tensor_bump_version(t);
}

/* Each kernel body K(NAME, T, FMA, SQRT, FABS, ATTR) in its four builds. */
#ifdef PL_OPTIM_HAVE_FMA_BUILD
#define DEFINE_BUILDS(K, name)                                                                 \
    K(name##_f32_ref, float, fmaf, sqrtf, fabsf, )                                             \
    K(name##_f64_ref, double, fma, sqrt, fabs, )                                               \
    K(name##_f32_fma, float, fmaf, sqrtf, fabsf, PL_FMA_TARGET)                                \
    K(name##_f64_fma, double, fma, sqrt, fabs, PL_FMA_TARGET)
#define BUILDS(name) {name##_f32_ref, name##_f64_ref, name##_f32_fma, name##_f64_fma}
#else
#define DEFINE_BUILDS(K, name)                                                                 \
    K(name##_f32_ref, float, fmaf, sqrtf, fabsf, )                                             \
    K(name##_f64_ref, double, fma, sqrt, fabs, )
#define BUILDS(name) {name##_f32_ref, name##_f64_ref, name##_f32_ref, name##_f64_ref}
#endif

/* torch's lerp(a, end, w) with a scalar weight: w * (end - a) + a when |w| < 0.5, else
 * (w - 1) * (end - a) + end, one rounding each. SMALL is |w| < 0.5, WM1 is w - 1 in T. */
#define LERP(FMA, a, end, w, wm1, small)                                                      \
    ((small) ? FMA(w, (end) - (a), a) : FMA(wm1, (end) - (a), end))

/* ------------------------------------------------------------------------------------------ */
/* RMSprop                                                                                    */
/* ------------------------------------------------------------------------------------------ */

typedef struct rms_scalars {
    double wd, alpha, one_minus_alpha, eps, momentum, neg_lr;
    bool maximize, has_wd, centered, has_mom;
} rms_scalars;

/* d[2]: square_avg, d[3]: grad_avg (centered), d[4]: momentum_buffer (momentum > 0). */
#define RMS_KERNEL(NAME, T, FMA, SQRT, FABS, ATTR)                                             \
    ATTR static void NAME(char *const *d, int64_t n, const void *vs)                          \
    {                                                                                          \
        const rms_scalars *s = vs;                                                             \
        T *restrict p = (T *)d[0], *restrict sq = (T *)d[2], *restrict ga = (T *)d[3];         \
        T *restrict buf = (T *)d[4];                                                           \
        const T *restrict g = (const T *)d[1];                                                 \
        const T wd = (T)s->wd, al = (T)s->alpha, w = (T)s->one_minus_alpha, wm1 = w - (T)1;    \
        const T eps = (T)s->eps, mom = (T)s->momentum, nlr = (T)s->neg_lr;                     \
        const bool small = FABS(w) < (T)0.5, maximize = s->maximize, has_wd = s->has_wd;       \
        const bool centered = s->centered, has_mom = s->has_mom;                               \
        for (int64_t i = 0; i < n; i++) {                                                      \
            T gi = maximize ? -g[i] : g[i];                                                    \
            if (has_wd) {                                                                      \
                gi = FMA(p[i], wd, gi);                                                        \
            }                                                                                  \
            T v = FMA(w * gi, gi, sq[i] * al);                                                 \
            sq[i] = v;                                                                         \
            T avg;                                                                             \
            if (centered) {                                                                    \
                T m = LERP(FMA, ga[i], gi, w, wm1, small);                                     \
                ga[i] = m;                                                                     \
                avg = SQRT(FMA(-m, m, v));                                                     \
            } else {                                                                           \
                avg = SQRT(v);                                                                 \
            }                                                                                  \
            avg = avg + eps;                                                                   \
            if (has_mom) {                                                                     \
                T b = buf[i] * mom + gi / avg;                                                 \
                buf[i] = b;                                                                    \
                p[i] = FMA(b, nlr, p[i]);                                                      \
            } else {                                                                           \
                p[i] = p[i] + (nlr * gi) / avg;                                                \
            }                                                                                  \
        }                                                                                      \
    }
DEFINE_BUILDS(RMS_KERNEL, rms)

static void
rms_prepare(const void *ctx, int64_t i, pl_dtype dtype, void *out)
{
    (void)i, (void)dtype;
    memcpy(out, ctx, sizeof(rms_scalars));
}

pl_status
pl_rmsprop_step(pl_tensor *const *params, pl_tensor *const *grads,
                pl_tensor *const *square_avgs, pl_tensor *const *grad_avgs,
                pl_tensor *const *momentum_bufs, int64_t n, const pl_rmsprop_config *cfg)
{
    bool has_mom = cfg->momentum > 0.0;
    if (n > 0 && (square_avgs == NULL || (cfg->centered && grad_avgs == NULL) ||
                  (has_mom && momentum_bufs == NULL))) {
        return pl_error_set(PL_ERR_RUNTIME, "pl_rmsprop_step: missing state arrays");
    }
    rms_scalars s = {cfg->weight_decay, cfg->alpha, 1.0 - cfg->alpha, cfg->eps, cfg->momentum,
                     -cfg->lr, cfg->maximize, cfg->weight_decay != 0.0, cfg->centered, has_mom};
    group_job job = {
        n, params, grads,
        {square_avgs, cfg->centered ? grad_avgs : NULL, has_mom ? momentum_bufs : NULL},
        {"square_avg", "grad_avg", "momentum_buffer"},
        1, {2, 1, 2}, BUILDS(rms), rms_prepare, &s,
    };
    return run_group(&job);
}

/* ------------------------------------------------------------------------------------------ */
/* Adagrad                                                                                    */
/* ------------------------------------------------------------------------------------------ */

typedef struct adagrad_scalars {
    double wd, eps, neg_clr;
    bool maximize, has_wd;
} adagrad_scalars;

/* d[2]: sum. */
#define ADAGRAD_KERNEL(NAME, T, FMA, SQRT, FABS, ATTR)                                         \
    ATTR static void NAME(char *const *d, int64_t n, const void *vs)                          \
    {                                                                                          \
        const adagrad_scalars *s = vs;                                                         \
        T *restrict p = (T *)d[0], *restrict sum = (T *)d[2];                                  \
        const T *restrict g = (const T *)d[1];                                                 \
        const T wd = (T)s->wd, eps = (T)s->eps, nclr = (T)s->neg_clr;                          \
        const bool maximize = s->maximize, has_wd = s->has_wd;                                 \
        for (int64_t i = 0; i < n; i++) {                                                      \
            T gi = maximize ? -g[i] : g[i];                                                    \
            if (has_wd) {                                                                      \
                gi = FMA(p[i], wd, gi);                                                        \
            }                                                                                  \
            T acc = FMA(gi, gi, sum[i]);                                                       \
            sum[i] = acc;                                                                      \
            p[i] = p[i] + (nclr * gi) / (SQRT(acc) + eps);                                     \
        }                                                                                      \
    }
DEFINE_BUILDS(ADAGRAD_KERNEL, adagrad)

typedef struct adagrad_ctx {
    const pl_adagrad_config *cfg;
    const double *clrs;
} adagrad_ctx;

static void
adagrad_prepare(const void *vctx, int64_t i, pl_dtype dtype, void *out)
{
    (void)dtype;
    const adagrad_ctx *c = vctx;
    adagrad_scalars s = {c->cfg->weight_decay, c->cfg->eps, -c->clrs[i], c->cfg->maximize,
                         c->cfg->weight_decay != 0.0};
    memcpy(out, &s, sizeof s);
}

pl_status
pl_adagrad_step(pl_tensor *const *params, pl_tensor *const *grads, pl_tensor *const *sums,
                const double *clrs, int64_t n, const pl_adagrad_config *cfg)
{
    if (n > 0 && (sums == NULL || clrs == NULL)) {
        return pl_error_set(PL_ERR_RUNTIME, "pl_adagrad_step: missing state arrays");
    }
    adagrad_ctx c = {cfg, clrs};
    group_job job = {
        n, params, grads, {sums, NULL, NULL}, {"sum", NULL, NULL},
        1, {1, 0, 0}, BUILDS(adagrad), adagrad_prepare, &c,
    };
    return run_group(&job);
}

/* ------------------------------------------------------------------------------------------ */
/* Adadelta                                                                                   */
/* ------------------------------------------------------------------------------------------ */

typedef struct adadelta_scalars {
    double wd, rho, one_minus_rho, eps, neg_lr;
    bool maximize, has_wd;
} adadelta_scalars;

/* d[2]: square_avg, d[3]: acc_delta. */
#define ADADELTA_KERNEL(NAME, T, FMA, SQRT, FABS, ATTR)                                        \
    ATTR static void NAME(char *const *d, int64_t n, const void *vs)                          \
    {                                                                                          \
        const adadelta_scalars *s = vs;                                                        \
        T *restrict p = (T *)d[0], *restrict sq = (T *)d[2], *restrict acc = (T *)d[3];        \
        const T *restrict g = (const T *)d[1];                                                 \
        const T wd = (T)s->wd, rho = (T)s->rho, omr = (T)s->one_minus_rho, eps = (T)s->eps;    \
        const T nlr = (T)s->neg_lr;                                                            \
        const bool maximize = s->maximize, has_wd = s->has_wd;                                 \
        for (int64_t i = 0; i < n; i++) {                                                      \
            T gi = maximize ? -g[i] : g[i];                                                    \
            if (has_wd) {                                                                      \
                gi = FMA(p[i], wd, gi);                                                        \
            }                                                                                  \
            T v = FMA(omr * gi, gi, sq[i] * rho);                                              \
            sq[i] = v;                                                                         \
            T std = SQRT(v + eps);                                                             \
            T delta = (SQRT(acc[i] + eps) / std) * gi;                                         \
            acc[i] = FMA(omr * delta, delta, acc[i] * rho);                                    \
            p[i] = FMA(delta, nlr, p[i]);                                                      \
        }                                                                                      \
    }
DEFINE_BUILDS(ADADELTA_KERNEL, adadelta)

static void
adadelta_prepare(const void *ctx, int64_t i, pl_dtype dtype, void *out)
{
    (void)i, (void)dtype;
    memcpy(out, ctx, sizeof(adadelta_scalars));
}

pl_status
pl_adadelta_step(pl_tensor *const *params, pl_tensor *const *grads,
                 pl_tensor *const *square_avgs, pl_tensor *const *acc_deltas, int64_t n,
                 const pl_adadelta_config *cfg)
{
    if (n > 0 && (square_avgs == NULL || acc_deltas == NULL)) {
        return pl_error_set(PL_ERR_RUNTIME, "pl_adadelta_step: missing state arrays");
    }
    adadelta_scalars s = {cfg->weight_decay, cfg->rho, 1.0 - cfg->rho, cfg->eps, -cfg->lr,
                          cfg->maximize, cfg->weight_decay != 0.0};
    group_job job = {
        n, params, grads, {square_avgs, acc_deltas, NULL}, {"square_avg", "acc_delta", NULL},
        1, {2, 2, 0}, BUILDS(adadelta), adadelta_prepare, &s,
    };
    return run_group(&job);
}

/* ------------------------------------------------------------------------------------------ */
/* Adamax                                                                                     */
/* ------------------------------------------------------------------------------------------ */

typedef struct adamax_scalars {
    double wd, one_minus_beta1, beta2, eps, neg_clr;
    bool maximize, has_wd;
} adamax_scalars;

/* d[2]: exp_avg, d[3]: exp_inf. */
#define ADAMAX_KERNEL(NAME, T, FMA, SQRT, FABS, ATTR)                                          \
    ATTR static void NAME(char *const *d, int64_t n, const void *vs)                          \
    {                                                                                          \
        const adamax_scalars *s = vs;                                                          \
        T *restrict p = (T *)d[0], *restrict m = (T *)d[2], *restrict u = (T *)d[3];           \
        const T *restrict g = (const T *)d[1];                                                 \
        const T wd = (T)s->wd, w = (T)s->one_minus_beta1, wm1 = w - (T)1, b2 = (T)s->beta2;    \
        const T eps = (T)s->eps, nclr = (T)s->neg_clr;                                         \
        const bool small = FABS(w) < (T)0.5, maximize = s->maximize, has_wd = s->has_wd;       \
        for (int64_t i = 0; i < n; i++) {                                                      \
            T gi = maximize ? -g[i] : g[i];                                                    \
            if (has_wd) {                                                                      \
                gi = FMA(p[i], wd, gi);                                                        \
            }                                                                                  \
            T mi = LERP(FMA, m[i], gi, w, wm1, small);                                         \
            m[i] = mi;                                                                         \
            T decayed = u[i] * b2, fresh = FABS(gi) + eps;                                     \
            T ui = PL_NAN_MAX(decayed, fresh);                                                 \
            u[i] = ui;                                                                         \
            p[i] = p[i] + (nclr * mi) / ui;                                                    \
        }                                                                                      \
    }
DEFINE_BUILDS(ADAMAX_KERNEL, adamax)

typedef struct adamax_ctx {
    const pl_adamax_config *cfg;
    const double *clrs;
} adamax_ctx;

static void
adamax_prepare(const void *vctx, int64_t i, pl_dtype dtype, void *out)
{
    (void)dtype;
    const adamax_ctx *c = vctx;
    const pl_adamax_config *k = c->cfg;
    adamax_scalars s = {k->weight_decay, 1.0 - k->beta1, k->beta2, k->eps, -c->clrs[i],
                        k->maximize, k->weight_decay != 0.0};
    memcpy(out, &s, sizeof s);
}

pl_status
pl_adamax_step(pl_tensor *const *params, pl_tensor *const *grads, pl_tensor *const *exp_avgs,
               pl_tensor *const *exp_infs, const double *clrs, int64_t n,
               const pl_adamax_config *cfg)
{
    if (n > 0 && (exp_avgs == NULL || exp_infs == NULL || clrs == NULL)) {
        return pl_error_set(PL_ERR_RUNTIME, "pl_adamax_step: missing state arrays");
    }
    adamax_ctx c = {cfg, clrs};
    group_job job = {
        n, params, grads, {exp_avgs, exp_infs, NULL}, {"exp_avg", "exp_inf", NULL},
        1, {1, 2, 0}, BUILDS(adamax), adamax_prepare, &c,
    };
    return run_group(&job);
}

/* ------------------------------------------------------------------------------------------ */
/* NAdam and RAdam                                                                            */
/* ------------------------------------------------------------------------------------------ */

/* The steps both share: weight decay (coupled or decoupled), the two moment updates. */
typedef struct moments_scalars {
    double decay, wd, one_minus_beta1, beta2, one_minus_beta2, eps;
    bool maximize, coupled_wd, decoupled_wd;
} moments_scalars;

typedef struct nadam_scalars {
    moments_scalars m;
    double bias_correction2, v1, v2;
} nadam_scalars;

typedef struct radam_scalars {
    moments_scalars m;
    double lr, bias_correction1, bc2_sqrt, rect;
} radam_scalars;

/* Opens a kernel body for either: locals p, g, m, v, the moments' scalars in T, and the loop
 * head computing gi (the decayed gradient) and the new exp_avg mi and exp_avg_sq vi. */
#define MOMENTS_PROLOGUE(T, FMA, FABS)                                                         \
    T *restrict p = (T *)d[0], *restrict m = (T *)d[2], *restrict v = (T *)d[3];               \
    const T *restrict g = (const T *)d[1];                                                     \
    const T decay = (T)s->m.decay, wd = (T)s->m.wd, w = (T)s->m.one_minus_beta1;               \
    const T wm1 = w - (T)1, b2 = (T)s->m.beta2, omb2 = (T)s->m.one_minus_beta2;                \
    const T eps = (T)s->m.eps;                                                                 \
    const bool small = FABS(w) < (T)0.5, maximize = s->m.maximize;                             \
    const bool coupled = s->m.coupled_wd, decoupled = s->m.decoupled_wd

#define MOMENTS_STEP(T, FMA)                                                                   \
    T gi = maximize ? -g[i] : g[i];                                                            \
    if (decoupled) {                                                                           \
        p[i] = p[i] * decay;                                                                   \
    } else if (coupled) {                                                                      \
        gi = FMA(p[i], wd, gi);                                                                \
    }                                                                                          \
    T mi = LERP(FMA, m[i], gi, w, wm1, small);                                                 \
    m[i] = mi;                                                                                 \
    T vi = FMA(omb2 * gi, gi, v[i] * b2);                                                      \
    v[i] = vi

/* d[2]: exp_avg, d[3]: exp_avg_sq. */
#define NADAM_KERNEL(NAME, T, FMA, SQRT, FABS, ATTR)                                           \
    ATTR static void NAME(char *const *d, int64_t n, const void *vs)                          \
    {                                                                                          \
        const nadam_scalars *s = vs;                                                           \
        MOMENTS_PROLOGUE(T, FMA, FABS);                                                        \
        const T bc2 = (T)s->bias_correction2, v1 = (T)s->v1, v2 = (T)s->v2;                    \
        for (int64_t i = 0; i < n; i++) {                                                      \
            MOMENTS_STEP(T, FMA);                                                              \
            T denom = SQRT(vi / bc2) + eps;                                                    \
            T q = p[i] + (v1 * gi) / denom;                                                    \
            p[i] = q + (v2 * mi) / denom;                                                      \
        }                                                                                      \
    }
DEFINE_BUILDS(NADAM_KERNEL, nadam)

/* d[2]: exp_avg, d[3]: exp_avg_sq. */
#define RADAM_KERNEL(NAME, T, FMA, SQRT, FABS, ATTR)                                           \
    ATTR static void NAME(char *const *d, int64_t n, const void *vs)                          \
    {                                                                                          \
        const radam_scalars *s = vs;                                                           \
        MOMENTS_PROLOGUE(T, FMA, FABS);                                                        \
        const T lr = (T)s->lr, bc1 = (T)s->bias_correction1, bc2s = (T)s->bc2_sqrt;            \
        const T rect = (T)s->rect;                                                             \
        const bool rectify = s->rect != 0.0;                                                   \
        for (int64_t i = 0; i < n; i++) {                                                      \
            MOMENTS_STEP(T, FMA);                                                              \
            T c = mi / bc1;                                                                    \
            T update;                                                                          \
            if (rectify) {                                                                     \
                T adaptive = ((T)1 / (SQRT(vi) + eps)) * bc2s;                                 \
                update = ((c * lr) * adaptive) * rect;                                         \
            } else {                                                                           \
                update = c * lr;                                                               \
            }                                                                                  \
            p[i] = p[i] - update;                                                              \
        }                                                                                      \
    }
DEFINE_BUILDS(RADAM_KERNEL, radam)

static moments_scalars
moments_for(double lr, double beta1, double beta2, double eps, double wd, bool decoupled,
            bool maximize)
{
    moments_scalars m = {1.0 - lr * wd, wd, 1.0 - beta1, beta2, 1.0 - beta2, eps, maximize,
                         wd != 0.0 && !decoupled, wd != 0.0 && decoupled};
    return m;
}

typedef struct nadam_ctx {
    const pl_nadam_config *cfg;
    pl_tensor *const *mu_products;
    const double *bc2s, *mus, *mu_nexts;
} nadam_ctx;

static void
nadam_prepare(const void *vctx, int64_t i, pl_dtype dtype, void *out)
{
    (void)dtype;
    const nadam_ctx *c = vctx;
    const pl_nadam_config *k = c->cfg;
    double mu = c->mus[i], mu_next = c->mu_nexts[i];
    /* mu_product *= mu, in the 0-dim tensor's dtype */
    pl_tensor *mp = c->mu_products[i];
    double prod = mp->dtype == PL_FLOAT32 ? (double)((float)scalar_get(mp) * (float)mu)
                                          : scalar_get(mp) * mu;
    scalar_set(mp, prod);
    prod = scalar_get(mp);
    double lr = k->lr;
    nadam_scalars s;
    s.m = moments_for(lr, k->beta1, k->beta2, k->eps, k->weight_decay,
                      k->decoupled_weight_decay, k->maximize);
    s.bias_correction2 = c->bc2s[i];
    s.v1 = -lr * (1.0 - mu) / (1.0 - prod);
    s.v2 = (-lr * mu_next) / (1.0 - prod * mu_next);
    memcpy(out, &s, sizeof s);
}

pl_status
pl_nadam_step(pl_tensor *const *params, pl_tensor *const *grads, pl_tensor *const *exp_avgs,
              pl_tensor *const *exp_avg_sqs, pl_tensor *const *mu_products,
              const double *bias_correction2s, const double *mus, const double *mu_nexts,
              int64_t n, const pl_nadam_config *cfg)
{
    if (n > 0 && (exp_avgs == NULL || exp_avg_sqs == NULL || mu_products == NULL ||
                  bias_correction2s == NULL || mus == NULL || mu_nexts == NULL)) {
        return pl_error_set(PL_ERR_RUNTIME, "pl_nadam_step: missing state arrays");
    }
    for (int64_t i = 0; i < n; i++) {
        pl_status st = check_scalar_state(mu_products[i], "mu_product", i);
        if (st != PL_OK) {
            return st;
        }
    }
    nadam_ctx c = {cfg, mu_products, bias_correction2s, mus, mu_nexts};
    bool decoupled = cfg->weight_decay != 0.0 && cfg->decoupled_weight_decay;
    group_job job = {
        n, params, grads, {exp_avgs, exp_avg_sqs, NULL}, {"exp_avg", "exp_avg_sq", NULL},
        decoupled ? 3 : 2, {1, 2, 0}, BUILDS(nadam), nadam_prepare, &c,
    };
    return run_group(&job);
}

typedef struct radam_ctx {
    const pl_radam_config *cfg;
    const double *bc1s, *bc2_sqrts, *rects;
} radam_ctx;

static void
radam_prepare(const void *vctx, int64_t i, pl_dtype dtype, void *out)
{
    (void)dtype;
    const radam_ctx *c = vctx;
    const pl_radam_config *k = c->cfg;
    radam_scalars s;
    s.m = moments_for(k->lr, k->beta1, k->beta2, k->eps, k->weight_decay,
                      k->decoupled_weight_decay, k->maximize);
    s.lr = k->lr;
    s.bias_correction1 = c->bc1s[i];
    s.bc2_sqrt = c->bc2_sqrts[i];
    s.rect = c->rects[i];
    memcpy(out, &s, sizeof s);
}

pl_status
pl_radam_step(pl_tensor *const *params, pl_tensor *const *grads, pl_tensor *const *exp_avgs,
              pl_tensor *const *exp_avg_sqs, const double *bias_correction1s,
              const double *bc2_sqrts, const double *rects, int64_t n,
              const pl_radam_config *cfg)
{
    if (n > 0 && (exp_avgs == NULL || exp_avg_sqs == NULL || bias_correction1s == NULL ||
                  bc2_sqrts == NULL || rects == NULL)) {
        return pl_error_set(PL_ERR_RUNTIME, "pl_radam_step: missing state arrays");
    }
    radam_ctx c = {cfg, bias_correction1s, bc2_sqrts, rects};
    bool decoupled = cfg->weight_decay != 0.0 && cfg->decoupled_weight_decay;
    group_job job = {
        n, params, grads, {exp_avgs, exp_avg_sqs, NULL}, {"exp_avg", "exp_avg_sq", NULL},
        decoupled ? 2 : 1, {1, 2, 0}, BUILDS(radam), radam_prepare, &c,
    };
    return run_group(&job);
}

/* ------------------------------------------------------------------------------------------ */
/* ASGD                                                                                       */
/* ------------------------------------------------------------------------------------------ */

typedef struct asgd_scalars {
    double wd, decay, neg_eta, mu;
    bool maximize, has_wd, averaging;
} asgd_scalars;

/* d[2]: ax. */
#define ASGD_KERNEL(NAME, T, FMA, SQRT, FABS, ATTR)                                            \
    ATTR static void NAME(char *const *d, int64_t n, const void *vs)                          \
    {                                                                                          \
        const asgd_scalars *s = vs;                                                            \
        T *restrict p = (T *)d[0], *restrict ax = (T *)d[2];                                   \
        const T *restrict g = (const T *)d[1];                                                 \
        const T wd = (T)s->wd, decay = (T)s->decay, neta = (T)s->neg_eta, mu = (T)s->mu;       \
        const bool maximize = s->maximize, has_wd = s->has_wd, averaging = s->averaging;       \
        for (int64_t i = 0; i < n; i++) {                                                      \
            T gi = maximize ? -g[i] : g[i];                                                    \
            if (has_wd) {                                                                      \
                gi = FMA(p[i], wd, gi);                                                        \
            }                                                                                  \
            T q = FMA(gi, neta, p[i] * decay);                                                 \
            p[i] = q;                                                                          \
            ax[i] = averaging ? ax[i] + (q - ax[i]) * mu : q;                                  \
        }                                                                                      \
    }
DEFINE_BUILDS(ASGD_KERNEL, asgd)

typedef struct asgd_ctx {
    const pl_asgd_config *cfg;
    pl_tensor *const *etas, *const *mus;
    const double *new_etas, *new_mus;
} asgd_ctx;

static void
asgd_prepare(const void *vctx, int64_t i, pl_dtype dtype, void *out)
{
    (void)dtype;
    const asgd_ctx *c = vctx;
    double eta = scalar_get(c->etas[i]), mu = scalar_get(c->mus[i]);
    asgd_scalars s = {c->cfg->weight_decay, 1.0 - c->cfg->lambd * eta, -eta, mu,
                      c->cfg->maximize, c->cfg->weight_decay != 0.0, mu != 1.0};
    memcpy(out, &s, sizeof s);
    scalar_set(c->etas[i], c->new_etas[i]);
    scalar_set(c->mus[i], c->new_mus[i]);
}

pl_status
pl_asgd_step(pl_tensor *const *params, pl_tensor *const *grads, pl_tensor *const *axs,
             pl_tensor *const *etas, pl_tensor *const *mus, const double *new_etas,
             const double *new_mus, int64_t n, const pl_asgd_config *cfg)
{
    if (n > 0 && (axs == NULL || etas == NULL || mus == NULL || new_etas == NULL ||
                  new_mus == NULL)) {
        return pl_error_set(PL_ERR_RUNTIME, "pl_asgd_step: missing state arrays");
    }
    for (int64_t i = 0; i < n; i++) {
        pl_status st = check_scalar_state(etas[i], "eta", i);
        if (st == PL_OK) {
            st = check_scalar_state(mus[i], "mu", i);
        }
        if (st != PL_OK) {
            return st;
        }
    }
    asgd_ctx c = {cfg, etas, mus, new_etas, new_mus};
    group_job job = {
        n, params, grads, {axs, NULL, NULL}, {"ax", NULL, NULL},
        2, {1, 0, 0}, BUILDS(asgd), asgd_prepare, &c,
    };
    return run_group(&job);
}

/* ------------------------------------------------------------------------------------------ */
/* Rprop                                                                                      */
/* ------------------------------------------------------------------------------------------ */

typedef struct rprop_scalars {
    double etaminus, etaplus, lo, hi;
    bool maximize;
} rprop_scalars;

/* torch.sign: 0 for zeros and NaN. */
#define SIGN(T, x) ((x) > (T)0 ? (T)1 : ((x) < (T)0 ? (T)-1 : (T)0))

/* d[2]: prev, d[3]: step_size. */
#define RPROP_KERNEL(NAME, T, FMA, SQRT, FABS, ATTR)                                           \
    ATTR static void NAME(char *const *d, int64_t n, const void *vs)                          \
    {                                                                                          \
        const rprop_scalars *s = vs;                                                           \
        T *restrict p = (T *)d[0], *restrict prev = (T *)d[2], *restrict ss = (T *)d[3];       \
        const T *restrict g = (const T *)d[1];                                                 \
        const T em = (T)s->etaminus, ep = (T)s->etaplus, lo = (T)s->lo, hi = (T)s->hi;         \
        const bool maximize = s->maximize;                                                     \
        for (int64_t i = 0; i < n; i++) {                                                      \
            T gi = maximize ? -g[i] : g[i];                                                    \
            T sg = SIGN(T, gi * prev[i]);                                                      \
            T f = sg > (T)0 ? ep : (sg < (T)0 ? em : (T)1);                                    \
            T st = ss[i] * f;                                                                  \
            st = st < lo ? lo : st; /* clamp; a NaN step size stays NaN */                     \
            st = st > hi ? hi : st;                                                            \
            ss[i] = st;                                                                        \
            if (f == em) {                                                                     \
                gi = (T)0;                                                                     \
            }                                                                                  \
            p[i] = FMA(-SIGN(T, gi), st, p[i]);                                                \
            prev[i] = gi;                                                                      \
        }                                                                                      \
    }
DEFINE_BUILDS(RPROP_KERNEL, rprop)

static void
rprop_prepare(const void *ctx, int64_t i, pl_dtype dtype, void *out)
{
    (void)i, (void)dtype;
    memcpy(out, ctx, sizeof(rprop_scalars));
}

pl_status
pl_rprop_step(pl_tensor *const *params, pl_tensor *const *grads, pl_tensor *const *prevs,
              pl_tensor *const *step_sizes, int64_t n, const pl_rprop_config *cfg)
{
    if (n > 0 && (prevs == NULL || step_sizes == NULL)) {
        return pl_error_set(PL_ERR_RUNTIME, "pl_rprop_step: missing state arrays");
    }
    rprop_scalars s = {cfg->etaminus, cfg->etaplus, cfg->step_size_min, cfg->step_size_max,
                       cfg->maximize};
    group_job job = {
        n, params, grads, {prevs, step_sizes, NULL}, {"prev", "step_size", NULL},
        1, {1, 2, 0}, BUILDS(rprop), rprop_prepare, &s,
    };
    return run_group(&job);
}
