/* linalg.c — matrix products: mm, matmul (1-D, 2-D and batched), addmm and linear.
 * The arithmetic is gemm.c's; this file does shapes, strides, batching and autograd. */
#include <string.h>

#include "../autograd.h"
#include "../gemm.h"
#include "../ops.h"
#include "../parallel.h"

/* Products with at most this many multiply-adds use the reference kernel (see gemm_2d). */
#define PL_GEMM_TINY_WORK 4096
/* ... and products in PyTorch's k order, up to this many (see blas_order_f32). */
#define PL_GEMM_K_ORDER_MAX ((int64_t)1 << 24)

/* The order in which PyTorch's BLAS (MKL, as measured on AMD machines with torch 2.13) adds a
 * float32 product's terms, where it follows a simple rule (ta, tb: op(A), op(B) transposed
 * views of row-major matrices, C = op(A) (M, K) @ op(B) (K, N)):
 * - PL_ORDER_FUSED: C[i, j] is a chain of fused multiply-adds over k = 0, 1, ... from zero,
 *   as the blocked and no-pack kernels compute it: outputs at least 12 wide, at least 4 rows
 *   (5 for a transposed B, whose products of a few rows take the dot-product path), at most
 *   128 terms; with several threads MKL splits fewer than 12 rows unevenly unless they are a
 *   multiple of 4;
 * - PL_ORDER_K: the terms added in k order, each multiply and add rounded on its own (the
 *   reference kernel): B not transposed and C of one or two rows or 2, 3, 4 or 8 columns, a
 *   transposed A against one column, any product of at most 3 terms and fewer than 12
 *   columns (a linear layer of 1-3 inputs), and every product of one term per element;
 * - PL_ORDER_ANY otherwise (MKL's order is not one of these two; tiny products still take
 *   the reference kernel, the fastest at that size). */
enum { PL_ORDER_ANY, PL_ORDER_K, PL_ORDER_FUSED };

/* float64 (dgemm): k order for products of one or two rows, of 2, 4, 8 or 10 columns with B
 * not transposed, of a transposed A against one column, and of at most 3 terms and fewer
 * than 12 columns; no simple fused rule. */
static int
blas_order_f64(bool ta, bool tb, int64_t M, int64_t N, int64_t K)
{
    if (K == 1 || (N < 12 && K <= 3)) return PL_ORDER_K;
    if (!tb && (M <= 2 || N == 2 || N == 4 || N == 8 || N == 10 || (ta && N == 1)))
        return PL_ORDER_K;
    return PL_ORDER_ANY;
}

static int
blas_order_f32(bool ta, bool tb, int64_t M, int64_t N, int64_t K)
{
    if (K == 1) return PL_ORDER_K;
    if (N >= 12 && M >= (tb ? 5 : 4) && K <= 128 &&
        (M >= 12 || M % 4 == 0 || pl_parallel_get_num_threads() == 1))
        return PL_ORDER_FUSED;
    if (!tb && (M <= 2 || N == 2 || N == 3 || N == 4 || N == 8 || (ta && N == 1)))
        return PL_ORDER_K;
    if (N < 12 && K <= 3) return PL_ORDER_K;
    return PL_ORDER_ANY;
}

/* Whether a 2-D view can be handed to gemm directly, and how: returns the row stride and
 * sets *trans when the view is a transposed contiguous matrix. */
static bool
gemm_layout(const pl_tensor *m, int64_t *ld, bool *trans)
{
    int64_t rows = m->shape[0], cols = m->shape[1];
    if (m->strides[1] == 1 || cols == 1) {
        int64_t s0 = rows == 1 ? cols : m->strides[0];
        if (s0 >= (cols > 1 ? cols : 1)) {
            *ld = s0 > 0 ? s0 : 1;
            *trans = false;
            return true;
        }
    }
    if (m->strides[0] == 1 || rows == 1) {
        int64_t s1 = cols == 1 ? rows : m->strides[1];
        if (s1 >= (rows > 1 ? rows : 1)) {
            *ld = s1 > 0 ? s1 : 1;
            *trans = true;
            return true;
        }
    }
    return false;
}

