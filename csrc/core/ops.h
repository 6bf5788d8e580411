/* ops.h — the core's tensor operations. Each op checks its arguments, computes its result
 * and, when grad mode is on and an input requires grad, records an autograd node whose
 * backward sits next to the forward in the same file of csrc/core/ops/.
 *
 * Ownership: every function returning pl_tensor * returns a NEW reference, or NULL with the
 * error recorded (error.h). Tensor arguments are borrowed.
 */
#ifndef PL_OPS_H
#define PL_OPS_H

#include "op_table.h"
#include "tensor.h"

/* ---- strided loops (ops/loop.c) ----
 * A pl_loop walks `shape` in row-major order over up to 4 operands, each broadcast to the loop
 * shape (stride 0 on broadcast dims). fn gets the base pointers and byte strides of each
 * innermost run. Dims are coalesced where every operand allows it. */
typedef void (*pl_inner_fn)(char **ptrs, const int64_t *byte_strides, int64_t n, void *ctx);
typedef struct pl_loop {
    int nops;
    int ndim;
    int64_t shape[PL_MAX_DIMS];
    char *data[4];
    int64_t byte_strides[4][PL_MAX_DIMS];
} pl_loop;
void pl_loop_init(pl_loop *loop, int ndim, const int64_t *shape);
void pl_loop_add(pl_loop *loop, const pl_tensor *t); /* t's shape must broadcast to the loop's */
void pl_loop_run(pl_loop *loop, pl_inner_fn fn, void *ctx);

/* ---- shapes and dtypes ---- */
pl_status pl_broadcast_shapes(int na, const int64_t *a, int nb, const int64_t *b, int *nout,
                              int64_t *out);
/* PyTorch's result type of a binary op; a "wrapped" operand is a Python number. */
pl_dtype pl_result_type(const pl_tensor *a, bool a_wrapped, const pl_tensor *b, bool b_wrapped);
extern pl_dtype pl_default_float; /* torch.get_default_dtype() */
/* The vector width PyTorch's kernels pick here: "DEFAULT", "AVX2" or "AVX512" (the CPU's,
 * lowered by ATEN_CPU_CAPABILITY as ATen lowers it); the kernels that follow ATen's follow it */
const char *pl_cpu_capability_name(void);

/* ---- Python numbers and range factories (ops/factory.c) ---- */
/* A number given to an op: an exact int64 (is_int; d holds it as a double too) or a double. */
typedef struct pl_scalar {
    bool is_int;
    int64_t i;
    double d;
} pl_scalar;
/* The number as int64, with PyTorch's checked conversion (Scalar::to<int64_t>): nan and values
 * outside [-2^63, 2^63] are PL_ERR_RUNTIME "value cannot be converted to type int64_t without
 * overflow". */
pl_status pl_scalar_to_int64_checked(pl_scalar v, int64_t *out);
/* torch.arange(start, end, step, dtype=dtype): PyTorch's checks, messages and values. */
pl_tensor *pl_arange(pl_scalar start, pl_scalar end, pl_scalar step, pl_dtype dtype);

/* ---- copies and casts (ops/copy.c) ---- */
pl_tensor *pl_contiguous(pl_tensor *a); /* a itself (retained) when already contiguous */
pl_tensor *pl_clone(pl_tensor *a);
/* a as a new contiguous tensor of dtype, without autograd history (kernels' temporaries). */
pl_tensor *pl_cast_raw(const pl_tensor *a, pl_dtype dtype);
/* For an op run on a storage-dtype tensor's copy in its compute dtype (pl_dtype_compute): r
 * (stolen; NULL passes through) cast back to dtype when r is in that compute dtype, else r
 * itself (argmax's int64 indices stay int64). Autograd records the cast, as it records the cast
 * of the input, so gradients flow through both (ToCopyBackward0). */
pl_tensor *pl_from_compute(pl_tensor *r, pl_dtype dtype);
/* As pl_from_compute, recorded as PyTorch records the op: the node of r (the op's, run on
 * casts[i] = pl_to_dtype(origs[i], compute dtype); all borrowed, casts[i] may be NULL) becomes
 * the grad_fn of the result, its edges to the casts moved to origs and its incoming gradient
 * cast to the compute dtype when it runs. So half(x).sum() prints SumBackward0 with x's
 * AccumulateGrad next, not ToCopyBackward0. Steals r. */
