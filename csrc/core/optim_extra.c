/* optim_extra.c — fused update rules of RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam, ASGD
 * and Rprop over a whole parameter group (contract and formulas in optim_extra.h).
 *
 * Each rule is a kernel (its SETUP and STEP, or a scalar body) and a `prepare` step for the
 * group driver of optim_group.h, which validates, gathers, splits and bumps versions. NAdam's
 * mu_product and ASGD's eta and mu, 0-dim tensors, are updated in `prepare`.
 *
 * Numerics as in optim.c: fma/fmaf exactly where torch's CPU kernels fuse a multiply-add,
 * every other operation rounded on its own (the file is built with -ffp-contract=off), Python
 * numbers cast once from double to the tensor dtype. Each kernel body is compiled twice, plain
 * (the reference) and for AVX2+FMA; both give the same bits.
 */
#include "optim_extra.h"
#include "optim_group.h"

#include <math.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* RMSprop                                                                                    */
/* ------------------------------------------------------------------------------------------ */

typedef struct rms_scalars {
    double wd, alpha, one_minus_alpha, eps, momentum, neg_lr;
    bool maximize, has_wd, centered, has_mom;
} rms_scalars;

/* s0: square_avg, s1: grad_avg (centered), s2: momentum_buffer (momentum > 0). */
#define RMS_SETUP(O)                                                                           \
    const rms_scalars *s = vs;                                                                 \
    LANE_POINTERS(O);                                                                          \
    const O##_T wd = O##_K(s->wd), al = O##_K(s->alpha), w = O##_K(s->one_minus_alpha);        \
    const O##_T wm1 = w - O##_K(1), eps = O##_K(s->eps), mom = O##_K(s->momentum);             \
    const O##_T nlr = O##_K(s->neg_lr);                                                        \
    const bool small = SMALL_WEIGHT(O, s->one_minus_alpha), maximize = s->maximize;            \
    const bool has_wd = s->has_wd, centered = s->centered, has_mom = s->has_mom

#define RMS_STEP(O)                                                                            \
    O##_T gi = maximize ? -O##_LD(g) : O##_LD(g);                                              \
    if (has_wd) {                                                                              \
        gi = O##_FMA(O##_LD(p), wd, gi);                                                       \
    }                                                                                          \
    O##_T avg;                                                                                 \
    if (phase != PL_PHASE_FINISH) {                                                            \
        O##_T v = O##_FMA(w * gi, gi, O##_LD(s0) * al);                                        \
        O##_ST(s0, v);                                                                         \
        if (centered) {                                                                        \
            O##_T m = LERP(O##_FMA, O##_LD(s1), gi, w, wm1, small);                            \
            O##_ST(s1, m);                                                                     \
            v = O##_FMA(-m, m, v);                                                             \
        }                                                                                      \
        if (phase == PL_PHASE_ARGS) {                                                          \
            O##_ST(r0, v);                                                                     \
            continue;                                                                          \
        }                                                                                      \
        avg = O##_SQRT(v);                                                                     \
    } else {                                                                                   \
        avg = O##_LD(r0);                                                                      \
    }                                                                                          \
    avg = avg + eps;                                                                           \
    if (has_mom) {                                                                             \
        O##_T b = O##_LD(s2) * mom + gi / avg;                                                 \
        O##_ST(s2, b);                                                                         \
        O##_ST(p, O##_FMA(b, nlr, O##_LD(p)));                                                 \
    } else {                                                                                   \
        O##_ST(p, O##_LD(p) + (nlr * gi) / avg);                                               \
    }
DEFINE_LANE_BUILDS(RMS_SETUP, RMS_STEP, rms)

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
    pl_optim_group job = {
        n, params, grads,
        {square_avgs, cfg->centered ? grad_avgs : NULL, has_mom ? momentum_bufs : NULL},
        {"square_avg", "grad_avg", "momentum_buffer"},
        1, {2, 1, 2}, BUILDS(rms), rms_prepare, &s, 1,
    };
    return pl_optim_run_group(&job);
}

/* ------------------------------------------------------------------------------------------ */
/* Adagrad                                                                                    */
/* ------------------------------------------------------------------------------------------ */

typedef struct adagrad_scalars {
    double wd, eps, neg_clr;
    bool maximize, has_wd;
} adagrad_scalars;

/* s0: sum. */
#define ADAGRAD_SETUP(O)                                                                       \
    const adagrad_scalars *s = vs;                                                             \
    LANE_POINTERS(O);                                                                          \
    const O##_T wd = O##_K(s->wd), eps = O##_K(s->eps), nclr = O##_K(s->neg_clr);             \
    const bool maximize = s->maximize, has_wd = s->has_wd

