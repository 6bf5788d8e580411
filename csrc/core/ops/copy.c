/* copy.c — copies between views with casting, clone, contiguous, dtype conversion, fill. */
#include <string.h>

#include "../autograd.h"
#include "../ops.h"
#include "internal.h"

/* cast kernels: dst[i] = (TD) src[i] for every (dst, src) dtype pair */
#define DEFINE_CAST(NAME, TD, TS, CONV)                                                      \
    static void NAME(char **p, const int64_t *s, int64_t n, void *ctx)                       \
    {                                                                                        \
        (void)ctx;                                                                           \
        if (s[0] == sizeof(TD) && s[1] == sizeof(TS)) {                                      \
            TD *d = (TD *)p[0];                                                              \
            const TS *a = (const TS *)p[1];                                                  \
            for (int64_t i = 0; i < n; i++) {                                                \
                TS x = a[i];                                                                 \
                d[i] = (TD)(CONV);                                                           \
            }                                                                                \
            return;                                                                          \
        }                                                                                    \
        for (int64_t i = 0; i < n; i++) {                                                    \
            TS x = *(const TS *)(p[1] + i * s[1]);                                           \
            *(TD *)(p[0] + i * s[0]) = (TD)(CONV);                                           \
        }                                                                                    \
    }

/* Each element is read as int64 (integer and bool sources) or double (floating sources, all
 * exact in double) and stored by the destination's rule, PyTorch's casts on x86:
 * - to bool: x != 0 (nan is true);
 * - floating to int64 and uint8: through int64, out-of-range values and nan giving INT64_MIN
 *   (uint8 keeps its low byte); floating to int32/int16/int8: through int32, out-of-range and nan
 *   giving INT32_MIN, then the low bits (so 70000.0 -> int16 is 4464, 1e10 -> int16 is 0);
 * - integer to a narrower integer keeps the low bits (-1 -> uint8 is 255);
 * - to float16/bfloat16: through float32, then round to nearest even (half.h). */
static inline int32_t
double_to_int32(double x)
{
    if (x >= -2147483648.0 && x < 2147483648.0) return (int32_t)x;
    return INT32_MIN;
}
#define ST_I(DN, TD, FROM_I, FROM_D)                                                         \
    static inline TD st_##DN##_i(int64_t v) { return FROM_I; }                              \
    static inline TD st_##DN##_d(double v) { return FROM_D; }
ST_I(b, uint8_t, v != 0, v != 0)
ST_I(l, int64_t, v, pl_double_to_int64(v))
ST_I(f, float, (float)v, (float)v)
ST_I(d, double, (double)v, v)
ST_I(u8, uint8_t, (uint8_t)(uint64_t)v, (uint8_t)(uint64_t)pl_double_to_int64(v))
ST_I(i8, int8_t, (int8_t)(uint64_t)v, (int8_t)double_to_int32(v))
ST_I(i16, int16_t, (int16_t)(uint64_t)v, (int16_t)double_to_int32(v))
ST_I(i32, int32_t, (int32_t)(uint64_t)v, double_to_int32(v))
ST_I(h, uint16_t, pl_float_to_half((float)v), pl_float_to_half((float)v))
ST_I(bf, uint16_t, pl_float_to_bf16((float)v), pl_float_to_bf16((float)v))

