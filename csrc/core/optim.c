/* optim.c — fused optimizer update rules (SGD, Adam/AdamW) over a whole parameter group.
 *
 * Each rule validates the whole group first, then updates parameter after parameter with
 * the operations of torch.optim's single-tensor CPU path. Where torch's CPU kernels round a
 * multiply-add once (Tensor.add(other, alpha=), addcmul, lerp), we call fma/fmaf; every
 * other operation is rounded on its own (the file is compiled with -ffp-contract=off).
 * Scalars are converted to the tensor dtype the way torch converts a Python number for an
 * op on a float32 tensor: computed in double, then cast once.
 *
 * Kernels come in two builds: a plain one (the reference, always available) and, on x86-64
 * with GCC/Clang, one compiled for AVX2+FMA where fmaf is one instruction, chosen at run time:
 * SGD's from the same body (plus an AVX2 loop for its common case), Adam's written on the
 * vector lane sets of optim_group.h. Both give the same bits (fma is exact either way, and
 * every vector operation is its lanes' IEEE operation).
 */
#include "optim.h"
#include "optim_group.h"
#include "optim_internal.h"
#include "parallel.h"
#include "vml.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------------------------ */
/* Strided access: a tensor's elements as one contiguous run.                                 */
/* ------------------------------------------------------------------------------------------ */

/* Copies between a strided view and a contiguous buffer, in row-major logical order.
 * to_flat: view -> buf, else buf -> view. */
static void
strided_copy(pl_tensor *t, char *buf, bool to_flat)
{
    size_t es = pl_dtype_size(t->dtype);
    int64_t idx[PL_MAX_DIMS] = {0};
    char *base = pl_tensor_data(t);
    for (int64_t i = 0; i < t->numel; i++) {
        int64_t off = 0;
        for (int d = 0; d < t->ndim; d++) {
            off += idx[d] * t->strides[d];
        }
        if (to_flat) {
            memcpy(buf + i * (int64_t)es, base + off * (int64_t)es, es);
        } else {
            memcpy(base + off * (int64_t)es, buf + i * (int64_t)es, es);
        }
        for (int d = t->ndim - 1; d >= 0; d--) {
            if (++idx[d] < t->shape[d]) {
                break;
            }
            idx[d] = 0;
        }
    }
}

pl_status
pl_flat_view_open(pl_flat_view *v, pl_tensor *t)
{
    v->t = t;
    if (pl_tensor_is_contiguous(t)) {
        v->data = pl_tensor_data(t);
        v->owned = false;
        return PL_OK;
    }
    v->data = malloc((size_t)t->numel * pl_dtype_size(t->dtype) + 1);
    if (v->data == NULL) {
        return pl_error_nomem();
    }
    v->owned = true;
    strided_copy(t, v->data, true);
    return PL_OK;
}

void
pl_flat_view_close(pl_flat_view *v, bool write_back)
{
    if (v->owned) {
        if (write_back) {
            strided_copy(v->t, v->data, false);
        }
        free(v->data);
    }
    v->data = NULL;
    v->owned = false;
}

/* ------------------------------------------------------------------------------------------ */
/* Validation shared by the rules.                                                            */
/* ------------------------------------------------------------------------------------------ */

pl_status
pl_optim_check_like(const pl_tensor *p, const pl_tensor *t, const char *what,
                    int64_t i)
{
    if (t == NULL) {
        return pl_error_set(PL_ERR_RUNTIME, "optimizer: missing %s for parameter %lld", what,
                            (long long)i);
    }
    if (t->dtype != p->dtype) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "optimizer: %s of parameter %lld has dtype %s but the parameter "
                            "has dtype %s",
                            what, (long long)i, pl_dtype_name(t->dtype), pl_dtype_name(p->dtype));
    }
    if (!pl_same_shape(p, t)) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "optimizer: %s of parameter %lld does not have the parameter's shape",
                            what, (long long)i);
    }
    return PL_OK;
}

pl_status
pl_optim_check_param(const pl_tensor *p, int64_t i)
{
    if (p == NULL) {
        return pl_error_set(PL_ERR_RUNTIME, "optimizer: missing parameter %lld", (long long)i);
    }
    if (!pl_dtype_is_floating(p->dtype) || !pl_dtype_is_compute(p->dtype)) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "optimizer: parameter %lld has dtype %s; only float32 and float64 "
                            "parameters can be optimized",
                            (long long)i, pl_dtype_name(p->dtype));
    }
    return PL_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* SGD                                                                                        */
