/* copy.c — copies between views with casting, clone, contiguous, dtype conversion, fill. */
#include <string.h>

#include "../autograd.h"
#include "../ops.h"

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

DEFINE_CAST(b_b, uint8_t, uint8_t, x)
DEFINE_CAST(b_i, uint8_t, int64_t, x != 0)
DEFINE_CAST(b_f, uint8_t, float, x != 0)
DEFINE_CAST(b_d, uint8_t, double, x != 0)
DEFINE_CAST(i_b, int64_t, uint8_t, x)
DEFINE_CAST(i_i, int64_t, int64_t, x)
/* float -> int64: out-of-range values and nan become INT64_MIN, as PyTorch's cast does on x86 */
DEFINE_CAST(i_f, int64_t, float, pl_double_to_int64(x))
DEFINE_CAST(i_d, int64_t, double, pl_double_to_int64(x))
DEFINE_CAST(f_b, float, uint8_t, x)
DEFINE_CAST(f_i, float, int64_t, x)
DEFINE_CAST(f_f, float, float, x)
DEFINE_CAST(f_d, float, double, x)
DEFINE_CAST(d_b, double, uint8_t, x)
DEFINE_CAST(d_i, double, int64_t, x)
DEFINE_CAST(d_f, double, float, x)
DEFINE_CAST(d_d, double, double, x)

static const pl_inner_fn cast_kernels[PL_NUM_DTYPES][PL_NUM_DTYPES] = {
    {b_b, b_i, b_f, b_d},
    {i_b, i_i, i_f, i_d},
    {f_b, f_i, f_f, f_d},
    {d_b, d_i, d_f, d_d},
};

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
        pl_node *node = pl_node_new(kind, &a, 1);
        if (!node) {
            pl_tensor_release(out);
            return NULL;
        }
        pl_node_attach(out, node);
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

/* ---- in-place writes ---- */

pl_status
pl_check_inplace(pl_tensor *t)
{
    if (pl_grad_enabled() && t->requires_grad && !t->grad_fn) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "a leaf Variable that requires grad is being used in an in-place operation.");
    }
    if (pl_grad_enabled() && t->base && t->base->requires_grad && !t->base->grad_fn) {
        return pl_error_set(PL_ERR_RUNTIME, "a view of a leaf Variable that requires grad is being "
                                            "used in an in-place operation.");
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

/* Whether t's elements fill a block of storage exactly once, in some order of its dims. */
static bool
non_overlapping_and_dense(const pl_tensor *t)
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
    if (!non_overlapping_and_dense(out) || !non_overlapping_and_dense(in)) {
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
    /* dst's old value is overwritten: no gradient to it; src gets the gradient */
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
DEFINE_FILL(fill_f, float)
DEFINE_FILL(fill_8, int64_t)

pl_status
pl_fill_(pl_tensor *t, double value)
{
    return pl_fill_scalar_(t, (pl_scalar){false, 0, value});
}

pl_status
pl_fill_scalar_(pl_tensor *t, pl_scalar value)
{
    pl_status st = pl_check_inplace(t);
    if (st != PL_OK) return st;
    int64_t exact = 0; /* the int64 value, exact for an int scalar */
    if (t->dtype == PL_INT64 && (st = pl_scalar_to_int64_checked(value, &exact)) != PL_OK) return st;
    if (pl_tensor_is_contiguous(t) && !(t->dtype == PL_INT64 && value.is_int)) {
        pl_fill_contiguous(pl_tensor_data(t), t->dtype, t->numel, value.d);
    } else {
        union { uint8_t b; float f; int64_t i; double d; } v;
        pl_inner_fn fn;
        switch (t->dtype) {
        case PL_BOOL: v.b = value.d != 0; fn = fill_1; break;
        case PL_FLOAT32: v.f = (float)value.d; fn = fill_f; break;
        case PL_INT64: v.i = exact; fn = fill_8; break;
        default: v.d = value.d; fn = fill_8; break;
        }
        pl_loop loop;
        pl_loop_init(&loop, t->ndim, t->shape);
        pl_loop_add(&loop, t);
        pl_loop_run(&loop, fn, &v);
    }
    pl_tensor_bump_version(t);
    if (pl_grad_enabled() && pl_dtype_is_floating(t->dtype) && t->base && t->base->requires_grad) {
        return pl_view_rebase(t, NULL); /* constants in the region: no gradient flows there */
    }
    if (t->requires_grad && t->grad_fn && pl_grad_enabled()) {
        /* the old history no longer reaches the values: detach like fill_'s zero gradient */
        pl_tensor_detach_(t);
    }
    return PL_OK;
}