pl_tensor *pl_from_compute_of(pl_tensor *r, pl_dtype dtype, pl_tensor *const *origs,
                              pl_tensor *const *casts, int n);
pl_tensor *pl_to_dtype(pl_tensor *a, pl_dtype dtype); /* a itself when dtype matches */
/* dst[...] = src broadcast and cast; not recorded by autograd (callers check). */
pl_status pl_copy_raw(pl_tensor *dst, const pl_tensor *src);
pl_status pl_copy_(pl_tensor *dst, pl_tensor *src); /* in-place op with autograd checks */
pl_status pl_fill_(pl_tensor *t, double value);
/* zero_: fill_ with 0 (its node is ZeroBackward0 where fill_'s is FillBackward2) */
pl_status pl_zero_(pl_tensor *t);
/* fill_ with an exact int64 for int scalars; nan or out-of-range values for an int64 tensor are
 * PyTorch's RuntimeError (pl_scalar_to_int64_checked). */
pl_status pl_fill_scalar_(pl_tensor *t, pl_scalar value);
/* The check every in-place op makes: a leaf requiring grad cannot be modified in place. */
pl_status pl_check_inplace(pl_tensor *t);
/* PyTorch's internal-overlap check for ops that read what they write (add_, exp_, copy_...):
 * a dim of size > 1 with stride 0 (an expanded view) is an error. fill_/zero_ skip it. */
pl_status pl_check_no_overlap(const pl_tensor *t);
/* PyTorch's partial-overlap check between an in-place op's written-to tensor and one input:
 * the same memory with the same strides (a.add_(a)) is fine, dense views whose byte ranges
 * meet otherwise (a[1:].add_(a[:-1])) are an error. Non-dense views are not checked (PyTorch
 * gives up on them too). */
pl_status pl_check_no_partial_overlap(const pl_tensor *out, const pl_tensor *in);

/* ---- elementwise (ops/elementwise.c) ---- */
/* pl_binop: PL_ADD, PL_SUB, ... one per row of PL_BINARY_OPS (op_table.h) */
/* a op b with broadcasting; alpha scales b for ADD/SUB. a_wrapped/b_wrapped: the operand is a
 * Python number (0-dim) for type promotion and grad_fn naming. */
pl_tensor *pl_binary(pl_binop op, pl_tensor *a, pl_tensor *b, double alpha, bool a_wrapped,
                     bool b_wrapped);
/* a op= b in place (a keeps its dtype). */
pl_status pl_binary_(pl_binop op, pl_tensor *a, pl_tensor *b, double alpha, bool b_wrapped);

/* pl_unop: PL_NEG, PL_EXP, ... one per row of PL_UNARY_OPS (op_table.h) */
pl_tensor *pl_unary(pl_unop op, pl_tensor *a);
pl_status pl_unary_(pl_unop op, pl_tensor *a);
/* x ** exponent with PyTorch's special cases. */
pl_tensor *pl_pow_scalar(pl_tensor *a, double exponent);
pl_status pl_pow_scalar_(pl_tensor *a, double exponent); /* in place */
pl_tensor *pl_clamp(pl_tensor *a, bool has_min, double min, bool has_max, double max);
pl_status pl_clamp_(pl_tensor *a, bool has_min, double min, bool has_max, double max);
/* clamp with tensor bounds (ops/clamp_tensor.c): min / max may be NULL (absent) and broadcast;
 * *_wrapped: the bound is a Python number (type promotion). Records ClampBackward0. */
pl_tensor *pl_clamp_tensor(pl_tensor *a, pl_tensor *min, bool min_wrapped, pl_tensor *max,
                           bool max_wrapped);
pl_status pl_clamp_tensor_(pl_tensor *a, pl_tensor *min, bool min_wrapped, pl_tensor *max,
                           bool max_wrapped);