/* ------------------------------------------------------------------------------------------ */

/* The SGD scalars in one dtype. */
typedef struct sgd_f32 {
    float wd, mom, one_minus_damp, neg_lr;
} sgd_f32;
typedef struct sgd_f64 {
    double wd, mom, one_minus_damp, neg_lr;
} sgd_f64;

/* What varies per call; `first` says the momentum buffer is being created from g. */
typedef struct sgd_flags {
    bool maximize, has_wd, has_mom, first, nesterov;
} sgd_flags;

/* One kernel body for both dtypes and both builds.
 * p, g, buf: (n,) contiguous; buf is only touched when f.has_mom. */
#define PL_SGD_KERNEL(NAME, T, S, FMA, ATTR)                                                   \
    ATTR static void NAME(T *restrict p, const T *restrict g, T *restrict buf, int64_t n,     \
                          const S *s, sgd_flags f)                                            \
    {                                                                                          \
        /* scalars and flags in locals: the loop then vectorises (stores through p and buf     \
         * cannot change them) and the invariant branches are hoisted out of it */             \
        const T wd = s->wd, mom = s->mom, omd = s->one_minus_damp, nlr = s->neg_lr;            \
        const bool maximize = f.maximize, has_wd = f.has_wd, has_mom = f.has_mom;              \
        const bool first = f.first, nesterov = f.nesterov;                                     \
        for (int64_t i = 0; i < n; i++) {                                                      \
            T d = maximize ? -g[i] : g[i];                                                     \
            if (has_wd) {                                                                      \
                d = FMA(p[i], wd, d);                                                          \
            }                                                                                  \
            if (has_mom) {                                                                     \
                T b = first ? d : FMA(d, omd, buf[i] * mom);                                   \
                buf[i] = b;                                                                    \
                d = nesterov ? FMA(b, mom, d) : b;                                             \
            }                                                                                  \
            p[i] = FMA(d, nlr, p[i]);                                                          \
        }                                                                                      \
    }

PL_SGD_KERNEL(sgd_kernel_f32_ref, float, sgd_f32, fmaf, )
PL_SGD_KERNEL(sgd_kernel_f64_ref, double, sgd_f64, fma, )

#ifdef PL_OPTIM_HAVE_FMA_BUILD
PL_SGD_KERNEL(sgd_kernel_f32_fma, float, sgd_f32, fmaf, PL_FMA_TARGET)
PL_SGD_KERNEL(sgd_kernel_f64_fma, double, sgd_f64, fma, PL_FMA_TARGET)

#include <immintrin.h>

/* The common case written with AVX2 vectors: momentum, no weight decay, not the first step,
 * no nesterov, no maximize. Each element gets exactly the scalar kernel's operations:
 * buf = fma(g, 1 - dampening, buf * momentum); p = fma(buf, -lr, p). */
PL_FMA_TARGET static void
sgd_momentum_f32_avx2(float *restrict p, const float *restrict g, float *restrict buf, int64_t n,
                      const sgd_f32 *s)
{
    const __m256 mom = _mm256_set1_ps(s->mom), omd = _mm256_set1_ps(s->one_minus_damp);
    const __m256 nlr = _mm256_set1_ps(s->neg_lr);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 b = _mm256_fmadd_ps(_mm256_loadu_ps(g + i), omd,
                                   _mm256_mul_ps(_mm256_loadu_ps(buf + i), mom));
        _mm256_storeu_ps(buf + i, b);
        _mm256_storeu_ps(p + i, _mm256_fmadd_ps(b, nlr, _mm256_loadu_ps(p + i)));
    }
    for (; i < n; i++) {
        float b = fmaf(g[i], s->one_minus_damp, buf[i] * s->mom);
        buf[i] = b;
        p[i] = fmaf(b, s->neg_lr, p[i]);
    }
}

static bool
cpu_has_fma(void)
{
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    }
    return cached != 0;
}
#endif

/* Set by pl_optim_force_reference (tests): always run the plain kernels. */
static bool force_reference = false;

void
pl_optim_force_reference(bool on)
{
    force_reference = on;
}