/* one destination dtype's row: a kernel per source dtype, in the enum's order */
#define CAST_ROW(DN, TD)                                                                     \
    DEFINE_CAST(DN##_b, TD, uint8_t, st_##DN##_i((int64_t)(x != 0)))                         \
    DEFINE_CAST(DN##_l, TD, int64_t, st_##DN##_i(x))                                         \
    DEFINE_CAST(DN##_f, TD, float, st_##DN##_d(x))                                           \
    DEFINE_CAST(DN##_d, TD, double, st_##DN##_d(x))                                          \
    DEFINE_CAST(DN##_u8, TD, uint8_t, st_##DN##_i(x))                                        \
    DEFINE_CAST(DN##_i8, TD, int8_t, st_##DN##_i(x))                                         \
    DEFINE_CAST(DN##_i16, TD, int16_t, st_##DN##_i(x))                                       \
    DEFINE_CAST(DN##_i32, TD, int32_t, st_##DN##_i(x))                                       \
    DEFINE_CAST(DN##_h, TD, uint16_t, st_##DN##_d(pl_half_to_float(x)))                      \
    DEFINE_CAST(DN##_bf, TD, uint16_t, st_##DN##_d(pl_bf16_to_float(x)))
#define ROW_FNS(DN) {DN##_b, DN##_l, DN##_f, DN##_d, DN##_u8, DN##_i8, DN##_i16, DN##_i32, DN##_h, DN##_bf}

CAST_ROW(b, uint8_t)
CAST_ROW(l, int64_t)
CAST_ROW(f, float)
CAST_ROW(d, double)
CAST_ROW(u8, uint8_t)
CAST_ROW(i8, int8_t)
CAST_ROW(i16, int16_t)
CAST_ROW(i32, int32_t)
CAST_ROW(h, uint16_t)
CAST_ROW(bf, uint16_t)

/* [dst][src] */
static const pl_inner_fn cast_kernels[PL_NUM_DTYPES][PL_NUM_DTYPES] = {
    ROW_FNS(b), ROW_FNS(l), ROW_FNS(f), ROW_FNS(d), ROW_FNS(u8),
    ROW_FNS(i8), ROW_FNS(i16), ROW_FNS(i32), ROW_FNS(h), ROW_FNS(bf),
};

/* float32 <-> float16 of contiguous runs with the F16C instructions (round to nearest even,
 * subnormals kept, as the scalar kernels above, which stay the reference: strided copies and
 * CPUs without F16C use them, and the tests compare the two on every bit pattern). NaNs keep
 * their top payload bits here, where the scalar kernel gives the canonical 0x7e00. */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define PL_HAVE_F16C_BUILD 1
__attribute__((target("avx,f16c"))) static void
f32_to_f16_f16c(uint16_t *restrict d, const float *restrict s, int64_t n) /* (n,) each */
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(s + i), _MM_FROUND_TO_NEAREST_INT);
        _mm_storeu_si128((__m128i *)(d + i), h);
    }
    for (; i < n; i++) d[i] = pl_float_to_half(s[i]);
}

__attribute__((target("avx,f16c"))) static void
f16_to_f32_f16c(float *restrict d, const uint16_t *restrict s, int64_t n) /* (n,) each */
{
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm256_storeu_ps(d + i, _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(s + i))));
    }
    for (; i < n; i++) d[i] = pl_half_to_float(s[i]);
}

static bool
cpu_has_f16c(void)
{
    static int cached = -1;
    if (cached < 0) {
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("avx") && __builtin_cpu_supports("f16c");
    }
    return cached != 0;
}
#endif

/* dst = src for contiguous float32/float16 pairs of one shape on an F16C CPU; false otherwise
 * (the caller then takes the reference kernels). */
static bool
copy_half_fast(pl_tensor *dst, const pl_tensor *src)
{
#ifdef PL_HAVE_F16C_BUILD
    bool to_half = dst->dtype == PL_FLOAT16 && src->dtype == PL_FLOAT32;
    bool from_half = dst->dtype == PL_FLOAT32 && src->dtype == PL_FLOAT16;
    if (!(to_half || from_half) || !pl_same_shape(dst, src) || !pl_tensor_is_contiguous(dst) ||
        !pl_tensor_is_contiguous(src) || !cpu_has_f16c()) {
        return false;
    }
    if (to_half) {
        f32_to_f16_f16c((uint16_t *)pl_tensor_data(dst), (const float *)pl_tensor_data(src), dst->numel);
    } else {
        f16_to_f32_f16c((float *)pl_tensor_data(dst), (const uint16_t *)pl_tensor_data(src), dst->numel);
    }
    return true;
#else
    (void)dst, (void)src;
    return false;
#endif
}

void
pl_store_double(void *dst, pl_dtype dtype, double value)
{
    char *p[2] = {dst, (char *)&value};
    int64_t s[2] = {(int64_t)pl_dtype_size(dtype), (int64_t)sizeof(double)};
    cast_kernels[dtype][PL_FLOAT64](p, s, 1, NULL);
}

pl_status
pl_copy_raw(pl_tensor *dst, const pl_tensor *src)
{
    int nd;
    int64_t shape[PL_MAX_DIMS];
    if (pl_broadcast_shapes(dst->ndim, dst->shape, src->ndim, src->shape, &nd, shape) != PL_OK ||
        nd != dst->ndim || memcmp(shape, dst->shape, sizeof(int64_t) * nd) != 0) {
        char a[128], b[128];
        pl_format_shape(a, sizeof a, src->ndim, src->shape);
        pl_format_shape(b, sizeof b, dst->ndim, dst->shape);
        return pl_error_set(PL_ERR_RUNTIME,
                            "The size of tensor a (%s) must match the size of tensor b (%s)", b, a);
    }
    if (dst->numel == 0) return PL_OK;
    if (dst->dtype == src->dtype && pl_same_shape(dst, src) && pl_tensor_is_contiguous(dst) &&
        pl_tensor_is_contiguous(src)) {
        memmove(pl_tensor_data(dst), pl_tensor_data(src), (size_t)dst->numel * pl_dtype_size(dst->dtype));
        return PL_OK;
    }
    if (copy_half_fast(dst, src)) return PL_OK;
    pl_loop loop;
    pl_loop_init(&loop, dst->ndim, dst->shape);
    pl_loop_add(&loop, dst);
    pl_loop_add(&loop, src);
    pl_loop_run(&loop, cast_kernels[dst->dtype][src->dtype], NULL);
    return PL_OK;
}

/* ---- clone / contiguous ---- */

static pl_status
clone_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    (void)node;
    din[0] = pl_tensor_retain(g);
    return PL_OK;
}
static const pl_node_kind clone_kind = {"CloneBackward0", clone_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind to_copy_kind = {"ToCopyBackward0", clone_backward, PL_KIND_DIFFERENTIABLE};

static pl_tensor *
copy_to_new(pl_tensor *a, pl_dtype dtype, const pl_node_kind *kind)
{
    pl_tensor *out = pl_tensor_empty(a->ndim, a->shape, dtype);
    if (!out) return NULL;
    if (pl_copy_raw(out, a) != PL_OK) {
        pl_tensor_release(out);
        return NULL;
    }
    if (pl_dtype_is_floating(dtype) && pl_needs_grad(&a, 1)) {
        out = pl_record(out, kind, &a, 1, NULL, 0, NULL);
    }
    return out;
}

pl_tensor *
pl_clone(pl_tensor *a)
{
    return copy_to_new(a, a->dtype, &clone_kind);
}

pl_tensor *
pl_contiguous(pl_tensor *a)
{
    if (pl_tensor_is_contiguous(a)) {
        return pl_tensor_retain(a);
    }
    return copy_to_new(a, a->dtype, &clone_kind);
}

pl_tensor *
pl_to_dtype(pl_tensor *a, pl_dtype dtype)
{
    if (a->dtype == dtype) {
        return pl_tensor_retain(a);
    }
    return copy_to_new(a, dtype, &to_copy_kind);
}

pl_tensor *
pl_cast_raw(const pl_tensor *a, pl_dtype dtype)
{
    pl_tensor *out = pl_tensor_empty(a->ndim, a->shape, dtype);
    if (out && pl_copy_raw(out, a) != PL_OK) {
        pl_tensor_release(out);
        return NULL;
    }
    return out;
}

pl_tensor *
pl_from_compute(pl_tensor *r, pl_dtype dtype)
{
    if (!r || r->dtype != pl_dtype_compute(dtype) || r->dtype == dtype) return r;
    pl_tensor *out = pl_to_dtype(r, dtype);
    pl_tensor_release(r);
    return out;
}

pl_tensor *
pl_from_compute_of(pl_tensor *r, pl_dtype dtype, pl_tensor *const *origs, pl_tensor *const *casts,
                   int n)
{
    if (!r || r->dtype != pl_dtype_compute(dtype) || r->dtype == dtype) return r;
    pl_node *node = r->grad_fn;
    if (!node || node->n_outputs > 1 || node->kind == &to_copy_kind) return pl_from_compute(r, dtype);
    pl_tensor *out = pl_cast_raw(r, dtype);
    pl_status st = out ? PL_OK : pl_error_status();
    for (int i = 0; st == PL_OK && i < n; i++) {
        if (casts[i] && casts[i] != origs[i]) st = pl_node_retarget_edges(node, casts[i], origs[i]);
    }
    if (st != PL_OK) { /* some edges may have moved: the node stays usable, out is dropped */
        pl_tensor_release(out);
        pl_tensor_release(r);
        return NULL;
    }
    node->grad_in_compute = true;
    node->storage_dtype = dtype;
    pl_node_attach(out, pl_node_retain(node));
    pl_tensor_release(r);
    return out;
}

/* ---- in-place writes ---- */

pl_status
pl_check_inplace(pl_tensor *t)
{
    /* PyTorch's order: a view requiring grad whose base is a leaf (with or without grad: a
     * view made to require grad itself counts), then a leaf requiring grad */
    if (pl_grad_enabled() && t->requires_grad && t->base && !t->base->grad_fn) {
        return pl_error_set(PL_ERR_RUNTIME, "a view of a leaf Variable that requires grad is being "
                                            "used in an in-place operation.");
    }
    if (pl_grad_enabled() && t->requires_grad && !t->grad_fn) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "a leaf Variable that requires grad is being used in an in-place operation.");
    }
    if (t->inference && !pl_inference_mode_enabled()) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "Inplace update to inference tensor outside InferenceMode is not "
                            "allowed.You can make a clone to get a normal tensor before doing "
                            "inplace update.See https://github.com/pytorch/rfcs/pull/17 for more "
                            "details.");
    }
    return PL_OK;
}

