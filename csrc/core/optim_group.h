/* optim_group.h — the group driver and the kernel templates shared by the update rules of
 * optim_extra.c (internal: pl.h does not include it).
 *
 * A rule is an elementwise kernel over one parameter's contiguous runs plus a `prepare` step
 * that turns the group's hyper-parameters and the caller's per-parameter scalars into the
 * kernel's scalars (and updates the rule's 0-dim state tensors). pl_optim_run_group owns the
 * rest: validating the whole group before the first write, gathering strided tensors into
 * contiguous runs and scattering them back, splitting large parameters over the thread pool
 * (each element's arithmetic does not depend on the split), bumping versions.
 */
#ifndef PL_OPTIM_GROUP_H
#define PL_OPTIM_GROUP_H

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "optim_internal.h"
#include "tensor.h"

#define PL_OPTIM_MAX_STATE 3

#define PL_OPTIM_MAX_ROOTS 2
#define PL_OPTIM_SLOTS (2 + PL_OPTIM_MAX_STATE + PL_OPTIM_MAX_ROOTS)

/* The phases of a rule that takes square roots (pl_optim_group.roots > 0). PyTorch's
 * single-tensor steps call tensor.sqrt(), which its CPU build computes with MKL's VML; with
 * the VML route on, the driver runs such a rule in two passes around VML: ARGS updates the
 * state and stores each root's argument in its root slot, VML takes the roots in place, and
 * FINISH completes the step from them. PL_PHASE_ALL is the single pass (the C library's
 * sqrt). */
enum { PL_PHASE_ALL, PL_PHASE_ARGS, PL_PHASE_FINISH };

/* One parameter's update. d[0]: the parameter, d[1]: its gradient (read only), d[2 + j]:
 * state tensor j (NULL when the rule does not use that slot this call), d[2 +
 * PL_OPTIM_MAX_STATE + k]: root slot k (phases ARGS and FINISH only); each (n,) contiguous
 * of the parameter's dtype. s: the rule's scalars for this parameter. */
typedef void (*pl_optim_kernel)(char *const *d, int64_t n, const void *s, int phase);

/* Room for any rule's scalars struct. */
typedef union pl_optim_scalars {
    double d[24];
    max_align_t align;
} pl_optim_scalars;

typedef struct pl_optim_group {
    int64_t n;
    pl_tensor *const *params;
    pl_tensor *const *grads;
    pl_tensor *const *state[PL_OPTIM_MAX_STATE]; /* state[j][i]; NULL array: slot j unused */
    const char *state_name[PL_OPTIM_MAX_STATE];
    int param_bumps;                             /* versions to bump per parameter ... */
    int state_bumps[PL_OPTIM_MAX_STATE];         /* ... and per state tensor */
    pl_optim_kernel kernels[4]; /* f32 reference, f64 reference, f32 FMA, f64 FMA */
    /* Fills parameter i's scalars (runs for every parameter, empty ones too). */
    void (*prepare)(const void *ctx, int64_t i, pl_dtype dtype, void *out);
    const void *ctx;
    int roots; /* square roots per element: 0, or the root slots of its phases */
} pl_optim_group;

/* Validates the group, then updates parameter after parameter (all of them: an error other
 * than running out of memory for a temporary leaves every tensor untouched). */
pl_status pl_optim_run_group(const pl_optim_group *job);

/* The 0-dim float32/float64 state of NAdam and ASGD: the check, the value as a double, and
 * a store rounded to the tensor's dtype (which bumps its version). */
pl_status pl_optim_check_scalar_state(const pl_tensor *t, const char *what, int64_t i);
double pl_optim_scalar_get(const pl_tensor *t);
void pl_optim_scalar_set(pl_tensor *t, double value);

/* Kernels come in two shapes.
 *
 * Lane kernels (RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam): a SETUP(O) and a STEP(O)
 * macro written once against an operation set O, which names the lane type O##_T, the element
 * type O##_E, constants O##_K(x) (a double cast once to O##_E), loads and stores of element i
 * O##_LD(a) / O##_ST(a, x), and O##_FMA, O##_SQRT, O##_FABS, O##_NMAX (torch.maximum). The
 * reference runs STEP on scalars (R32, R64); the FMA build runs it on AVX2 vectors (V32: 8
 * floats, V64: 4 doubles) and finishes the tail on scalars. Every vector operation is the IEEE
 * operation of each lane, so both give the same bits. The conditions inside STEP are loop
 * invariant (maximize, weight decay, ...), never per element, except inside O##_NMAX.
 *
 * Element-select kernels (ASGD, Rprop) choose per element; they are written on scalars
 * K(NAME, T, FMA, SQRT, FABS, ATTR) and the compiler vectorises their FMA build. */
#define R32_T float
#define R32_E float
#define R32_K(x) ((float)(x))
#define R32_LD(a) ((a)[i])
#define R32_ST(a, x) ((a)[i] = (x))
#define R32_FMA fmaf
#define R32_SQRT sqrtf
#define R32_FABS fabsf
#define R32_NMAX(a, b) PL_NAN_MAX(a, b)
#define R64_T double
#define R64_E double
#define R64_K(x) ((double)(x))
#define R64_LD(a) ((a)[i])
#define R64_ST(a, x) ((a)[i] = (x))
#define R64_FMA fma
#define R64_SQRT sqrt
#define R64_FABS fabs
#define R64_NMAX(a, b) PL_NAN_MAX(a, b)

#define LANE_KERNEL_REF(NAME, O, SETUP, STEP)                                                  \
    static void NAME(char *const *d, int64_t n, const void *vs, int phase)                    \
    {                                                                                          \
        SETUP(O);                                                                              \
        for (int64_t i = 0; i < n; i++) {                                                      \
            STEP(O);                                                                           \
        }                                                                                      \
    }