bool
pl_optim_use_fma_build(void)
{
#ifdef PL_OPTIM_HAVE_FMA_BUILD
    return !force_reference && cpu_has_fma();
#else
    return false;
#endif
}

static void sgd_run_serial(pl_dtype dtype, char *p, const char *g, char *buf, int64_t n,
                           const pl_sgd_config *c, sgd_flags f);

/* A parameter's update split across the thread pool: each element's arithmetic is unchanged,
 * so the result does not depend on the split. */
typedef struct {
    pl_dtype dtype;
    char *p;
    const char *g;
    char *buf;
    const pl_sgd_config *c;
    sgd_flags f;
} sgd_chunk;

static void
sgd_chunk_range(void *vctx, int64_t begin, int64_t end)
{
    const sgd_chunk *k = vctx;
    int64_t es = (int64_t)pl_dtype_size(k->dtype);
    sgd_run_serial(k->dtype, k->p + begin * es, k->g + begin * es, k->buf ? k->buf + begin * es : NULL,
                   end - begin, k->c, k->f);
}

#define SGD_PARALLEL_MIN_ELEMENTS (1 << 17)

static void
sgd_run(pl_dtype dtype, char *p, const char *g, char *buf, int64_t n, const pl_sgd_config *c,
        sgd_flags f)
{
    if (n < SGD_PARALLEL_MIN_ELEMENTS) {
        sgd_run_serial(dtype, p, g, buf, n, c, f);
        return;
    }
    sgd_chunk k = {dtype, p, g, buf, c, f};
    pl_parallel_for(n, sgd_chunk_range, &k, SGD_PARALLEL_MIN_ELEMENTS / 2);
}

static void
sgd_run_serial(pl_dtype dtype, char *p, const char *g, char *buf, int64_t n, const pl_sgd_config *c,
               sgd_flags f)
{
    bool fast = pl_optim_use_fma_build();
    if (dtype == PL_FLOAT32) {
        sgd_f32 s = {(float)c->weight_decay, (float)c->momentum, (float)(1.0 - c->dampening),
                     (float)(-c->lr)};
#ifdef PL_OPTIM_HAVE_FMA_BUILD
        if (fast && f.has_mom && !f.first && !f.has_wd && !f.nesterov && !f.maximize) {
            sgd_momentum_f32_avx2((float *)p, (const float *)g, (float *)buf, n, &s);
            return;
        }
        if (fast) {
            sgd_kernel_f32_fma((float *)p, (const float *)g, (float *)buf, n, &s, f);
            return;
        }
#endif
        sgd_kernel_f32_ref((float *)p, (const float *)g, (float *)buf, n, &s, f);
    } else {
        sgd_f64 s = {c->weight_decay, c->momentum, 1.0 - c->dampening, -c->lr};
#ifdef PL_OPTIM_HAVE_FMA_BUILD
        if (fast) {
            sgd_kernel_f64_fma((double *)p, (const double *)g, (double *)buf, n, &s, f);
            return;
        }
#endif
        sgd_kernel_f64_ref((double *)p, (const double *)g, (double *)buf, n, &s, f);
    }
    (void)fast;
}