/* out (M, N) = beta * out + alpha * a (M, K) @ b (K, N); all 2-D views of one float dtype. */
static pl_status
gemm_2d(pl_tensor *out, pl_tensor *a, pl_tensor *b, double alpha, double beta)
{
    if (!pl_dtype_is_compute(out->dtype)) {
        /* a storage dtype: the product in its compute dtype (float32 accumulation for
         * float16/bfloat16, as PyTorch's CPU kernels), rounded once into out */
        pl_dtype c = pl_dtype_compute(out->dtype);
        pl_tensor *ca = pl_cast_raw(a, c), *cb = ca ? pl_cast_raw(b, c) : NULL;
        pl_tensor *co = !cb ? NULL : beta != 0 ? pl_cast_raw(out, c) /* out's values count */
                                               : pl_tensor_zeros(out->ndim, out->shape, c);
        pl_status st = co ? gemm_2d(co, ca, cb, alpha, beta) : pl_error_status();
        if (st == PL_OK) st = pl_copy_raw(out, co);
        pl_tensor_release(ca);
        pl_tensor_release(cb);
        pl_tensor_release(co);
        return st;
    }
    int64_t M = a->shape[0], K = a->shape[1], N = b->shape[1];
    int64_t lda, ldb;
    bool ta, tb;
    if (out->dtype == PL_INT64) { /* exact integer products: a plain strided loop */
        const int64_t *x = (const int64_t *)pl_tensor_data(a);   /* (M, K) */
        const int64_t *y = (const int64_t *)pl_tensor_data(b);   /* (K, N) */
        int64_t *z = (int64_t *)pl_tensor_data(out);             /* (M, N) */
        /* products and sums wrap like PyTorch's (unsigned arithmetic: no signed overflow) */
        uint64_t ialpha = (uint64_t)pl_double_to_int64(alpha), ibeta = (uint64_t)pl_double_to_int64(beta);
        for (int64_t i = 0; i < M; i++) {
            for (int64_t j = 0; j < N; j++) {
                uint64_t acc = 0;
                for (int64_t k = 0; k < K; k++)
                    acc += (uint64_t)x[i * a->strides[0] + k * a->strides[1]] *
                           (uint64_t)y[k * b->strides[0] + j * b->strides[1]];
                int64_t *o = z + i * out->strides[0] + j * out->strides[1];
                *o = (int64_t)(ialpha * acc + (beta != 0 ? ibeta * (uint64_t)*o : 0));
            }
        }
        return PL_OK;
    }
    pl_tensor *ac = NULL, *bc = NULL;
    if (!gemm_layout(a, &lda, &ta)) {
        if (!(ac = pl_tensor_empty(2, a->shape, a->dtype)) || pl_copy_raw(ac, a) != PL_OK) goto fail;
        a = ac, lda = K > 0 ? K : 1, ta = false;
    }
    if (!gemm_layout(b, &ldb, &tb)) {
        if (!(bc = pl_tensor_empty(2, b->shape, b->dtype)) || pl_copy_raw(bc, b) != PL_OK) goto fail;
        b = bc, ldb = N > 0 ? N : 1, tb = false;
    }
    int64_t ldc = N > 0 ? N : 1;
    if (M > 0 && N > 0) {
        /* Tiny products (a tutorial's 2 -> 4 -> 1 network) accumulate in k order without fused
         * multiply-adds, the order PyTorch's BLAS uses at these sizes, so small models train to
         * the same bits; larger ones take the blocked kernels. */
        int64_t work;
        bool tiny = !__builtin_mul_overflow(M, N, &work) && !__builtin_mul_overflow(work, K, &work) &&
                    work <= PL_GEMM_TINY_WORK;
        if (out->dtype == PL_FLOAT32) {
            int order = blas_order_f32(ta, tb, M, N, K);
            /* (a k-ordered product beyond PL_GEMM_K_ORDER_MAX takes the kernels: too slow) */
            tiny = (order == PL_ORDER_K && work <= PL_GEMM_K_ORDER_MAX) ||
                   (tiny && order == PL_ORDER_ANY);
            (tiny ? pl_sgemm_ref : pl_sgemm)(ta, tb, M, N, K, (float)alpha, (const float *)pl_tensor_data(a), lda,
                     (const float *)pl_tensor_data(b), ldb, (float)beta, (float *)pl_tensor_data(out), ldc);
        } else {
            int order = blas_order_f64(ta, tb, M, N, K);
            tiny = (order == PL_ORDER_K && work <= PL_GEMM_K_ORDER_MAX) ||
                   (tiny && order == PL_ORDER_ANY);
            (tiny ? pl_dgemm_ref : pl_dgemm)(ta, tb, M, N, K, alpha, (const double *)pl_tensor_data(a), lda,
                     (const double *)pl_tensor_data(b), ldb, beta, (double *)pl_tensor_data(out), ldc);
        }
    }
    pl_tensor_release(ac);
    pl_tensor_release(bc);
    return PL_OK;
fail:
    pl_tensor_release(ac);
    pl_tensor_release(bc);
    return pl_error_status();
}