pl_status
pl_check_no_overlap(const pl_tensor *t)
{
    for (int d = 0; d < t->ndim; d++) {
        if (t->shape[d] > 1 && t->strides[d] == 0) {
            return pl_error_set(PL_ERR_RUNTIME,
                                "unsupported operation: more than one element of the written-to "
                                "tensor refers to a single memory location. Please clone() the "
                                "tensor before performing the operation.");
        }
    }
    return PL_OK;
}

bool
pl_non_overlapping_and_dense(const pl_tensor *t)
{
    int perm[PL_MAX_DIMS];
    int n = 0;
    for (int d = 0; d < t->ndim; d++) {
        if (t->shape[d] == 1) continue; /* a size-1 dim's stride never matters */
        /* insertion sort by stride, smallest first */
        int j = n++;
        while (j > 0 && t->strides[perm[j - 1]] > t->strides[d]) {
            perm[j] = perm[j - 1];
            j--;
        }
        perm[j] = d;
    }
    int64_t expected = 1;
    for (int i = 0; i < n; i++) {
        if (t->strides[perm[i]] != expected) return false;
        expected *= t->shape[perm[i]];
    }
    return true;
}

pl_status
pl_check_no_partial_overlap(const pl_tensor *out, const pl_tensor *in)
{
    if (out == in || out->storage != in->storage || out->numel == 0 || in->numel == 0) {
        return PL_OK;
    }
    if (!pl_non_overlapping_and_dense(out) || !pl_non_overlapping_and_dense(in)) {
        return PL_OK;
    }
    int64_t so = (int64_t)pl_dtype_size(out->dtype), si = (int64_t)pl_dtype_size(in->dtype);
    int64_t out_begin = out->offset * so, out_end = out_begin + out->numel * so;
    int64_t in_begin = in->offset * si, in_end = in_begin + in->numel * si;
    bool partial;
    if (out_begin == in_begin && out_end == in_end) {
        partial = out->ndim != in->ndim ||
                  memcmp(out->strides, in->strides, sizeof(int64_t) * out->ndim) != 0;
    } else {
        partial = out_begin < in_end && in_begin < out_end;
    }
    if (partial) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "unsupported operation: some elements of the input tensor and the "
                            "written-to tensor refer to a single memory location. Please clone() "
                            "the tensor before performing the operation.");
    }
    return PL_OK;
}