pl_status
pl_sgd_step(pl_tensor *const *params, pl_tensor *const *grads, pl_tensor **bufs, int64_t n,
            const pl_sgd_config *cfg)
{
    bool has_mom = cfg->momentum != 0.0;
    if (n < 0) {
        return pl_error_set(PL_ERR_RUNTIME, "pl_sgd_step: negative parameter count");
    }
    if (has_mom && n > 0 && bufs == NULL) {
        return pl_error_set(PL_ERR_RUNTIME, "pl_sgd_step: momentum buffers are required");
    }
    /* Validate everything before writing anything. */
    for (int64_t i = 0; i < n; i++) {
        pl_status st = pl_optim_check_param(params[i], i);
        if (st == PL_OK) {
            st = pl_optim_check_like(params[i], grads[i], "gradient", i);
        }
        if (st == PL_OK && has_mom && bufs[i] != NULL) {
            st = pl_optim_check_like(params[i], bufs[i], "momentum buffer", i);
        }
        if (st != PL_OK) {
            return st;
        }
    }
    /* Create the missing buffers up front, so a failure leaves the group untouched. */
    int64_t n_created = 0;
    bool *created = NULL;
    if (has_mom && n > 0) {
        created = calloc((size_t)n, sizeof *created);
        if (created == NULL) {
            return pl_error_nomem();
        }
        for (int64_t i = 0; i < n; i++) {
            if (bufs[i] != NULL) {
                continue;
            }
            pl_tensor *p = params[i];
            bufs[i] = pl_tensor_empty(p->ndim, p->shape, p->dtype);
            if (bufs[i] == NULL) {
                for (int64_t j = 0; j < i; j++) {
                    if (created[j]) {
                        pl_tensor_release(bufs[j]);
                        bufs[j] = NULL;
                    }
                }
                free(created);
                return PL_ERR_NOMEM;
            }
            created[i] = true;
            n_created++;
        }
    }

    pl_status status = PL_OK;
    for (int64_t i = 0; i < n && status == PL_OK; i++) {
        pl_tensor *p = params[i];
        if (p->numel == 0) {
            continue;
        }
        sgd_flags f = {cfg->maximize, cfg->weight_decay != 0.0, has_mom,
                       has_mom && created[i], cfg->nesterov};
        pl_flat_view vp, vg, vb = {0};
        if ((status = pl_flat_view_open(&vp, p)) != PL_OK) {
            break;
        }
        if ((status = pl_flat_view_open(&vg, grads[i])) != PL_OK) {
            pl_flat_view_close(&vp, false);
            break;
        }
        if (has_mom && (status = pl_flat_view_open(&vb, bufs[i])) != PL_OK) {
            pl_flat_view_close(&vg, false);
            pl_flat_view_close(&vp, false);
            break;
        }
        sgd_run(p->dtype, vp.data, vg.data, has_mom ? vb.data : NULL, p->numel, cfg, f);
        if (has_mom) {
            pl_flat_view_close(&vb, true);
            if (!f.first) {
                /* torch: buf.mul_(momentum).add_(...) writes the buffer twice */
                pl_tensor_bump_version(bufs[i]);
                pl_tensor_bump_version(bufs[i]);
            }
        }
        pl_flat_view_close(&vg, false);
        pl_flat_view_close(&vp, true);
        pl_tensor_bump_version(p);
    }
    if (status != PL_OK && created != NULL) {
        /* Only an allocation failure of a temporary stops the loop: hand no slot back. */
        for (int64_t i = 0; i < n; i++) {
            if (created[i]) {
                pl_tensor_release(bufs[i]);
                bufs[i] = NULL;
            }
        }
    }
    (void)n_created;
    free(created);
    return status;
}

/* ------------------------------------------------------------------------------------------ */
/* Adam / AdamW                                                                               */
/* ------------------------------------------------------------------------------------------ */

typedef struct adam_f32 {
    float decay, wd, lerp_w, lerp_w_minus_one, beta2, one_minus_beta2, bc2_sqrt, eps,
        neg_step_size;
} adam_f32;
typedef struct adam_f64 {
    double decay, wd, lerp_w, lerp_w_minus_one, beta2, one_minus_beta2, bc2_sqrt, eps,
        neg_step_size;
} adam_f64;

/* phase: ADAM_ALL runs the whole step per element; with the VML route on, ADAM_MOMENTS
 * updates the moments (and the decoupled decay) first, the square roots are taken over the
 * whole vector by VML (as torch's exp_avg_sq.sqrt()), and ADAM_FROM_ROOTS finishes the
 * parameters from them (sq). */
enum { ADAM_ALL, ADAM_MOMENTS, ADAM_FROM_ROOTS };

typedef struct adam_flags {
    bool maximize, coupled_wd, decoupled_wd, small_weight, amsgrad;
    int phase;
} adam_flags;

/* p, g, m (exp_avg), v (exp_avg_sq), mx (max_exp_avg_sq, amsgrad only), sq (the roots, for
 * ADAM_FROM_ROOTS only): (n,) contiguous. */
