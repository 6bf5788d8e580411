/* rng.c — PyTorch's CPU generator (mt19937), its serialised state, and every distribution
 * fill, reproducing torch's streams bit for bit.
 *
 * Arithmetic notes: this file is compiled with -ffp-contract=off; the multiply-adds that
 * PyTorch's AVX2 kernels fuse are written as explicit fma/fmaf calls, every other operation
 * rounds on its own. Elements are visited in TensorIterator order (see elem_iter below).
 */
#include "rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------------------------------
 * mt19937 engine
 * ---------------------------------------------------------------------------------------- */

#define MT_M 397
#define MT_MATRIX_A 0x9908B0DFu
#define MT_UPPER 0x80000000u
#define MT_LOWER 0x7FFFFFFFu

void
pl_generator_manual_seed(pl_generator *g, uint64_t seed)
{
    g->seed = seed;
    g->seeded = true;
    g->state[0] = (uint32_t)(seed & 0xFFFFFFFFu);
    for (uint32_t j = 1; j < PL_MT_N; j++) {
        uint32_t prev = g->state[j - 1];
        g->state[j] = 1812433253u * (prev ^ (prev >> 30)) + j;
    }
    g->left = 1;
    g->next = 0;
    g->normal_cache = 0.0;
    g->normal_cache_valid = false;
    g->float_normal_cache = 0.0f;
    g->float_normal_cache_valid = false;
}

void
pl_generator_init(pl_generator *g)
{
    pl_generator_manual_seed(g, PL_RNG_DEFAULT_SEED);
}

static void
mt_twist(pl_generator *g)
{
    uint32_t *st = g->state;
    for (int k = 0; k < PL_MT_N; k++) {
        uint32_t a = st[k];
        uint32_t b = st[(k + 1) % PL_MT_N];
        uint32_t m = (a & MT_UPPER) | (b & MT_LOWER);
        st[k] = st[(k + MT_M) % PL_MT_N] ^ (m >> 1) ^ ((b & 1u) ? MT_MATRIX_A : 0u);
    }
    g->left = PL_MT_N;
    g->next = 0;
}