static pl_status
copy_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    (void)node;
    /* dst's old value is overwritten: a zero gradient to it (a constant, so also under
     * create_graph); src gets the gradient */
    din[0] = pl_tensor_zeros(g->ndim, g->shape, g->dtype);
    if (!din[0]) return pl_error_status();
    din[1] = pl_tensor_retain(g);
    return PL_OK;
}
static const pl_node_kind copy_kind = {"CopyBackwards", copy_backward, PL_KIND_DIFFERENTIABLE};

pl_status
pl_copy_(pl_tensor *dst, pl_tensor *src)
{
    pl_status st = pl_check_inplace(dst);
    if (st == PL_OK) st = pl_check_no_overlap(dst);
    if (st == PL_OK) st = pl_check_no_partial_overlap(dst, src);
    if (st != PL_OK) return st;
    pl_tensor *ins[2] = {dst, src};
    bool record = pl_dtype_is_floating(dst->dtype) && pl_needs_grad(ins, 2);
    /* Not pl_record: the node is dst's new history (a view's base takes CopySlices), given by
     * pl_view_rebase once the copy succeeded. */
    pl_node *node = NULL;
    if (record && !(node = pl_node_new(&copy_kind, ins, 2))) return pl_error_status();
    st = pl_copy_raw(dst, src);
    if (st != PL_OK) {
        pl_node_release(node);
        return st;
    }
    pl_tensor_bump_version(dst);
    /* a view records CopySlices on its base (PyTorch's rebase), other tensors take node */
    return record ? pl_view_rebase(dst, node) : PL_OK;
}