#define PL_ADAM_KERNEL(NAME, T, S, FMA, SQRT, ATTR)                                            \
    ATTR static void NAME(T *restrict p, const T *restrict g, T *restrict m, T *restrict v,   \
                          T *restrict mx, const T *restrict sq, int64_t n, const S *s,        \
                          adam_flags f)                                                        \
    {                                                                                          \
        for (int64_t i = 0; i < n; i++) {                                                      \
            T root;                                                                            \
            if (f.phase != ADAM_FROM_ROOTS) {                                                  \
                T d = f.maximize ? -g[i] : g[i];                                               \
                if (f.decoupled_wd) {                                                          \
                    p[i] = p[i] * s->decay;                                                    \
                } else if (f.coupled_wd) {                                                     \
                    d = FMA(p[i], s->wd, d);                                                   \
                }                                                                              \
                T diff = d - m[i];                                                             \
                m[i] = f.small_weight ? FMA(s->lerp_w, diff, m[i])                             \
                                      : FMA(s->lerp_w_minus_one, diff, d);                     \
                v[i] = FMA(s->one_minus_beta2 * d, d, v[i] * s->beta2);                        \
                T vv = v[i];                                                                   \
                if (f.amsgrad) {                                                               \
                    mx[i] = PL_NAN_MAX(mx[i], vv);                                             \
                    vv = mx[i];                                                                \
                }                                                                              \
                if (f.phase == ADAM_MOMENTS) continue;                                         \
                root = SQRT(vv);                                                               \
            } else {                                                                           \
                root = sq[i];                                                                  \
            }                                                                                  \
            T denom = root / s->bc2_sqrt + s->eps;                                             \
            p[i] = p[i] + (s->neg_step_size * m[i]) / denom;                                   \
        }                                                                                      \
    }

PL_ADAM_KERNEL(adam_kernel_f32_ref, float, adam_f32, fmaf, sqrtf, )
PL_ADAM_KERNEL(adam_kernel_f64_ref, double, adam_f64, fma, sqrt, )

#ifdef PL_OPTIM_HAVE_FMA_BUILD
/* The FMA build: the same operations written on the lane sets of optim_group.h, AVX2
 * vectors (8 floats, 4 doubles) then a scalar tail; each lane is rounded as the reference. */
#define ADAM_LANE_SETUP(O)                                                                     \
    const O##_T decay = O##_K(s->decay), wd = O##_K(s->wd), w = O##_K(s->lerp_w);              \
    const O##_T wm1 = O##_K(s->lerp_w_minus_one), b2 = O##_K(s->beta2);                        \
    const O##_T omb2 = O##_K(s->one_minus_beta2), bc2s = O##_K(s->bc2_sqrt);                   \
    const O##_T eps = O##_K(s->eps), nss = O##_K(s->neg_step_size);                            \
    const bool maximize = f.maximize, coupled = f.coupled_wd, decoupled = f.decoupled_wd;      \
    const bool small = f.small_weight, amsgrad = f.amsgrad;                                   \
    const int phase = f.phase

/* (inside the element loop: ADAM_MOMENTS continues with the next lanes) */
#define ADAM_LANE_STEP(O)                                                                      \
    O##_T pi = O##_LD(p), mi, root;                                                            \
    if (phase != ADAM_FROM_ROOTS) {                                                            \
        O##_T d = maximize ? -O##_LD(g) : O##_LD(g);                                           \
        if (decoupled) {                                                                       \
            pi = pi * decay;                                                                   \
        } else if (coupled) {                                                                  \
            d = O##_FMA(pi, wd, d);                                                            \
        }                                                                                      \
        mi = O##_LD(m);                                                                        \
        mi = small ? O##_FMA(w, d - mi, mi) : O##_FMA(wm1, d - mi, d);                         \
        O##_ST(m, mi);                                                                         \
        O##_T vi = O##_FMA(omb2 * d, d, O##_LD(v) * b2);                                       \
        O##_ST(v, vi);                                                                         \
        if (amsgrad) {                                                                         \
            vi = O##_NMAX(O##_LD(mx), vi);                                                     \
            O##_ST(mx, vi);                                                                    \
        }                                                                                      \
        if (phase == ADAM_MOMENTS) {                                                           \
            O##_ST(p, pi);                                                                     \
            continue;                                                                          \
        }                                                                                      \
        root = O##_SQRT(vi);                                                                   \
    } else {                                                                                   \
        mi = O##_LD(m);                                                                        \
        root = O##_LD(sq);                                                                     \
    }                                                                                          \
    O##_T denom = root / bc2s + eps;                                                           \
    O##_ST(p, pi + (nss * mi) / denom)