/* The C++ type names PyTorch's matmul messages print */
static const char *
cpp_type_name(pl_dtype d)
{
    static const char *const names[PL_NUM_DTYPES] = {
        "bool", "long int", "float", "double", "unsigned char", "signed char", "short int", "int",
        "c10::Half", "c10::BFloat16"};
    return names[d];
}

static pl_status
check_float_pair(const char *what, pl_tensor *a, pl_tensor *b)
{
    if (a->dtype != b->dtype) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "expected m1 and m2 to have the same dtype, but got: %s != %s",
                            cpp_type_name(a->dtype), cpp_type_name(b->dtype));
    }
    if (a->dtype == PL_BOOL) {
        return pl_error_set(PL_ERR_NOTIMPL, "\"%s\" not implemented for '%s'", what,
                            pl_dtype_scalar_name(a->dtype));
    }
    return PL_OK;
}

/* Batched product of (B, M, K) and (B, K, N) views into a new contiguous (B, M, N). */
static pl_tensor *
bmm_raw(pl_tensor *a, pl_tensor *b)
{
    int64_t B = a->shape[0], M = a->shape[1], N = b->shape[2];
    int64_t shape[3] = {B, M, N};
    pl_tensor *out = pl_tensor_empty(3, shape, a->dtype);
    if (!out) return NULL;
    for (int64_t i = 0; i < B; i++) {
        pl_tensor *ai = pl_select(a, 0, i), *bi = pl_select(b, 0, i), *oi = pl_select(out, 0, i);
        pl_status st = (ai && bi && oi) ? gemm_2d(oi, ai, bi, 1.0, 0.0) : pl_error_status();
        pl_tensor_release(ai);
        pl_tensor_release(bi);
        pl_tensor_release(oi);
        if (st != PL_OK) {
            pl_tensor_release(out);
            return NULL;
        }
    }
    return out;
}