uint32_t
pl_generator_random(pl_generator *g)
{
    if (--g->left == 0)
        mt_twist(g);
    uint32_t y = g->state[g->next++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9D2C5680u;
    y ^= (y << 15) & 0xEFC60000u;
    y ^= y >> 18;
    return y;
}

uint64_t
pl_generator_random64(pl_generator *g)
{
    uint64_t hi = pl_generator_random(g);
    uint64_t lo = pl_generator_random(g);
    return (hi << 32) | lo;
}

uint64_t
pl_generator_initial_seed(const pl_generator *g)
{
    return g->seed;
}

/* A nondeterministic 64-bit seed, as torch's default generator and Generator.seed() use. */
static uint64_t
entropy_seed(void)
{
    uint64_t s = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (f != NULL) {
        size_t got = fread(&s, sizeof s, 1, f);
        fclose(f);
        if (got == 1)
            return s;
    }
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    s = (uint64_t)ts.tv_sec * UINT64_C(1000000007) ^ (uint64_t)ts.tv_nsec;
    s ^= (uint64_t)(uintptr_t)&s;
    return s;
}

uint64_t
pl_generator_seed(pl_generator *g)
{
    uint64_t s = entropy_seed();
    pl_generator_manual_seed(g, s);
    return s;
}

pl_generator *
pl_default_generator(void)
{
    static pl_generator gen;
    static bool ready = false;
    if (!ready) {
        pl_generator_manual_seed(&gen, entropy_seed());
        ready = true;
    }
    return &gen;
}

static pl_generator *
gen_or_default(pl_generator *g)
{
    return g != NULL ? g : pl_default_generator();
}

/* ------------------------------------------------------------------------------------------
 * Serialised state: PyTorch's legacy POD layout, little-endian, 5056 bytes.
 *   0 u64 seed | 8 i32 left | 12 i32 seeded | 16 u64 next | 24 u64 state[624]
 *   5016 f64 normal_x | 5024 f64 normal_y | 5032 f64 normal_rho | 5040 i32 normal_is_valid
 *   5048 f32 float cache | 5052 u8 float cache valid | padding (zero)
 * ---------------------------------------------------------------------------------------- */

enum {
    ST_SEED = 0,
    ST_LEFT = 8,
    ST_SEEDED = 12,
    ST_NEXT = 16,
    ST_WORDS = 24,
    ST_NORMAL_Y = 5024,
    ST_NORMAL_VALID = 5040,
    ST_FLOAT_CACHE = 5048,
    ST_FLOAT_VALID = 5052,
};

void
pl_generator_get_state(const pl_generator *g, uint8_t *out)
{
    memset(out, 0, PL_RNG_STATE_SIZE);
    uint64_t next = g->next;
    int32_t left = g->left, seeded = g->seeded ? 1 : 0;
    memcpy(out + ST_SEED, &g->seed, 8);
    memcpy(out + ST_LEFT, &left, 4);
    memcpy(out + ST_SEEDED, &seeded, 4);
    memcpy(out + ST_NEXT, &next, 8);
    for (int i = 0; i < PL_MT_N; i++) {
        uint64_t w = g->state[i];
        memcpy(out + ST_WORDS + 8 * i, &w, 8);
    }
    if (g->normal_cache_valid) {
        int32_t valid = 1;
        memcpy(out + ST_NORMAL_Y, &g->normal_cache, 8);
        memcpy(out + ST_NORMAL_VALID, &valid, 4);
    }
    if (g->float_normal_cache_valid) {
        memcpy(out + ST_FLOAT_CACHE, &g->float_normal_cache, 4);
        out[ST_FLOAT_VALID] = 1;
    }
}

pl_status
pl_generator_set_state(pl_generator *g, const uint8_t *in, int64_t nbytes)
{
    if (nbytes != PL_RNG_STATE_SIZE)
        return pl_error_set(PL_ERR_RUNTIME,
                            "Expected a CPUGeneratorImplState of size %d but found the input "
                            "RNG state size to be %lld",
                            PL_RNG_STATE_SIZE, (long long)nbytes);
    uint64_t seed, next;
    int32_t left, seeded, normal_valid;
    memcpy(&seed, in + ST_SEED, 8);
    memcpy(&left, in + ST_LEFT, 4);
    memcpy(&seeded, in + ST_SEEDED, 4);
    memcpy(&next, in + ST_NEXT, 8);
    memcpy(&normal_valid, in + ST_NORMAL_VALID, 4);
    if (seeded == 0 || left < 1 || left > PL_MT_N || next > PL_MT_N)
        return pl_error_set(PL_ERR_RUNTIME, "Invalid mt19937 state");
    g->seed = seed;
    g->seeded = true;
    g->left = left;
    g->next = (uint32_t)next;
    for (int i = 0; i < PL_MT_N; i++) {
        uint64_t w;
        memcpy(&w, in + ST_WORDS + 8 * i, 8);
        g->state[i] = (uint32_t)w;
    }
    g->normal_cache_valid = normal_valid != 0;
    g->normal_cache = 0.0;
    if (g->normal_cache_valid)
        memcpy(&g->normal_cache, in + ST_NORMAL_Y, 8);
    g->float_normal_cache_valid = in[ST_FLOAT_VALID] != 0;
    g->float_normal_cache = 0.0f;
    if (g->float_normal_cache_valid)
        memcpy(&g->float_normal_cache, in + ST_FLOAT_CACHE, 4);
    return PL_OK;
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
static double
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

static int
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

static bool
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
static void
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

static void
elem_iter_tensor(elem_iter *it, const pl_tensor *t)
{
    elem_iter_init(it, t->ndim, t->shape, t->strides, NULL);
}

static bool
tensor_is_contiguous(const pl_tensor *t)
{
    return layout_is_contiguous(t->ndim, t->shape, t->strides);
}

/* ------------------------------------------------------------------------------------------
 * Shared checks
 * ---------------------------------------------------------------------------------------- */

/* PyTorch's dtype names in "not implemented for" messages. */
static const char *
dtype_cap_name(pl_dtype dtype)
{
    switch (dtype) {
    case PL_BOOL: return "Bool";
    case PL_INT64: return "Long";
    case PL_FLOAT32: return "Float";
    case PL_FLOAT64: return "Double";
    default: return "Unknown";
    }
}

static pl_status
not_implemented(const char *kernel, pl_dtype dtype)
{
    return pl_error_set(PL_ERR_NOTIMPL, "\"%s\" not implemented for '%s'", kernel,
                        dtype_cap_name(dtype));
}

/* A size > 1 dimension with stride 0 means several elements share memory. */
static pl_status
check_no_internal_overlap(const pl_tensor *t)
{
    if (tensor_is_contiguous(t))
        return PL_OK;
    for (int d = 0; d < t->ndim; d++) {
        if (t->shape[d] > 1 && t->strides[d] == 0)
            return pl_error_set(PL_ERR_RUNTIME,
                                "unsupported operation: more than one element of the written-to "
                                "tensor refers to a single memory location. Please clone() the "
                                "tensor before performing the operation.");
    }
    return PL_OK;
}

static void
store_double(pl_dtype dtype, char *base, int64_t off, double v)
{
    switch (dtype) {
    case PL_FLOAT32: ((float *)base)[off] = (float)v; break;
    case PL_FLOAT64: ((double *)base)[off] = v; break;
    case PL_INT64: ((int64_t *)base)[off] = (int64_t)v; break;
    case PL_BOOL: ((bool *)base)[off] = v != 0.0; break;
    default: break;
    }
}

static void
store_int64(pl_dtype dtype, char *base, int64_t off, int64_t v)
{
    switch (dtype) {
    case PL_FLOAT32: ((float *)base)[off] = (float)v; break;
    case PL_FLOAT64: ((double *)base)[off] = (double)v; break;
    case PL_INT64: ((int64_t *)base)[off] = v; break;
    case PL_BOOL: ((bool *)base)[off] = v != 0; break;
    default: break;
    }
}

static pl_status
fill_done(pl_tensor *t)
{
    pl_tensor_bump_version(t);
    return PL_OK;
}

/* ------------------------------------------------------------------------------------------
 * uniform_
 * ---------------------------------------------------------------------------------------- */

pl_status
pl_uniform_(pl_tensor *t, double from, double to, pl_generator *g)
{
    if (!pl_dtype_is_floating(t->dtype))
        return not_implemented("check_uniform_bounds", t->dtype);
    if (from > to)
        return pl_error_set(PL_ERR_RUNTIME,
                            "uniform_ expects to return a [from, to) range, but found from=%g > "
                            "to=%g", from, to);
    double limit = t->dtype == PL_FLOAT32 ? (double)3.40282346638528859812e+38F : 1.7976931348623157e308;
    if (to - from > limit)
        return pl_error_set(PL_ERR_RUNTIME,
                            "uniform_ expects to-from <= std::numeric_limits<%s>::max(), but "
                            "found to=%g and from=%g which result in to-from to exceed the limit",
                            dtype_cap_name(t->dtype), to, from);
    pl_status st = check_no_internal_overlap(t);
    if (st != PL_OK)
        return st;
    g = gen_or_default(g);
    elem_iter it;
    elem_iter_tensor(&it, t);
    int64_t off;
    char *base = pl_tensor_data(t);
    if (t->dtype == PL_FLOAT32) {
        float f = (float)from, span = (float)to - (float)from;
        float *d = (float *)base;
        float t_to = (float)to;
        while (elem_iter_next(&it, &off, NULL)) {
            float v = fmaf(u24(g), span, f);
            d[off] = v == t_to ? f : v; /* rounding up onto `to` maps back to `from` */
        }
    } else {
        double span = to - from;
        double *d = (double *)base;
        while (elem_iter_next(&it, &off, NULL)) {
            uint64_t w = pl_generator_random64(g) & ((UINT64_C(1) << 53) - 1);
            double v = fma((double)w * 0x1p-53, span, from);
            d[off] = v == to ? from : v;
        }
    }
    return fill_done(t);
}

/* ------------------------------------------------------------------------------------------
 * normal_
 * ---------------------------------------------------------------------------------------- */

/* The Cephes-style float log and sincos of PyTorch's AVX2 normal fill, one lane at a time,
 * with the fused multiply-adds that kernel's compilation produces. */
static inline uint32_t
f2u(float x)
{
    uint32_t u;
    memcpy(&u, &x, 4);
    return u;
}

static inline float
u2f(uint32_t u)
{
    float x;
    memcpy(&x, &u, 4);
    return x;
}

static float
lane_log(float x)
{
    static const float coef[8] = {
        -1.1514610310E-1f, 1.1676998740E-1f, -1.2420140846E-1f, 1.4249322787E-1f,
        -1.6668057665E-1f, 2.0000714765E-1f, -2.4999993993E-1f, 3.3333331174E-1f,
    };
    bool invalid = !(x > 0.0f);
    if (x < 0x1p-126f)
        x = 0x1p-126f;
    int32_t ei = (int32_t)(f2u(x) >> 23) - 127;
    x = u2f((f2u(x) & ~0x7F800000u) | f2u(0.5f));
    float e = (float)ei + 1.0f;
    float tmask = 0.0f;
    if (x < 0.707106781186547524f) {
        tmask = x;
        e = e - 1.0f;
    }
    x = (x - 1.0f) + tmask;
    float z = x * x;
    float y = 7.0376836292E-2f;
    for (int i = 0; i < 8; i++)
        y = fmaf(y, x, coef[i]);
    y = y * x;
    y = fmaf(y, z, e * -2.12194440e-4f);
    y = fmaf(-z, 0.5f, y);
    x = x + y;
    x = fmaf(e, 0.693359375f, x);
    return invalid ? NAN : x;
}

static void
lane_sincos(float v, float *s_out, float *c_out)
{
    uint32_t sign_s = f2u(v) & 0x80000000u;
    float x = fabsf(v);
    float y = x * 1.27323954473516f;
    int32_t j = (int32_t)y;
    j = (j + 1) & ~1;
    y = (float)j;
    uint32_t swap = (uint32_t)(j & 4) << 29;
    bool poly = (j & 2) == 0;
    x = fmaf(y, -0.78515625f, x);
    x = fmaf(y, -2.4187564849853515625e-4f, x);
    x = fmaf(y, -3.77489497744594108e-8f, x);
    uint32_t sign_c = (uint32_t)((~(j - 2)) & 4) << 29;
    sign_s ^= swap;
    float z = x * x;
    float h = z * 0.5f;
    float c = 2.443315711809948E-5f;
    c = fmaf(c, z, -1.388731625493765E-3f);
    c = fmaf(c, z, 4.166664568298827E-2f);
    c = c * z;
    c = fmaf(c, z, -h);
    c = c + 1.0f;
    float s = -1.9515295891E-4f;
    s = fmaf(s, z, 8.3321608736E-3f);
    s = fmaf(s, z, -1.6666654611E-1f);
    s = s * z;
    s = fmaf(s, x, x);
    float sv = poly ? s : c, cv = poly ? c : s;
    *s_out = u2f(f2u(sv) ^ sign_s);
    *c_out = u2f(f2u(cv) ^ sign_c);
}

/* Sixteen uniforms in p -> sixteen normals (pairs j, j+8), float32 fill. */
static void
normal_block16_f32(float *p, float mean, float std)
{
    const float two_pi = (float)6.283185307179586;
    for (int j = 0; j < 8; j++) {
        float u1 = 1.0f - p[j];
        float u2 = p[j + 8];
        float radius = sqrtf(-2.0f * lane_log(u1));
        float theta = two_pi * u2;
        float s, c;
        lane_sincos(theta, &s, &c);
        float n1 = radius * c, n2 = radius * s;
        p[j] = fmaf(n1, std, mean);
        p[j + 8] = fmaf(n2, std, mean);
    }
}

static void
normal_block16_f64(double *p, double mean, double std)
{
    for (int j = 0; j < 8; j++) {
        double u1 = 1.0 - p[j];
        double u2 = p[j + 8];
        double radius = sqrt(-2.0 * log(u1));
        double theta = 6.283185307179586 * u2;
        p[j] = fma(radius * cos(theta), std, mean);
        p[j + 8] = fma(radius * sin(theta), std, mean);
    }
}

static void
normal_fill_f32(float *d, int64_t n, float mean, float std, pl_generator *g)
{
    for (int64_t i = 0; i < n; i++)
        d[i] = u24(g);
    for (int64_t i = 0; i + 16 <= n; i += 16)
        normal_block16_f32(d + i, mean, std);
    if (n % 16 != 0) {
        float *tail = d + n - 16;
        for (int k = 0; k < 16; k++)
            tail[k] = u24(g);
        normal_block16_f32(tail, mean, std);
    }
}

static void
normal_fill_f64(double *d, int64_t n, double mean, double std, pl_generator *g)
{
    for (int64_t i = 0; i < n; i++)
        d[i] = u53(g);
    for (int64_t i = 0; i + 16 <= n; i += 16)
        normal_block16_f64(d + i, mean, std);
    if (n % 16 != 0) {
        double *tail = d + n - 16;
        for (int k = 0; k < 16; k++)
            tail[k] = u53(g);
        normal_block16_f64(tail, mean, std);
    }
}

pl_status
pl_normal_(pl_tensor *t, double mean, double std, pl_generator *g)
{
    if (std < 0.0)
        return pl_error_set(PL_ERR_RUNTIME, "normal expects std >= 0.0, but found std %g", std);
    if (!pl_dtype_is_floating(t->dtype))
        return not_implemented("normal_kernel_cpu", t->dtype);
    pl_status st = check_no_internal_overlap(t);
    if (st != PL_OK)
        return st;
    g = gen_or_default(g);
    char *base = pl_tensor_data(t);
    if (t->numel >= 16 && tensor_is_contiguous(t)) {
        if (t->dtype == PL_FLOAT32)
            normal_fill_f32((float *)base, t->numel, (float)mean, (float)std, g);
        else
            normal_fill_f64((double *)base, t->numel, mean, std, g);
        return fill_done(t);
    }
    elem_iter it;
    elem_iter_tensor(&it, t);
    int64_t off;
    while (elem_iter_next(&it, &off, NULL))
        store_double(t->dtype, base, off, normal_double(g, mean, std));
    return fill_done(t);
}

/* ------------------------------------------------------------------------------------------
 * exponential_, cauchy_, log_normal_, geometric_: double math per element, then a cast
 * ---------------------------------------------------------------------------------------- */

typedef enum { DIST_EXPONENTIAL, DIST_CAUCHY, DIST_LOG_NORMAL, DIST_GEOMETRIC } dist_kind;

static pl_status
fill_double_dist(pl_tensor *t, dist_kind kind, double a, double b, pl_generator *g)
{
    pl_status st = check_no_internal_overlap(t);
    if (st != PL_OK)
        return st;
    g = gen_or_default(g);
    elem_iter it;
    elem_iter_tensor(&it, t);
    int64_t off;
    char *base = pl_tensor_data(t);
    const double pi = 3.14159265358979323846;
    double log1p_minus_p = kind == DIST_GEOMETRIC ? log1p(-a) : 0.0;
    while (elem_iter_next(&it, &off, NULL)) {
        double v;
        switch (kind) {
        case DIST_EXPONENTIAL:
            v = -1.0 / a * log1p(-u53(g));
            break;
        case DIST_CAUCHY:
            v = fma(b, tan(pi * (u53(g) - 0.5)), a);
            break;
        case DIST_LOG_NORMAL:
            v = exp(normal_double(g, a, b));
            break;
        default: /* DIST_GEOMETRIC */
            v = ceil(log(u53(g)) / log1p_minus_p);
            break;
        }
        store_double(t->dtype, base, off, v);
    }
    return fill_done(t);
}

pl_status
pl_exponential_(pl_tensor *t, double lambd, pl_generator *g)
{
    if (!(lambd > 0.0))
        return pl_error_set(PL_ERR_RUNTIME, "exponential_ expects lambda > 0.0, but found lambda=%g",
                            lambd);
    if (!pl_dtype_is_floating(t->dtype))
        return pl_error_set(PL_ERR_RUNTIME,
                            "Exponential distribution is a continuous probability distribution. "
                            "dtype must be a floating point but you specified %s",
                            dtype_cap_name(t->dtype));
    return fill_double_dist(t, DIST_EXPONENTIAL, lambd, 0.0, g);
}

pl_status
pl_cauchy_(pl_tensor *t, double median, double sigma, pl_generator *g)
{
    if (!(sigma > 0.0))
        return pl_error_set(PL_ERR_RUNTIME, "cauchy_ expects sigma > 0.0, but found sigma=%g",
                            sigma);
    if (!pl_dtype_is_floating(t->dtype))
        return pl_error_set(PL_ERR_RUNTIME,
                            "Cauchy distribution is a continuous probability distribution. "
                            "dtype must be a floating point but you specified %s",
                            t->dtype == PL_INT64 ? "long int" : "bool");
    return fill_double_dist(t, DIST_CAUCHY, median, sigma, g);
}

pl_status
pl_log_normal_(pl_tensor *t, double mean, double std, pl_generator *g)
{
    if (!(std > 0.0))
        return pl_error_set(PL_ERR_RUNTIME, "log_normal_ expects std > 0.0, but found std=%g", std);
    if (!pl_dtype_is_floating(t->dtype))
        return not_implemented("log_normal_cpu", t->dtype);
    return fill_double_dist(t, DIST_LOG_NORMAL, mean, std, g);
}

pl_status
pl_geometric_(pl_tensor *t, double p, pl_generator *g)
{
    if (!(p > 0.0 && p < 1.0))
        return pl_error_set(PL_ERR_RUNTIME, "geometric_ expects p to be in (0, 1), but got p=%g",
                            p);
    if (t->dtype == PL_BOOL)
        return not_implemented("geometric_cpu", t->dtype);
    return fill_double_dist(t, DIST_GEOMETRIC, p, 0.0, g);
}

/* ------------------------------------------------------------------------------------------
 * random_: integers from a word, by plain modulo (PyTorch's uniform_int* distributions)
 * ---------------------------------------------------------------------------------------- */

pl_status
pl_random_(pl_tensor *t, pl_generator *g)
{
    pl_status st = check_no_internal_overlap(t);
    if (st != PL_OK)
        return st;
    g = gen_or_default(g);
    elem_iter it;
    elem_iter_tensor(&it, t);
    int64_t off;
    char *base = pl_tensor_data(t);
    while (elem_iter_next(&it, &off, NULL)) {
        switch (t->dtype) {
        case PL_BOOL:
            ((bool *)base)[off] = (pl_generator_random(g) & 1u) != 0;
            break;
        case PL_INT64:
            ((int64_t *)base)[off] = (int64_t)(pl_generator_random64(g) & INT64_MAX);
            break;
        case PL_FLOAT32:
            ((float *)base)[off] = (float)(pl_generator_random(g) % ((UINT32_C(1) << 24) + 1));
            break;
        default: /* PL_FLOAT64 */
            ((double *)base)[off] =
                (double)(pl_generator_random64(g) % ((UINT64_C(1) << 53) + 1));
            break;
        }
    }
    return fill_done(t);
}

/* The largest integer n such that every integer up to n is exact in the float dtype. */
static int64_t
float_digits(pl_dtype dtype)
{
    return dtype == PL_FLOAT32 ? 24 : 53;
}

/* PyTorch moves `from` up to the next value representable in the float dtype. */
static int64_t
float_update_from(int64_t from, pl_dtype dtype)
{
    int64_t from_plus_1 = dtype == PL_FLOAT32 ? (int64_t)(float)(from + 1)
                                              : (int64_t)(double)(from + 1);
    if (from_plus_1 < from) {
        int64_t mag = llabs(from + 1);
        int n = 0;
        while (mag >>= 1)
            n++;
        from = from_plus_1 + (INT64_C(1) << (n - float_digits(dtype) + 1));
    }
    return from;
}

static int64_t
float_update_to(int64_t to, pl_dtype dtype)
{
    int64_t to_minus_1 = dtype == PL_FLOAT32 ? (int64_t)(float)(to - 1)
                                             : (int64_t)(double)(to - 1);
    if (to_minus_1 >= to) {
        int64_t mag = llabs(to - 1);
        int n = 0;
        while (mag >>= 1)
            n++;
        to = to_minus_1 - (INT64_C(1) << (n - float_digits(dtype) + 1));
    }
    return to;
}

static pl_status
check_from_to_in_range(int64_t from, int64_t to_inc, pl_dtype dtype)
{
    if (dtype != PL_BOOL)
        return PL_OK; /* int64 and the float ranges hold every int64 */
    if (from < 0 || from > 1)
        return pl_error_set(PL_ERR_RUNTIME, "from is out of bounds for bool");
    if (to_inc < 0 || to_inc > 1)
        return pl_error_set(PL_ERR_RUNTIME, "to - 1 is out of bounds for bool");
    return PL_OK;
}

pl_status
pl_random_from_to_(pl_tensor *t, int64_t from, bool has_to, int64_t to, pl_generator *g)
{
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
    pl_status st = check_no_internal_overlap(t);
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
    if (!(p >= 0.0 && p <= 1.0))
        return pl_error_set(PL_ERR_RUNTIME, "bernoulli_ expects p to be in [0, 1], but got p=%g",
                            p);
    pl_status st = check_no_internal_overlap(t);
    if (st != PL_OK)
        return st;
    g = gen_or_default(g);
    elem_iter it;
    elem_iter_tensor(&it, t);
    int64_t off;
    char *base = pl_tensor_data(t);
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
    pl_status st = check_no_internal_overlap(t);
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
 * keys probs / q in the probs dtype, then each row's top num_samples keys (argmax for one). */
static pl_status
multinomial_exponential(const pl_tensor *probs, int64_t rows, int64_t cats, int64_t nsample,
                        int64_t *out, pl_generator *g)
{
    int64_t qstrides[PL_MAX_DIMS];
    empty_like_strides(probs, qstrides);
    int64_t total = rows * cats;
    double *q = malloc((size_t)total * sizeof *q);
    int64_t *order = malloc((size_t)cats * sizeof *order);
    if (q == NULL || order == NULL) {
        free(q);
        free(order);
        return pl_error_nomem();
    }
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
            free(order);
            return pl_error_nomem();
        }
        for (int64_t j = 0; j < cats; j++) {
            double pv = read_prob(probs, pbase, i * ps0 + j * ps1);
            double qv = q[i * qs0 + j * qs1];
            key[j] = f32 ? (double)((float)pv / (float)qv) : pv / qv;
        }
        for (int64_t j = 0; j < cats; j++)
            order[j] = j;
        /* partial selection sort: largest first, the lower index first on ties */
        for (int64_t k = 0; k < nsample; k++) {
            int64_t best = k;
            for (int64_t j = k + 1; j < cats; j++) {
                double a = key[order[j]], b = key[order[best]];
                if (a > b || (a == b && order[j] < order[best]) || (isnan(a) && !isnan(b)))
                    best = j;
            }
            int64_t tmp = order[k];
            order[k] = order[best];
            order[best] = tmp;
            out[i * nsample + k] = order[k];
        }
        free(key);
    }
    free(q);
    free(order);
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