pl_tensor *pl_leaky_relu(pl_tensor *a, double slope);
/* The activations PyTorch's CPU kernels build on expm1 / log1p / exp, computed as those kernels
 * compute them (which elements take the vector lambda, SLEEF's, and which the scalar one,
 * libm's), bit for bit (sleef_exp.c). A new float32/float64 tensor of a's shape, no node
 * recorded; NULL with the error set for another dtype. Parameters by kind:
 *   PL_ACT_ELU                 p0 alpha, p1 scale, p2 input_scale (elu, celu, selu)
 *   PL_ACT_SOFTPLUS            p0 beta, p1 threshold
 *   PL_ACT_LOG_SIGMOID         none: min(x, 0) - log1p(exp(-|x|))
 *   PL_ACT_LOG_SIGMOID_BUFFER  none: exp(-|x|), what log_sigmoid's backward reads
 *   PL_ACT_ELU_BACKWARD        elu's backward on the input (g the output's gradient), p as elu
 *   PL_ACT_SOFTPLUS_BACKWARD   softplus's backward, p as softplus
 *   PL_ACT_MISH                none: x tanh(log1p(exp(x))), float32 only
 *   PL_ACT_MISH_BACKWARD       mish's backward on the input, float32 only
 * g: the gradient, of a's dtype and shape, for the backward kinds; ignored by the others. */
enum {
    PL_ACT_ELU,
    PL_ACT_SOFTPLUS,
    PL_ACT_LOG_SIGMOID,
    PL_ACT_LOG_SIGMOID_BUFFER,
    PL_ACT_ELU_BACKWARD,
    PL_ACT_SOFTPLUS_BACKWARD,
    PL_ACT_MISH,
    PL_ACT_MISH_BACKWARD,
    PL_ACT_NUM
};
pl_tensor *pl_aten_activation(pl_tensor *a, pl_tensor *g, int kind, double p0, double p1,
                              double p2);
pl_tensor *pl_where(pl_tensor *cond, pl_tensor *a, pl_tensor *b);
/* erf (ErfBackward0; integer input gives the default float dtype) and GELU, exact or with
 * PyTorch's tanh approximation (GeluBackward0) (ops/special.c). */
pl_tensor *pl_erf(pl_tensor *a);
pl_tensor *pl_gelu(pl_tensor *a, bool approximate_tanh);
/* lgamma (LgammaBackward0) and digamma (DigammaBackward0) (ops/gamma_fn.c); integer input gives
 * the default float dtype. */
pl_tensor *pl_lgamma(pl_tensor *a);
pl_tensor *pl_digamma(pl_tensor *a);
/* polygamma(n, a): the n-th derivative of digamma (n >= 0, else PL_ERR_RUNTIME); new reference. */
pl_tensor *pl_polygamma(int64_t n, pl_tensor *a);
/* frexp: *mantissa (a's dtype) and *exponent (int32) with a == mantissa * 2^exponent; NEW
 * references on PL_OK (NULL otherwise); not recorded. Floating a only (else PL_ERR_RUNTIME). */
pl_status pl_frexp(pl_tensor *a, pl_tensor **mantissa, pl_tensor **exponent);

/* ---- reductions (ops/reduce.c) ----
 * dims: ndims entries (any sign); ndims < 0 means all dims (the whole-tensor form). */
pl_tensor *pl_sum(pl_tensor *a, const int64_t *dims, int ndims, bool keepdim);
pl_tensor *pl_mean(pl_tensor *a, const int64_t *dims, int ndims, bool keepdim);
pl_tensor *pl_var(pl_tensor *a, const int64_t *dims, int ndims, double correction, bool keepdim,
                  bool take_sqrt);
pl_tensor *pl_max_all(pl_tensor *a, bool is_min);
pl_status pl_max_dim(pl_tensor *a, int64_t dim, bool keepdim, bool is_min, pl_tensor **values,
                     pl_tensor **indices);
pl_tensor *pl_argmax(pl_tensor *a, bool all, int64_t dim, bool keepdim, bool is_min);
/* torch.linalg.vector_norm(a, p, dims, keepdim) (ops/norm.c): p may be +-inf or 0; floating a. */
pl_tensor *pl_vector_norm(pl_tensor *a, double p, const int64_t *dims, int ndims, bool keepdim);
/* Sums grad (shape g) down to shape (ndim, shape), for broadcast gradients; no autograd. */
pl_tensor *pl_sum_to(pl_tensor *g, int ndim, const int64_t *shape);

/* ---- linear algebra (ops/linalg.c) ---- */
pl_tensor *pl_matmul(pl_tensor *a, pl_tensor *b);
pl_tensor *pl_mm(pl_tensor *a, pl_tensor *b);
pl_tensor *pl_addmm(pl_tensor *bias, pl_tensor *a, pl_tensor *b, double beta, double alpha);
pl_tensor *pl_linear(pl_tensor *x, pl_tensor *w, pl_tensor *bias); /* x @ w.T + bias */