static pl_status
shape_error(pl_tensor *a, pl_tensor *b)
{
    int64_t ar = a->ndim >= 2 ? a->shape[a->ndim - 2] : 1, ac = a->shape[a->ndim - 1];
    int64_t br = b->ndim >= 2 ? b->shape[b->ndim - 2] : b->shape[0], bc = b->ndim >= 2 ? b->shape[b->ndim - 1] : 1;
    if (a->ndim == 1 && b->ndim == 1) {
        return pl_error_set(PL_ERR_RUNTIME,
                            "inconsistent tensor size, expected tensor [%lld] and src [%lld] to have "
                            "the same number of elements, but got %lld and %lld elements respectively",
                            (long long)a->shape[0], (long long)b->shape[0], (long long)a->shape[0],
                            (long long)b->shape[0]);
    }
    if (a->ndim == 2 && b->ndim == 1) {
        return pl_error_set(PL_ERR_RUNTIME, "size mismatch, got input (%lld), mat (%lldx%lld), vec (%lld)",
                            (long long)a->shape[0], (long long)a->shape[0], (long long)a->shape[1],
                            (long long)b->shape[0]);
    }
    return pl_error_set(PL_ERR_RUNTIME, "mat1 and mat2 shapes cannot be multiplied (%lldx%lld and %lldx%lld)",
                        (long long)ar, (long long)ac, (long long)br, (long long)bc);
}

/* ---- autograd: one backward for every matmul form ----
 * saved[0] = a, saved[1] = b (as given); ints[0]/ints[1]: a / b was 1-D. The gradient is
 * computed in the batched 3-D form and the engine sums away broadcast batch dims. */

static pl_tensor *
as_batched(pl_tensor *t, int64_t batch_ndim, const int64_t *batch, bool is_vec, bool vec_is_left)
{
    /* (…, R, C) view with the given batch dims (expanded) flattened to one: (B, R, C) */
    pl_tensor *m;
    if (is_vec) {
        m = pl_unsqueeze(t, vec_is_left ? 0 : 1);
    } else {
        m = pl_tensor_retain(t);
    }
    if (!m) return NULL;
    int64_t shape[PL_MAX_DIMS];
    int nd = (int)batch_ndim + 2;
    memcpy(shape, batch, sizeof(int64_t) * batch_ndim);
    shape[nd - 2] = m->shape[m->ndim - 2];
    shape[nd - 1] = m->shape[m->ndim - 1];
    if (batch_ndim == 0) {
        /* a plain matrix: a batch of one, keeping its strides (gemm reads transposes as is) */
        pl_tensor *r = pl_unsqueeze(m, 0);
        pl_tensor_release(m);
        return r;
    }
    pl_tensor *e = pl_expand(m, nd, shape);
    pl_tensor_release(m);
    if (!e) return NULL;
    int64_t B = pl_shape_numel((int)batch_ndim, batch);
    int64_t s3[3] = {B, shape[nd - 2], shape[nd - 1]};
    pl_tensor *r = pl_reshape(e, 3, s3); /* a view when the batch dims merge, else a copy */
    pl_tensor_release(e);
    return r;
}

/* A product inside a backward: recorded when grad mode is on and an operand has history
 * (create_graph), else the plain kernel. */
static pl_tensor *
backward_bmm(pl_tensor *x, pl_tensor *y)
{
    if (pl_grad_enabled() && (x->requires_grad || y->requires_grad)) return pl_matmul(x, y);
    return bmm_raw(x, y);
}

/* Whether the last two dims of t are a transposed contiguous matrix (column-major). */
static bool
is_transposed_matrix(const pl_tensor *t)
{
    int n = t->ndim;
    return n == 2 && t->shape[0] > 1 && t->shape[1] > 1 && t->strides[0] == 1 &&
           t->strides[1] == t->shape[0];
}