#define PL_ADAM_LANES(NAME, E, S, VO, SO, W)                                                   \
    PL_FMA_TARGET static void NAME(E *restrict p, const E *restrict g, E *restrict m,         \
                                   E *restrict v, E *restrict mx, const E *restrict sq,       \
                                   int64_t n, const S *s, adam_flags f)                        \
    {                                                                                          \
        int64_t i = 0;                                                                         \
        {                                                                                      \
            ADAM_LANE_SETUP(VO);                                                               \
            for (; i + (W) <= n; i += (W)) {                                                   \
                ADAM_LANE_STEP(VO);                                                            \
            }                                                                                  \
        }                                                                                      \
        ADAM_LANE_SETUP(SO);                                                                   \
        for (; i < n; i++) {                                                                   \
            ADAM_LANE_STEP(SO);                                                                \
        }                                                                                      \
    }

PL_ADAM_LANES(adam_kernel_f32_fma, float, adam_f32, V32, R32, 8)
PL_ADAM_LANES(adam_kernel_f64_fma, double, adam_f64, V64, R64, 4)
#endif

/* The per-parameter scalars, computed in double as torch computes them in Python. */
typedef struct adam_scalars {
    double decay, lerp_w, bc2_sqrt, neg_step_size;
} adam_scalars;

static adam_scalars
adam_scalars_for(const pl_adam_config *c, double step)
{
    adam_scalars a;
    a.decay = 1.0 - c->lr * c->weight_decay;
    a.lerp_w = 1.0 - c->beta1;
    double bc1 = 1.0 - pow(c->beta1, step);
    double bc2 = 1.0 - pow(c->beta2, step);
    a.neg_step_size = -(c->lr / bc1);
    a.bc2_sqrt = pow(bc2, 0.5);
    return a;
}

typedef void (*adam_kernel_f32)(float *, const float *, float *, float *, float *,
                                const float *, int64_t, const adam_f32 *, adam_flags);
typedef void (*adam_kernel_f64)(double *, const double *, double *, double *, double *,
                                const double *, int64_t, const adam_f64 *, adam_flags);

/* One kernel over the parameter, or, with the VML route on, the moments, VML's square roots
 * of the second moments and the parameters from them (PyTorch's bits for its sqrt). */
#define ADAM_RUN(KERNEL, T, VML_F64)                                                           \
    do {                                                                                       \
        T *roots = pl_vml_enabled() ? malloc((size_t)n * sizeof(T)) : NULL;                    \
        if (!roots) {                                                                          \
            f.phase = ADAM_ALL;                                                                \
            KERNEL((T *)p, (const T *)g, (T *)m, (T *)v, (T *)mx, NULL, n, &s, f);             \
            break;                                                                             \
        }                                                                                      \
        f.phase = ADAM_MOMENTS;                                                                \
        KERNEL((T *)p, (const T *)g, (T *)m, (T *)v, (T *)mx, NULL, n, &s, f);                 \
        pl_vml_run(PL_VML_SQRT, VML_F64, roots, f.amsgrad ? mx : v, n);                        \
        f.phase = ADAM_FROM_ROOTS;                                                             \
        KERNEL((T *)p, (const T *)g, (T *)m, (T *)v, (T *)mx, roots, n, &s, f);                \
        free(roots);                                                                           \
    } while (0)

static void
adam_run(pl_dtype dtype, char *p, const char *g, char *m, char *v, char *mx, int64_t n,
         const pl_adam_config *c, const adam_scalars *a, adam_flags f)
{
    bool fast = pl_optim_use_fma_build();
    if (dtype == PL_FLOAT32) {
        float w = (float)a->lerp_w;
        adam_f32 s = {(float)a->decay, (float)c->weight_decay, w, w - 1.0f, (float)c->beta2,
                      (float)(1.0 - c->beta2), (float)a->bc2_sqrt, (float)c->eps,
                      (float)a->neg_step_size};
        f.small_weight = fabsf(w) < 0.5f;
        adam_kernel_f32 kernel = adam_kernel_f32_ref;
#ifdef PL_OPTIM_HAVE_FMA_BUILD
        if (fast) kernel = adam_kernel_f32_fma;
#endif
        ADAM_RUN(kernel, float, false);
    } else {
        double w = a->lerp_w;
        adam_f64 s = {a->decay, c->weight_decay, w, w - 1.0, c->beta2, 1.0 - c->beta2,
                      a->bc2_sqrt, c->eps, a->neg_step_size};
        f.small_weight = fabs(w) < 0.5;
        adam_kernel_f64 kernel = adam_kernel_f64_ref;
#ifdef PL_OPTIM_HAVE_FMA_BUILD
        if (fast) kernel = adam_kernel_f64_fma;
#endif
        ADAM_RUN(kernel, double, true);
    }
    (void)fast;
}