#define ADAGRAD_STEP(O)                                                                        \
    O##_T gi = maximize ? -O##_LD(g) : O##_LD(g);                                              \
    if (has_wd) {                                                                              \
        gi = O##_FMA(O##_LD(p), wd, gi);                                                       \
    }                                                                                          \
    O##_T root;                                                                                \
    if (phase != PL_PHASE_FINISH) {                                                            \
        O##_T acc = O##_FMA(gi, gi, O##_LD(s0));                                               \
        O##_ST(s0, acc);                                                                       \
        if (phase == PL_PHASE_ARGS) {                                                          \
            O##_ST(r0, acc);                                                                   \
            continue;                                                                          \
        }                                                                                      \
        root = O##_SQRT(acc);                                                                  \
    } else {                                                                                   \
        root = O##_LD(r0);                                                                     \
    }                                                                                          \
    O##_ST(p, O##_LD(p) + (nclr * gi) / (root + eps))
DEFINE_LANE_BUILDS(ADAGRAD_SETUP, ADAGRAD_STEP, adagrad)

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
    pl_optim_group job = {
        n, params, grads, {sums, NULL, NULL}, {"sum", NULL, NULL},
        1, {1, 0, 0}, BUILDS(adagrad), adagrad_prepare, &c, 1,
    };
    return pl_optim_run_group(&job);
}

/* ------------------------------------------------------------------------------------------ */
/* Adadelta                                                                                   */
/* ------------------------------------------------------------------------------------------ */

typedef struct adadelta_scalars {
    double wd, rho, one_minus_rho, eps, neg_lr;
    bool maximize, has_wd;
} adadelta_scalars;

/* s0: square_avg, s1: acc_delta. */
#define ADADELTA_SETUP(O)                                                                      \
    const adadelta_scalars *s = vs;                                                            \
    LANE_POINTERS(O);                                                                          \
    const O##_T wd = O##_K(s->wd), rho = O##_K(s->rho), omr = O##_K(s->one_minus_rho);         \
    const O##_T eps = O##_K(s->eps), nlr = O##_K(s->neg_lr);                                   \
    const bool maximize = s->maximize, has_wd = s->has_wd

#define ADADELTA_STEP(O)                                                                       \
    O##_T gi = maximize ? -O##_LD(g) : O##_LD(g);                                              \
    if (has_wd) {                                                                              \
        gi = O##_FMA(O##_LD(p), wd, gi);                                                       \
    }                                                                                          \
    O##_T acc = O##_LD(s1), std, root;                                                         \
    if (phase != PL_PHASE_FINISH) {                                                            \
        O##_T v = O##_FMA(omr * gi, gi, O##_LD(s0) * rho);                                     \
        O##_ST(s0, v);                                                                         \
        if (phase == PL_PHASE_ARGS) {                                                          \
            O##_ST(r0, v + eps);                                                               \
            O##_ST(r1, acc + eps);                                                             \
            continue;                                                                          \
        }                                                                                      \
        std = O##_SQRT(v + eps);                                                               \
        root = O##_SQRT(acc + eps);                                                            \
    } else {                                                                                   \
        std = O##_LD(r0);                                                                      \
        root = O##_LD(r1);                                                                     \
    }                                                                                          \
    O##_T delta = (root / std) * gi;                                                           \
    O##_ST(s1, O##_FMA(omr * delta, delta, acc * rho));                                        \
    O##_ST(p, O##_FMA(delta, nlr, O##_LD(p)))
DEFINE_LANE_BUILDS(ADADELTA_SETUP, ADADELTA_STEP, adadelta)

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
    pl_optim_group job = {
        n, params, grads, {square_avgs, acc_deltas, NULL}, {"square_avg", "acc_delta", NULL},
        1, {2, 2, 0}, BUILDS(adadelta), adadelta_prepare, &s, 2,
    };
    return pl_optim_run_group(&job);
}

/* ------------------------------------------------------------------------------------------ */
/* Adamax                                                                                     */
/* ------------------------------------------------------------------------------------------ */

typedef struct adamax_scalars {
    double wd, one_minus_beta1, beta2, eps, neg_clr;
    bool maximize, has_wd;
} adamax_scalars;

/* s0: exp_avg, s1: exp_inf. */
#define ADAMAX_SETUP(O)                                                                        \
    const adamax_scalars *s = vs;                                                              \
    LANE_POINTERS(O);                                                                          \
    const O##_T wd = O##_K(s->wd), w = O##_K(s->one_minus_beta1), wm1 = w - O##_K(1);          \
    const O##_T b2 = O##_K(s->beta2), eps = O##_K(s->eps), nclr = O##_K(s->neg_clr);          \
    const bool small = SMALL_WEIGHT(O, s->one_minus_beta1), maximize = s->maximize;            \
    const bool has_wd = s->has_wd