static pl_status
matmul_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *a = pl_node_saved(node, 0), *b = pl_node_saved(node, 1);
    if (!a || !b) return pl_error_status();
    bool a_vec = node->ints[0], b_vec = node->ints[1];
    double alpha = node->scalars[0];
    /* batch shape = g's leading dims */
    int out_mat = (a_vec ? 0 : 1) + (b_vec ? 0 : 1);
    int batch_nd = g->ndim - out_mat;
    int64_t batch[PL_MAX_DIMS];
    memcpy(batch, g->shape, sizeof(int64_t) * batch_nd);
    int64_t B = pl_shape_numel(batch_nd, batch);
    pl_tensor *A = as_batched(a, batch_nd, batch, a_vec, true);
    pl_tensor *Bm = A ? as_batched(b, batch_nd, batch, b_vec, false) : NULL;
    pl_tensor *G = NULL;
    pl_status st = PL_OK;
    if (!Bm) goto fail;
    {
        int64_t gs[3] = {B, A->shape[1], Bm->shape[2]};
        pl_tensor *gc = pl_contiguous(g);
        G = gc ? pl_view(gc, 3, gs) : NULL;
        pl_tensor_release(gc);
        if (!G) goto fail;
    }
    for (int side = 0; side < 2; side++) {
        if (!node->next[side].fn) continue;
        /* dA = G @ B^T (B, M, K); dB = A^T @ G (B, K, N) */
        pl_tensor *x = side == 0 ? G : NULL, *y = NULL, *tmp = NULL;
        if (side == 0) {
            tmp = pl_transpose(Bm, 1, 2);
            y = tmp;
        } else {
            tmp = pl_transpose(A, 1, 2);
            x = tmp;
            y = G;
        }
        /* transposed views go to gemm as they are: it reads either layout without a copy */
        pl_tensor *orig_op = side == 0 ? a : b;
        pl_tensor *r = NULL;
        if (tmp && is_transposed_matrix(orig_op)) {
            /* the operand is a transposed matrix (a weight used as w.t()): compute the
             * gradient transposed, r^T = y^T @ x^T, so that after the transpose back it is
             * contiguous in the weight's own layout and the leaf can keep it without a copy */
            pl_tensor *yt = pl_transpose(y, 1, 2), *xt = yt ? pl_transpose(x, 1, 2) : NULL;
            pl_tensor *rt = xt ? backward_bmm(yt, xt) : NULL;
            r = rt ? pl_transpose(rt, 1, 2) : NULL;
            pl_tensor_release(yt);
            pl_tensor_release(xt);
            pl_tensor_release(rt);
        } else if (tmp) {
            r = backward_bmm(x, y);
        }
        pl_tensor_release(tmp);
        if (!r) goto fail;
        if (alpha != 1.0) {
            pl_tensor *k = pl_tensor_scalar(alpha, PL_FLOAT64);
            pl_tensor *rs = k ? pl_binary(PL_MUL, r, k, 1, false, true) : NULL;
            pl_tensor_release(k);
            pl_tensor_release(r);
            if (!(r = rs)) goto fail;
        }
        /* back to the operand's batched shape; the engine sums broadcast batch dims */
        pl_tensor *orig = side == 0 ? a : b;
        bool vec = side == 0 ? a_vec : b_vec;
        int64_t shape[PL_MAX_DIMS];
        int nd = 0;
        for (int i = 0; i < batch_nd; i++) shape[nd++] = batch[i];
        if (vec) {
            shape[nd++] = orig->shape[0];
        } else {
            shape[nd++] = orig->shape[orig->ndim - 2];
            shape[nd++] = orig->shape[orig->ndim - 1];
        }
        din[side] = pl_view(r, nd, shape);
        pl_tensor_release(r);
        if (!din[side]) goto fail;
    }
    goto out;
fail:
    st = pl_error_status();
out:
    pl_tensor_release(A);
    pl_tensor_release(Bm);
    pl_tensor_release(G);
    return st;
}