#define DEFINE_FILL(NAME, T)                                                                 \
    static void NAME(char **p, const int64_t *s, int64_t n, void *ctx)                       \
    {                                                                                        \
        T v = *(const T *)ctx;                                                               \
        for (int64_t i = 0; i < n; i++) *(T *)(p[0] + i * s[0]) = v;                         \
    }
DEFINE_FILL(fill_1, uint8_t)
DEFINE_FILL(fill_2, uint16_t)
DEFINE_FILL(fill_4, uint32_t)
DEFINE_FILL(fill_8, int64_t)

/* fill_'s and zero_'s nodes: the overwritten history gets a zero gradient (a constant, so
 * also under create_graph) */
static pl_status
zero_backward(pl_node *node, pl_tensor *dout, pl_tensor **din)
{
    (void)node;
    din[0] = pl_tensor_zeros(dout->ndim, dout->shape, dout->dtype);
    return din[0] ? PL_OK : pl_error_status();
}
static const pl_node_kind fill_kind = {"FillBackward2", zero_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind zero_kind = {"ZeroBackward0", zero_backward, PL_KIND_DIFFERENTIABLE};

static pl_status fill_scalar_(pl_tensor *t, pl_scalar value, const pl_node_kind *kind);

pl_status
pl_fill_(pl_tensor *t, double value)
{
    return fill_scalar_(t, (pl_scalar){false, 0, value}, &fill_kind);
}

pl_status
pl_zero_(pl_tensor *t)
{
    return fill_scalar_(t, (pl_scalar){false, 0, 0.0}, &zero_kind);
}

pl_status
pl_fill_scalar_(pl_tensor *t, pl_scalar value)
{
    return fill_scalar_(t, value, &fill_kind);
}

static pl_status
fill_scalar_(pl_tensor *t, pl_scalar value, const pl_node_kind *kind)
{
    pl_status st = pl_check_inplace(t);
    if (st != PL_OK) return st;
    int64_t exact = 0; /* the int64 value, exact for an int scalar */
    if (t->dtype == PL_INT64 && (st = pl_scalar_to_int64_checked(value, &exact)) != PL_OK) return st;
    /* PyTorch checks the value, but for a one-element floating tensor (its fast path, where
     * float16 takes an out-of-range value as inf) */
    if (t->dtype != PL_INT64 && !(pl_dtype_is_floating(t->dtype) && t->numel == 1) &&
        (st = pl_check_scalar_fits(value.d, t->dtype)) != PL_OK)
        return st;
    if (pl_tensor_is_contiguous(t) && !(t->dtype == PL_INT64 && value.is_int)) {
        pl_fill_contiguous(pl_tensor_data(t), t->dtype, t->numel, value.d);
    } else {
        /* one element's bytes, then a fill by element size */
        union { uint8_t b; uint16_t h; uint32_t w; int64_t i; } v;
        static const pl_inner_fn by_size[9] = {NULL, fill_1, fill_2, NULL, fill_4, NULL, NULL, NULL, fill_8};
        if (t->dtype == PL_INT64) {
            v.i = exact;
        } else if (t->dtype == PL_INT32 && value.is_int) {
            v.w = (uint32_t)(uint64_t)value.i;
        } else {
            pl_store_double(&v, t->dtype, value.d);
        }
        pl_loop loop;
        pl_loop_init(&loop, t->ndim, t->shape);
        pl_loop_add(&loop, t);
        pl_loop_run(&loop, by_size[pl_dtype_size(t->dtype)], &v);
    }
    pl_tensor_bump_version(t);
    if (pl_grad_enabled() && pl_dtype_is_floating(t->dtype) && t->base && t->base->requires_grad) {
        return pl_view_rebase(t, NULL); /* constants in the region: no gradient flows there */
    }
    if (t->requires_grad && t->grad_fn && pl_grad_enabled()) {
        /* PyTorch's FillBackward2 / ZeroBackward0: one edge, to the overwritten history */
        pl_node *node = pl_node_new(kind, &t, 1);
        if (!node) return pl_error_status();
        pl_node_attach(t, node); /* steals node */
    }
    return PL_OK;
}