/* ---- losses and softmax (ops/loss.c) ---- */
pl_tensor *pl_mse_loss(pl_tensor *input, pl_tensor *target, int reduction); /* 0 none 1 mean 2 sum */
pl_tensor *pl_softmax(pl_tensor *a, int64_t dim, bool log);
/* (log_)softmax over the last dim with one-pass fused backward (ops/softmax_rows.c); `which`
 * is PL_SOFTMAX_ROWS_PLAIN, _LOG or _SAFE (rows of all -inf give zeros; SafeSoftmaxBackward0).
 * New reference or NULL. */
enum { PL_SOFTMAX_ROWS_PLAIN = 0, PL_SOFTMAX_ROWS_LOG = 1, PL_SOFTMAX_ROWS_SAFE = 2 };
pl_tensor *pl_softmax_rows(pl_tensor *a, int which);
/* true: the softmax kernels run their plain reference loops instead of the AVX2 ones (tests;
 * the same bits); process-wide. */
void pl_softmax_force_reference(bool on);
/* Whether the AVX2 softmax kernels may run (pl_softmax_force_reference is off). */
bool pl_softmax_simd(void);
/* Layer normalisation of x over its trailing D elements per row, with optional weight and
 * bias of D elements (ops/layer_norm.c; grad_fn NativeLayerNormBackward0). New reference or
 * NULL. */
pl_tensor *pl_layer_norm(pl_tensor *x, int64_t D, pl_tensor *w, pl_tensor *b, double eps);
/* Batch normalisation of x (N, C, ...) over all dims but 1 (ops/batch_norm.c; grad_fn
 * NativeBatchNormBackward0), float32 or float64, with weight, bias and running statistics (each
 * optional, (C), of x's dtype). Training normalises with the batch's mean and biased variance
 * and updates running_mean / running_var in place (momentum; the variance unbiased); otherwise
 * the running statistics are used. Channels-last input gives channels-last output. All
 * borrowed; new reference or NULL. */
pl_tensor *pl_batch_norm(pl_tensor *x, pl_tensor *w, pl_tensor *b, pl_tensor *running_mean,
                         pl_tensor *running_var, bool training, double momentum, double eps);
/* nll_loss of (N, C) or (C,) log-probabilities logp against int64 class indices target, weight
 * (C,) optional (NULL), rows whose target is ignore_index left out; reduction 0 none, 1 mean,
 * 2 sum (ops/loss.c; grad_fn NllLossBackward0). All borrowed; new reference or NULL. */
pl_tensor *pl_nll_loss(pl_tensor *logp, pl_tensor *target, pl_tensor *weight, int reduction,
                       int64_t ignore_index);
/* binary_cross_entropy_with_logits of input against target (same shape), weight and pos_weight
 * optional (NULL) and broadcast against input; reduction 0 none, 1 mean, 2 sum
 * (ops/loss_logits.c; grad_fn BinaryCrossEntropyWithLogitsBackward0). All borrowed; new
 * reference or NULL. */
pl_tensor *pl_bce_with_logits(pl_tensor *input, pl_tensor *target, pl_tensor *weight,
                              pl_tensor *pos_weight, int reduction);

/* ---- views and indexing (ops/view.c) ---- */
pl_tensor *pl_view(pl_tensor *a, int ndim, const int64_t *shape); /* one -1 allowed */
pl_tensor *pl_reshape(pl_tensor *a, int ndim, const int64_t *shape);
/* As pl_view, recorded as PyTorch's _unsafe_view (UnsafeViewBackward0): the view matmul puts
 * on its folded product. New reference or NULL. */