static const pl_node_kind mm_kind = {"MmBackward0", matmul_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind mv_kind = {"MvBackward0", matmul_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind dot_kind = {"DotBackward0", matmul_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind vm_kind = {"SqueezeBackward4", matmul_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind bmm_kind = {"UnsafeViewBackward0", matmul_backward, PL_KIND_DIFFERENTIABLE};

static pl_tensor *
record_matmul(pl_tensor *out, pl_tensor *a, pl_tensor *b, const pl_node_kind *kind)
{
    pl_tensor *ins[2] = {a, b};
    if (out && pl_needs_grad(ins, 2)) {
        pl_node *node;
        if (!(out = pl_record(out, kind, ins, 2, ins, 2, &node))) return NULL;
        node->ints[0] = a->ndim == 1;
        node->ints[1] = b->ndim == 1;
        node->scalars[0] = 1.0;
    }
    return out;
}

/* The checks of a 2-D product a (M, K) @ b (K, N) and its new (M, N) output; first_name is
 * what PyTorch calls a in its messages ("self" for mm, "mat1" for addmm). */
static pl_tensor *
product_output(pl_tensor *a, pl_tensor *b, const char *first_name)
{
    if (a->ndim != 2 || b->ndim != 2) {
        pl_error_set(PL_ERR_RUNTIME, "%s must be a matrix", a->ndim != 2 ? first_name : "mat2");
        return NULL;
    }
    if (a->shape[1] != b->shape[0]) {
        shape_error(a, b);
        return NULL;
    }
    if (check_float_pair("addmm_impl_cpu_", a, b) != PL_OK) return NULL;
    int64_t shape[2] = {a->shape[0], b->shape[1]};
    return pl_tensor_empty(2, shape, a->dtype);
}

pl_tensor *
pl_mm(pl_tensor *a, pl_tensor *b)
{
    pl_tensor *out = product_output(a, b, "self");
    if (!out) return NULL;
    if (gemm_2d(out, a, b, 1.0, 0.0) != PL_OK) {
        pl_tensor_release(out);
        return NULL;
    }
    return record_matmul(out, a, b, &mm_kind);
}

pl_tensor *
pl_matmul(pl_tensor *a, pl_tensor *b)
{
    if (a->ndim == 0 || b->ndim == 0) {
        pl_error_set(PL_ERR_RUNTIME, "both arguments to matmul need to be at least 1D, but they are %dD and %dD",
                     a->ndim, b->ndim);
        return NULL;
    }
    if (a->ndim == 2 && b->ndim == 2) {
        return pl_mm(a, b);
    }
    int64_t ka = a->shape[a->ndim - 1];
    int64_t kb = b->ndim == 1 ? b->shape[0] : b->shape[b->ndim - 2];
    if (ka != kb) {
        shape_error(a, b);
        return NULL;
    }
    /* the kernel PyTorch's matmul reaches for these ranks names the refusal */
    const char *kernel = a->ndim == 1 && b->ndim == 1   ? "dot"
                         : a->ndim == 2 && b->ndim == 1 ? "addmv_impl_cpu"
                         : a->ndim >= 3 && b->ndim >= 3 ? "bmm"
                                                        : "addmm_impl_cpu_";
    if (check_float_pair(kernel, a, b) != PL_OK) return NULL;
    /* broadcast batch dims */
    int an = a->ndim == 1 ? 0 : a->ndim - 2, bn = b->ndim == 1 ? 0 : b->ndim - 2;
    int batch_nd;
    int64_t batch[PL_MAX_DIMS];
    if (pl_broadcast_shapes(an, a->shape, bn, b->shape, &batch_nd, batch) != PL_OK) return NULL;
    bool was = pl_grad_enabled();
    pl_set_grad_enabled(false);
    pl_tensor *A = as_batched(a, batch_nd, batch, a->ndim == 1, true);
    pl_tensor *B = A ? as_batched(b, batch_nd, batch, b->ndim == 1, false) : NULL;
    pl_tensor *R = B ? bmm_raw(A, B) : NULL;
    pl_set_grad_enabled(was);
    pl_tensor_release(A);
    pl_tensor_release(B);
    if (!R) return NULL;
    int64_t shape[PL_MAX_DIMS];
    int nd = 0;
    for (int i = 0; i < batch_nd; i++) shape[nd++] = batch[i];
    if (a->ndim > 1) shape[nd++] = a->shape[a->ndim - 2];
    if (b->ndim > 1) shape[nd++] = b->shape[b->ndim - 1];
    pl_tensor *out = pl_view(R, nd, shape);
    pl_tensor_release(R);
    if (!out) return NULL;
    const pl_node_kind *kind = a->ndim == 1 && b->ndim == 1 ? &dot_kind
                               : a->ndim == 2 && b->ndim == 1 ? &mv_kind
                               : a->ndim == 1 && b->ndim == 2 ? &vm_kind : &bmm_kind;
    return record_matmul(out, a, b, kind);
}

/* ---- addmm / linear ---- */

static pl_status
addmm_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    /* bias: beta * g (summed to its shape by the engine); a, b: as matmul, times alpha */
    pl_tensor *mm_din[PL_NODE_MAX_INPUTS] = {0};
    pl_node view = *node; /* a shallow copy with the matmul inputs in slots 0 and 1 */
    view.next[0] = node->next[1];
    view.next[1] = node->next[2];
    view.saved[0] = node->saved[1];
    view.saved[1] = node->saved[2];
    view.saved_version[0] = node->saved_version[1];
    view.saved_version[1] = node->saved_version[2];
    view.saved_mask = (uint8_t)(node->saved_mask >> 1);
    view.saved_fn[0] = node->saved_fn[1];
    view.saved_fn[1] = node->saved_fn[2];
    view.saved_nr[0] = node->saved_nr[1];
    view.saved_nr[1] = node->saved_nr[2];
    view.saved_output_mask = (uint8_t)(node->saved_output_mask >> 1);
    view.unpacked[0] = view.unpacked[1] = view.unpacked[2] = view.unpacked[3] = NULL;
    view.scalars[0] = node->scalars[0];
    view.ints[0] = view.ints[1] = 0;
    pl_status st = matmul_backward(&view, g, mm_din);
    pl_node_drop_unpacked(&view); /* what the copy handed out with history */
    if (st != PL_OK) return st;
    din[1] = mm_din[0];
    din[2] = mm_din[1];
    if (node->next[0].fn) {
        double beta = node->scalars[1];
        if (beta == 1.0) {
            din[0] = pl_tensor_retain(g);
        } else {
            pl_tensor *k = pl_tensor_scalar(beta, PL_FLOAT64);
            din[0] = k ? pl_binary(PL_MUL, g, k, 1, false, true) : NULL;
            pl_tensor_release(k);
            if (!din[0]) return pl_error_status();
        }
    }
    return PL_OK;
}
static const pl_node_kind addmm_kind = {"AddmmBackward0", addmm_backward, PL_KIND_DIFFERENTIABLE};

pl_tensor *
pl_addmm(pl_tensor *bias, pl_tensor *a, pl_tensor *b, double beta, double alpha)
{
    pl_tensor *out = product_output(a, b, "mat1");
    if (!out) return NULL;
    int64_t shape[2] = {a->shape[0], b->shape[1]};
    /* out = alpha * (a @ b), then out += beta * bias: the product is summed before the bias
     * joins it, as PyTorch's BLAS does (beta 0 ignores bias, even nan) */
    int nd;
    int64_t bshape[PL_MAX_DIMS];
    if (pl_broadcast_shapes(bias->ndim, bias->shape, 2, shape, &nd, bshape) != PL_OK || nd != 2 ||
        bshape[0] != shape[0] || bshape[1] != shape[1]) {
        char s[64], bs[64];
        pl_format_shape(s, sizeof s, 2, shape);
        pl_format_shape(bs, sizeof bs, bias->ndim, bias->shape);
        pl_tensor_release(out);
        pl_error_set(PL_ERR_RUNTIME, "The expanded size of the tensor (%lld) must match the existing "
                                     "size (%lld) at non-singleton dimension %d.  Target sizes: %s.  "
                                     "Tensor sizes: %s", (long long)shape[1],
                     (long long)bias->shape[bias->ndim - 1], 1, s, bs);
        return NULL;
    }
    bool was = pl_grad_enabled();
    pl_set_grad_enabled(false);
    pl_status st = gemm_2d(out, a, b, alpha, 0.0);
    if (st == PL_OK && beta != 0.0) {
        st = pl_binary_(PL_ADD, out, bias, beta, false);
    }
    pl_set_grad_enabled(was);
    if (st != PL_OK) {
        pl_tensor_release(out);
        return NULL;
    }
    pl_tensor *ins[3] = {bias, a, b};
    if (pl_needs_grad(ins, 3)) {
        pl_tensor *save[3] = {NULL, a, b}; /* slots 1, 2 (slot 0 unused) */
        pl_node *node;
        if (!(out = pl_record(out, &addmm_kind, ins, 3, save, 3, &node))) return NULL;
        node->scalars[0] = alpha;
        node->scalars[1] = beta;
    }
    return out;
}

pl_tensor *
pl_linear(pl_tensor *x, pl_tensor *w, pl_tensor *bias)
{
    if (w->ndim != 2) {
        /* PyTorch allows 1-D weights through matmul; keep to the common case */
        pl_error_set(PL_ERR_RUNTIME, "linear: weight must be 2-D, got %d-D", w->ndim);
        return NULL;
    }
    pl_tensor *wt = pl_t(w);
    if (!wt) return NULL;
    pl_tensor *out = NULL;
    if (x->ndim == 2 && bias) {
        out = pl_addmm(bias, x, wt, 1.0, 1.0);
    } else if (x->ndim >= 3 && bias && pl_tensor_is_contiguous(x)) {
        /* flatten the leading dims into one addmm, then view back (PyTorch's ViewBackward0) */
        int64_t k = x->shape[x->ndim - 1];
        int64_t flat[2] = {x->numel / (k ? k : 1), k};
        if (k != w->shape[1]) {
            int64_t s2[2] = {flat[0], k};
            pl_tensor tmp = *x;
            tmp.ndim = 2;
            memcpy(tmp.shape, s2, sizeof s2);
            shape_error(&tmp, wt);
            pl_tensor_release(wt);
            return NULL;
        }
        pl_tensor *x2 = pl_view(x, 2, flat);
        pl_tensor *o2 = x2 ? pl_addmm(bias, x2, wt, 1.0, 1.0) : NULL;
        if (o2) {
            int64_t shape[PL_MAX_DIMS];
            memcpy(shape, x->shape, sizeof(int64_t) * x->ndim);
            shape[x->ndim - 1] = w->shape[0];
            out = pl_view(o2, x->ndim, shape);
        }
        pl_tensor_release(x2);
        pl_tensor_release(o2);
    } else if (x->ndim >= 3) {
        /* fold the leading dims into one mm, as PyTorch's matmul does (the reshape copies a
         * non-contiguous x), so the weight's gradient is one product, not a sum over a
         * batch; then the bias, as PyTorch's linear: AddBackward0 <- UnsafeViewBackward0 <-
         * MmBackward0 */
        int64_t flat[2] = {1, x->shape[x->ndim - 1]}, shape[PL_MAX_DIMS];
        for (int d = 0; d < x->ndim - 1; d++) flat[0] *= x->shape[d];
        memcpy(shape, x->shape, sizeof(int64_t) * x->ndim);
        shape[x->ndim - 1] = w->shape[0];
        pl_tensor *x2 = pl_reshape(x, 2, flat);
        pl_tensor *m = x2 ? pl_mm(x2, wt) : NULL;
        pl_tensor *m3 = m ? pl_unsafe_view(m, x->ndim, shape) : NULL;
        pl_tensor_release(x2);
        pl_tensor_release(m);
        if (m3 && bias) {
            out = pl_binary(PL_ADD, m3, bias, 1.0, false, false);
            pl_tensor_release(m3);
        } else {
            out = m3;
        }
    } else {
        pl_tensor *m = pl_matmul(x, wt);
        if (m && bias) {
            out = pl_binary(PL_ADD, m, bias, 1.0, false, false);
            pl_tensor_release(m);
        } else {
            out = m;
        }
    }
    pl_tensor_release(wt);
    return out;
}