#ifdef PL_OPTIM_HAVE_FMA_BUILD
#include <immintrin.h>

#define V32_T __m256
#define V32_E float
#define V32_K(x) _mm256_set1_ps((float)(x))
#define V32_LD(a) _mm256_loadu_ps((a) + i)
#define V32_ST(a, x) _mm256_storeu_ps((a) + i, x)
#define V32_FMA _mm256_fmadd_ps
#define V32_SQRT _mm256_sqrt_ps
#define V32_FABS(x) _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x)
#define V32_NMAX(a, b) v32_nan_max(a, b)
#define V64_T __m256d
#define V64_E double
#define V64_K(x) _mm256_set1_pd((double)(x))
#define V64_LD(a) _mm256_loadu_pd((a) + i)
#define V64_ST(a, x) _mm256_storeu_pd((a) + i, x)
#define V64_FMA _mm256_fmadd_pd
#define V64_SQRT _mm256_sqrt_pd
#define V64_FABS(x) _mm256_andnot_pd(_mm256_set1_pd(-0.0), x)
#define V64_NMAX(a, b) v64_nan_max(a, b)

/* PL_NAN_MAX on each lane: a > b ? a : b (maxps), a + b where either is NaN. */
PL_FMA_TARGET static inline __m256
v32_nan_max(__m256 a, __m256 b)
{
    return _mm256_blendv_ps(_mm256_max_ps(a, b), a + b, _mm256_cmp_ps(a, b, _CMP_UNORD_Q));
}

PL_FMA_TARGET static inline __m256d
v64_nan_max(__m256d a, __m256d b)
{
    return _mm256_blendv_pd(_mm256_max_pd(a, b), a + b, _mm256_cmp_pd(a, b, _CMP_UNORD_Q));
}

/* The vector loop, then the scalar tail (its own SETUP: constants in the scalar type). */
#define LANE_KERNEL_FMA(NAME, VO, SO, W, SETUP, STEP)                                          \
    PL_FMA_TARGET static void NAME(char *const *d, int64_t n, const void *vs, int phase)      \
    {                                                                                          \
        int64_t i = 0;                                                                         \
        {                                                                                      \
            SETUP(VO);                                                                         \
            for (; i + (W) <= n; i += (W)) {                                                   \
                STEP(VO);                                                                      \
            }                                                                                  \
        }                                                                                      \
        SETUP(SO);                                                                             \
        for (; i < n; i++) {                                                                   \
            STEP(SO);                                                                          \
        }                                                                                      \
    }

#define DEFINE_LANE_BUILDS(SETUP, STEP, name)                                                  \
    LANE_KERNEL_REF(name##_f32_ref, R32, SETUP, STEP)                                          \
    LANE_KERNEL_REF(name##_f64_ref, R64, SETUP, STEP)                                          \
    LANE_KERNEL_FMA(name##_f32_fma, V32, R32, 8, SETUP, STEP)                                  \
    LANE_KERNEL_FMA(name##_f64_fma, V64, R64, 4, SETUP, STEP)
#define DEFINE_BUILDS(K, name)                                                                 \
    K(name##_f32_ref, float, fmaf, sqrtf, fabsf, )                                             \
    K(name##_f64_ref, double, fma, sqrt, fabs, )                                               \
    K(name##_f32_fma, float, fmaf, sqrtf, fabsf, PL_FMA_TARGET)                                \
    K(name##_f64_fma, double, fma, sqrt, fabs, PL_FMA_TARGET)
#define BUILDS(name) {name##_f32_ref, name##_f64_ref, name##_f32_fma, name##_f64_fma}
#else
#define DEFINE_LANE_BUILDS(SETUP, STEP, name)                                                  \
    LANE_KERNEL_REF(name##_f32_ref, R32, SETUP, STEP)                                          \
    LANE_KERNEL_REF(name##_f64_ref, R64, SETUP, STEP)
#define DEFINE_BUILDS(K, name)                                                                 \
    K(name##_f32_ref, float, fmaf, sqrtf, fabsf, )                                             \
    K(name##_f64_ref, double, fma, sqrt, fabs, )
#define BUILDS(name) {name##_f32_ref, name##_f64_ref, name##_f32_ref, name##_f64_ref}
#endif

/* The parameter, its gradient, state slots 0..2 and root slots 0..1 as element pointers of O's type, each
 * (n,) contiguous (a slot the rule does not use is NULL). */
#define LANE_POINTERS(O)                                                                       \
    O##_E *restrict p = (O##_E *)d[0];                                                         \
    const O##_E *restrict g = (const O##_E *)d[1];                                             \
    O##_E *restrict s0 = (O##_E *)d[2], *restrict s1 = (O##_E *)d[3];                          \
    O##_E *restrict s2 = (O##_E *)d[4];                                                        \
    O##_E *restrict r0 = (O##_E *)d[5], *restrict r1 = (O##_E *)d[6];                          \
    (void)s0, (void)s1, (void)s2, (void)r0, (void)r1, (void)phase

/* torch's lerp(a, end, w) with a scalar weight: w * (end - a) + a when |w| < 0.5, else
 * (w - 1) * (end - a) + end, one rounding each. SMALL is |w| < 0.5, WM1 is w - 1. */
#define LERP(FMA, a, end, w, wm1, small)                                                      \
    ((small) ? FMA(w, (end) - (a), a) : FMA(wm1, (end) - (a), end))

/* |w| < 0.5 for the weight w (a double) once rounded to O's element type. */
#define SMALL_WEIGHT(O, w) (fabs((double)(O##_E)(w)) < 0.5)

#endif