pl_status
pl_adam_step(pl_tensor *const *params, pl_tensor *const *grads, pl_tensor *const *exp_avgs,
             pl_tensor *const *exp_avg_sqs, pl_tensor *const *max_exp_avg_sqs,
             const double *steps, int64_t n, const pl_adam_config *cfg)
{
    if (n < 0) {
        return pl_error_set(PL_ERR_RUNTIME, "pl_adam_step: negative parameter count");
    }
    if (cfg->amsgrad && n > 0 && max_exp_avg_sqs == NULL) {
        return pl_error_set(PL_ERR_RUNTIME, "pl_adam_step: amsgrad needs max_exp_avg_sqs");
    }
    for (int64_t i = 0; i < n; i++) {
        pl_status st = pl_optim_check_param(params[i], i);
        if (st == PL_OK) {
            st = pl_optim_check_like(params[i], grads[i], "gradient", i);
        }
        if (st == PL_OK) {
            st = pl_optim_check_like(params[i], exp_avgs[i], "exp_avg", i);
        }
        if (st == PL_OK) {
            st = pl_optim_check_like(params[i], exp_avg_sqs[i], "exp_avg_sq", i);
        }
        if (st == PL_OK && cfg->amsgrad) {
            st = pl_optim_check_like(params[i], max_exp_avg_sqs[i], "max_exp_avg_sq", i);
        }
        if (st != PL_OK) {
            return st;
        }
    }
    adam_flags f = {cfg->maximize, cfg->weight_decay != 0.0 && !cfg->decoupled_weight_decay,
                    cfg->weight_decay != 0.0 && cfg->decoupled_weight_decay, false,
                    cfg->amsgrad, ADAM_ALL};
    for (int64_t i = 0; i < n; i++) {
        pl_tensor *p = params[i];
        if (p->numel == 0) {
            continue;
        }
        adam_scalars a = adam_scalars_for(cfg, steps[i]);
        pl_flat_view vp, vg, vm, vv, vx = {0};
        pl_status st = pl_flat_view_open(&vp, p);
        bool ok_p = st == PL_OK;
        bool ok_g = ok_p && (st = pl_flat_view_open(&vg, grads[i])) == PL_OK;
        bool ok_m = ok_g && (st = pl_flat_view_open(&vm, exp_avgs[i])) == PL_OK;
        bool ok_v = ok_m && (st = pl_flat_view_open(&vv, exp_avg_sqs[i])) == PL_OK;
        bool ok_x = ok_v && (!cfg->amsgrad ||
                             (st = pl_flat_view_open(&vx, max_exp_avg_sqs[i])) == PL_OK);
        if (ok_x) {
            adam_run(p->dtype, vp.data, vg.data, vm.data, vv.data,
                     cfg->amsgrad ? vx.data : NULL, p->numel, cfg, &a, f);
        }
        if (ok_x && cfg->amsgrad) {
            pl_flat_view_close(&vx, true);
        }
        if (ok_v) {
            pl_flat_view_close(&vv, ok_x);
        }
        if (ok_m) {
            pl_flat_view_close(&vm, ok_x);
        }
        if (ok_g) {
            pl_flat_view_close(&vg, false);
        }
        if (ok_p) {
            pl_flat_view_close(&vp, ok_x);
        }
        if (!ok_x) {
            return st;
        }
        /* torch writes: param (mul_ when decoupled, then addcdiv_), exp_avg (lerp_),
         * exp_avg_sq (mul_, addcmul_), max_exp_avg_sq (maximum out=). */
        if (f.decoupled_wd) {
            pl_tensor_bump_version(p);
        }
        pl_tensor_bump_version(p);
        pl_tensor_bump_version(exp_avgs[i]);
        pl_tensor_bump_version(exp_avg_sqs[i]);
        pl_tensor_bump_version(exp_avg_sqs[i]);
        if (cfg->amsgrad) {
            pl_tensor_bump_version(max_exp_avg_sqs[i]);
        }
    }
    return PL_OK;
}