#define ADAMAX_STEP(O)                                                                         \
    O##_T gi = maximize ? -O##_LD(g) : O##_LD(g);                                              \
    if (has_wd) {                                                                              \
        gi = O##_FMA(O##_LD(p), wd, gi);                                                       \
    }                                                                                          \
    O##_T mi = LERP(O##_FMA, O##_LD(s0), gi, w, wm1, small);                                   \
    O##_ST(s0, mi);                                                                            \
    O##_T ui = O##_NMAX(O##_LD(s1) * b2, O##_FABS(gi) + eps);                                  \
    O##_ST(s1, ui);                                                                            \
    O##_ST(p, O##_LD(p) + (nclr * mi) / ui)
DEFINE_LANE_BUILDS(ADAMAX_SETUP, ADAMAX_STEP, adamax)

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
    pl_optim_group job = {
        n, params, grads, {exp_avgs, exp_infs, NULL}, {"exp_avg", "exp_inf", NULL},
        1, {1, 2, 0}, BUILDS(adamax), adamax_prepare, &c, 0,
    };
    return pl_optim_run_group(&job);
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

/* What both set up: pointers (s0: exp_avg, s1: exp_avg_sq) and the moments' constants. */
#define MOMENTS_SETUP(O)                                                                       \
    LANE_POINTERS(O);                                                                          \
    const O##_T decay = O##_K(s->m.decay), wd = O##_K(s->m.wd);                                \
    const O##_T w = O##_K(s->m.one_minus_beta1), wm1 = w - O##_K(1);                           \
    const O##_T b2 = O##_K(s->m.beta2), omb2 = O##_K(s->m.one_minus_beta2);                    \
    const O##_T eps = O##_K(s->m.eps);                                                         \
    const bool small = SMALL_WEIGHT(O, s->m.one_minus_beta1), maximize = s->m.maximize;        \
    const bool coupled = s->m.coupled_wd, decoupled = s->m.decoupled_wd

/* The decayed gradient gi, the new exp_avg mi and exp_avg_sq vi; p holds the decayed
 * parameter pi (written back by the caller's step). */