pl_tensor *pl_unsafe_view(pl_tensor *a, int ndim, const int64_t *shape);
pl_tensor *pl_transpose(pl_tensor *a, int64_t d0, int64_t d1);
pl_tensor *pl_t(pl_tensor *a);
pl_tensor *pl_permute(pl_tensor *a, int ndims, const int64_t *dims);
pl_tensor *pl_unsqueeze(pl_tensor *a, int64_t dim);
pl_tensor *pl_squeeze(pl_tensor *a, bool all, int64_t dim);
/* squeeze of the dims marked in drop (a->ndim flags; each wrapped once): SqueezeBackward2 */
pl_tensor *pl_squeeze_dims(pl_tensor *a, const bool *drop);
pl_tensor *pl_expand(pl_tensor *a, int ndim, const int64_t *shape);
pl_tensor *pl_select(pl_tensor *a, int64_t dim, int64_t index);
pl_tensor *pl_alias_view(pl_tensor *a); /* the same view as a new tensor (AliasBackward0): x[...] */
pl_tensor *pl_slice(pl_tensor *a, int64_t dim, int64_t start, int64_t stop, int64_t step);
/* The offset-th diagonal of the (dim1, dim2) planes as a new last dim: a view sharing a's
 * storage (new reference; DiagonalBackward0 when recorded). */
pl_tensor *pl_diagonal(pl_tensor *a, int64_t offset, int64_t dim1, int64_t dim2);
/* A view of a's storage with the given geometry (offset counted from the storage's start),
 * recording no graph: the caller records one where a gradient is wanted. New reference. */
pl_tensor *pl_as_strided_nograd(pl_tensor *a, int ndim, const int64_t *shape, const int64_t *strides,
                                int64_t offset);
pl_tensor *pl_index_select(pl_tensor *a, int64_t dim, pl_tensor *index, bool as_index_op);
/* a[..., index[i], ...] += alpha * src[..., i, ...] along dim (IndexAddBackward0) */
pl_status pl_index_add_(pl_tensor *a, int64_t dim, pl_tensor *index, pl_tensor *src, double alpha);
pl_status pl_index_put_(pl_tensor *a, pl_tensor *index, pl_tensor *values); /* a[index] = values */
pl_tensor *pl_cat(pl_tensor *const *ts, int n, int64_t dim, bool is_stack);

/* ---- advanced indexing (ops/index_adv.c) ----
 * indices: n entries covering a's dims left to right: NULL takes one dim whole, an int64 tensor
 * indexes one dim, a bool mask covers as many dims as it has. The index tensors broadcast to
 * one shape B, whose dims replace the indexed ones in the result when those are adjacent and
 * lead it otherwise (PyTorch's rule). Errors are PyTorch's IndexErrors. */
pl_tensor *pl_index(pl_tensor *a, int n, pl_tensor *const *indices); /* IndexBackward0 */

/* ---- writes through views (inplace_view.c) ---- */
/* After values were written into v in place: fn_steal (NULL: the new values are constants) is
 * the history of v's new values. A view records CopySlices on its base and takes an
 * AsStridedBackward0 of it; a tensor that is not a view takes fn as its grad_fn. */
pl_status pl_view_rebase(pl_tensor *v, struct pl_node *fn_steal);
/* A view whose base was written in place since its grad_fn was made regenerates it. */
void pl_view_refresh(pl_tensor *t);
static inline void
pl_view_refresh_if_stale(pl_tensor *t)
{
    if (t->base && t->view_version != t->storage->version) pl_view_refresh(t);
}
/* Zeros of base's shape with region's elements (a view of base's storage) set to g, recorded
 * as AsStridedScatterBackward0 (new reference). */
pl_tensor *pl_scatter_into_zeros(pl_tensor *g, const pl_tensor *base, const pl_tensor *region);
/* t takes the geometry and the grad_fn of v, a view op's result on t (borrowed both): the
 * in-place form of that view op. t must not be a view or retain its grad (else
 * PL_ERR_NOTIMPL). */
pl_status pl_take_view(pl_tensor *t, pl_tensor *v);
/* The node kind an in-place view op records for the view kind `kind` (TBackward0 ->
 * TBackward1, SqueezeBackward0/1 -> 3/4, UnsqueezeBackward0 -> 1, TransposeBackward0 -> 1);
 * other kinds map to themselves. Borrowed (static). */
const struct pl_node_kind *pl_view_inplace_kind(const struct pl_node_kind *kind);
/* a[indices] = values (broadcast to the indexing result, cast to a's dtype); not recorded by
 * autograd; bumps a's version. */
pl_status pl_index_put(pl_tensor *a, int n, pl_tensor *const *indices, pl_tensor *values);
/* The same, recorded for autograd (IndexPutBackward0; CopySlices when a is a view). */
pl_status pl_index_put_recorded(pl_tensor *a, int n, pl_tensor *const *indices, pl_tensor *values);
pl_tensor *pl_nonzero(pl_tensor *a);

#endif