#define MOMENTS_STEP(O)                                                                        \
    O##_T gi = maximize ? -O##_LD(g) : O##_LD(g);                                              \
    O##_T pi = O##_LD(p), mi, vi;                                                              \
    if (phase == PL_PHASE_FINISH) { /* the ARGS pass decayed p and stored the moments */      \
        if (coupled) gi = O##_FMA(pi, wd, gi);                                                 \
        mi = O##_LD(s0);                                                                       \
        vi = O##_LD(s1);                                                                       \
    } else {                                                                                   \
        if (decoupled) {                                                                       \
            pi = pi * decay;                                                                   \
        } else if (coupled) {                                                                  \
            gi = O##_FMA(pi, wd, gi);                                                          \
        }                                                                                      \
        mi = LERP(O##_FMA, O##_LD(s0), gi, w, wm1, small);                                     \
        O##_ST(s0, mi);                                                                        \
        vi = O##_FMA(omb2 * gi, gi, O##_LD(s1) * b2);                                          \
        O##_ST(s1, vi);                                                                        \
    }

/* sqrt(ARG) of a moments rule in its phase (the ARGS pass stores ARG and the decayed p, and
 * goes on with the next element) */
#define MOMENTS_ROOT(O, root, ARG)                                                             \
    if (phase == PL_PHASE_ARGS) {                                                              \
        O##_ST(r0, ARG);                                                                       \
        O##_ST(p, pi);                                                                         \
        continue;                                                                              \
    }                                                                                          \
    O##_T root = phase == PL_PHASE_FINISH ? O##_LD(r0) : O##_SQRT(ARG)

#define NADAM_SETUP(O)                                                                         \
    const nadam_scalars *s = vs;                                                               \
    MOMENTS_SETUP(O);                                                                          \
    const O##_T bc2 = O##_K(s->bias_correction2), v1 = O##_K(s->v1), v2 = O##_K(s->v2)

#define NADAM_STEP(O)                                                                          \
    MOMENTS_STEP(O);                                                                           \
    MOMENTS_ROOT(O, root, vi / bc2);                                                           \
    O##_T denom = root + eps;                                                                  \
    O##_T q = pi + (v1 * gi) / denom;                                                          \
    O##_ST(p, q + (v2 * mi) / denom)
DEFINE_LANE_BUILDS(NADAM_SETUP, NADAM_STEP, nadam)

#define RADAM_SETUP(O)                                                                         \
    const radam_scalars *s = vs;                                                               \
    MOMENTS_SETUP(O);                                                                          \
    const O##_T lr = O##_K(s->lr), bc1 = O##_K(s->bias_correction1);                           \
    const O##_T bc2s = O##_K(s->bc2_sqrt), rect = O##_K(s->rect), one = O##_K(1);              \
    const bool rectify = s->rect != 0.0

#define RADAM_STEP(O)                                                                          \
    MOMENTS_STEP(O);                                                                           \
    O##_T c = mi / bc1;                                                                        \
    O##_T update;                                                                              \
    if (rectify) {                                                                             \
        MOMENTS_ROOT(O, root, vi);                                                             \
        O##_T adaptive = (one / (root + eps)) * bc2s;                                          \
        update = ((c * lr) * adaptive) * rect;                                                 \
    } else { /* no root: the ARGS pass completes the step, FINISH leaves it */                \
        if (phase == PL_PHASE_FINISH) continue;                                                \
        if (phase == PL_PHASE_ARGS) O##_ST(r0, vi);                                            \
        update = c * lr;                                                                       \
    }                                                                                          \
    O##_ST(p, pi - update)
DEFINE_LANE_BUILDS(RADAM_SETUP, RADAM_STEP, radam)

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
    double prod = mp->dtype == PL_FLOAT32 ? (double)((float)pl_optim_scalar_get(mp) * (float)mu)
                                          : pl_optim_scalar_get(mp) * mu;
    pl_optim_scalar_set(mp, prod);
    prod = pl_optim_scalar_get(mp);
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
        pl_status st = pl_optim_check_scalar_state(mu_products[i], "mu_product", i);
        if (st != PL_OK) {
            return st;
        }
    }
    nadam_ctx c = {cfg, mu_products, bias_correction2s, mus, mu_nexts};
    bool decoupled = cfg->weight_decay != 0.0 && cfg->decoupled_weight_decay;
    pl_optim_group job = {
        n, params, grads, {exp_avgs, exp_avg_sqs, NULL}, {"exp_avg", "exp_avg_sq", NULL},
        decoupled ? 3 : 2, {1, 2, 0}, BUILDS(nadam), nadam_prepare, &c, 1,
    };
    return pl_optim_run_group(&job);
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
    pl_optim_group job = {
        n, params, grads, {exp_avgs, exp_avg_sqs, NULL}, {"exp_avg", "exp_avg_sq", NULL},
        decoupled ? 2 : 1, {1, 2, 0}, BUILDS(radam), radam_prepare, &c, 1,
    };
    return pl_optim_run_group(&job);
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
    ATTR static void NAME(char *const *d, int64_t n, const void *vs, int phase)               \
    {                                                                                          \
        const asgd_scalars *s = vs; /* (no roots: phase is always PL_PHASE_ALL) */             \
        (void)phase;                                                                           \
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
    double eta = pl_optim_scalar_get(c->etas[i]), mu = pl_optim_scalar_get(c->mus[i]);
    asgd_scalars s = {c->cfg->weight_decay, 1.0 - c->cfg->lambd * eta, -eta, mu,
                      c->cfg->maximize, c->cfg->weight_decay != 0.0, mu != 1.0};
    memcpy(out, &s, sizeof s);
    pl_optim_scalar_set(c->etas[i], c->new_etas[i]);
    pl_optim_scalar_set(c->mus[i], c->new_mus[i]);
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
        pl_status st = pl_optim_check_scalar_state(etas[i], "eta", i);
        if (st == PL_OK) {
            st = pl_optim_check_scalar_state(mus[i], "mu", i);
        }
        if (st != PL_OK) {
            return st;
        }
    }
    asgd_ctx c = {cfg, etas, mus, new_etas, new_mus};
    pl_optim_group job = {
        n, params, grads, {axs, NULL, NULL}, {"ax", NULL, NULL},
        2, {1, 0, 0}, BUILDS(asgd), asgd_prepare, &c, 0,
    };
    return pl_optim_run_group(&job);
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
    ATTR static void NAME(char *const *d, int64_t n, const void *vs, int phase)               \
    {                                                                                          \
        const rprop_scalars *s = vs;                                                           \
        (void)phase;                                                                           \
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
    pl_optim_group job = {
        n, params, grads, {prevs, step_sizes, NULL}, {"prev", "step_size", NULL},
        1, {1, 2, 0}, BUILDS(rprop), rprop_prepare, &s, 0,
    };
    return pl_optim_run_group(&job);
}
