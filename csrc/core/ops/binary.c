/* binary.c — binary elementwise ops (arithmetic, pow, maximum/minimum, comparisons) with
 * broadcasting and type promotion: kernels, each op's backward, and the in-place forms.
 *
 * Kernels run over pl_loop runs; operands are first cast to the op's compute dtype, so each
 * kernel sees one dtype. Outputs are new contiguous tensors. Backward functions reuse the
 * forward ops (the engine runs them with grad mode off); broadcasting is undone by the engine.
 */
#include <math.h>
#include <string.h>

#include "../autograd.h"
#include "../ops.h"
#include "internal.h"

typedef struct {
    double alpha;
    float alpha_f;
    int64_t alpha_i; /* alpha for int64 kernels (converted once, without overflow) */
} binary_ctx;

/* int64 power as PyTorch computes it: square-and-multiply with wrapping products; a negative
 * exponent gives 1 for base 1, +-1 for base -1 and 0 otherwise (an integer reciprocal). */
static inline int64_t
pow_int64(int64_t base, int64_t exp)
{
    if (exp < 0) {
        if (base == 1) return 1;
        if (base == -1) return exp % 2 ? -1 : 1;
        return 0;
    }
    uint64_t result = 1, b = (uint64_t)base;
    for (uint64_t e = (uint64_t)exp; e; e >>= 1) {
        if (e & 1) result *= b;
        b *= b;
    }
    return (int64_t)result;
}

/* int64 division rounded toward zero / toward -inf; INT64_MIN / -1 wraps as in PyTorch */
static inline int64_t
idiv_trunc(int64_t a, int64_t b)
{
    return b == -1 ? (int64_t)(0u - (uint64_t)a) : a / b;
}

static inline int64_t
idiv_floor(int64_t a, int64_t b)
{
    int64_t q = idiv_trunc(a, b);
    return (b != -1 && a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* alpha of add/sub for int64 operands: PyTorch takes an integral alpha (the binding checks) */
static inline uint64_t
alpha_i64(const void *ctx)
{
    return (uint64_t)((const binary_ctx *)ctx)->alpha_i;
}

/* One kernel per (op, dtype): out = EXPR(x, y), with a tight loop for contiguous runs. */
#define DEFINE_BINARY(NAME, T, TOUT, EXPR)                                                   \
    static void NAME(char **p, const int64_t *s, int64_t n, void *vctx)                      \
    {                                                                                        \
        const binary_ctx *ctx = vctx;                                                        \
        (void)ctx;                                                                           \
        TOUT *out = (TOUT *)p[0];                                                            \
        const T *a = (const T *)p[1];                                                        \
        const T *b = (const T *)p[2];                                                        \
        if (s[0] == sizeof(TOUT) && s[1] == sizeof(T) && s[2] == sizeof(T)) {                \
            for (int64_t i = 0; i < n; i++) {                                                \
                T x = a[i], y = b[i];                                                        \
                out[i] = (TOUT)(EXPR);                                                       \
            }                                                                                \
        } else if (s[0] == sizeof(TOUT) && s[1] == sizeof(T) && s[2] == 0) {                 \
            T y = b[0];                                                                      \
            for (int64_t i = 0; i < n; i++) {                                                \
                T x = a[i];                                                                  \
                out[i] = (TOUT)(EXPR);                                                       \
            }                                                                                \
        } else {                                                                             \
            int64_t so = s[0] / (int64_t)sizeof(TOUT), sa = s[1] / (int64_t)sizeof(T),       \
                    sb = s[2] / (int64_t)sizeof(T);                                          \
            for (int64_t i = 0; i < n; i++) {                                                \
                T x = a[i * sa], y = b[i * sb];                                              \
                out[i * so] = (TOUT)(EXPR);                                                  \
            }                                                                                \
        }                                                                                    \
    }

/* PyTorch's floating remainder and floor division (BinaryOpsKernel.cpp): both start from fmod,
 * so a == b * div_floor(a, b) + remainder(a, b) holds as closely as rounding allows. */
#define DEFINE_MOD_HELPERS(T, SUF, FMOD, FLOOR, COPYSIGN)                                    \
    static inline T remainder_##SUF(T a, T b)                                                \
    {                                                                                        \
        T mod = FMOD(a, b);                                                                  \
        if (mod != 0 && ((b < 0) != (mod < 0))) mod += b;                                    \
        return mod;                                                                          \
    }                                                                                        \
    static inline T div_floor_##SUF(T a, T b)                                                \
    {                                                                                        \
        if (b == 0) return a / b;                                                            \
        T mod = FMOD(a, b);                                                                  \
        T div = (a - mod) / b;                                                               \
        if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1;                                    \
        if (div == 0) return COPYSIGN((T)0, a / b);                                          \
        T fl = FLOOR(div);                                                                   \
        return div - fl > (T)0.5 ? fl + 1 : fl;                                              \
    }
DEFINE_MOD_HELPERS(float, f32, fmodf, floorf, copysignf)
DEFINE_MOD_HELPERS(double, f64, fmod, floor, copysign)

/* float32 */
DEFINE_BINARY(add_f32, float, float, x + y)
DEFINE_BINARY(sub_f32, float, float, x - y)
/* x + alpha * y, fused as PyTorch's vectorised add with alpha is (sub passes -alpha) */
DEFINE_BINARY(add_alpha_f32, float, float, fmaf(y, ctx->alpha_f, x))
DEFINE_BINARY(mul_f32, float, float, x * y)
DEFINE_BINARY(div_f32, float, float, x / y)
DEFINE_BINARY(pow_f32, float, float, powf(x, y))
DEFINE_BINARY(max_f32, float, float, (x != x || y != y) ? NAN : (x > y ? x : y))
DEFINE_BINARY(min_f32, float, float, (x != x || y != y) ? NAN : (x < y ? x : y))
DEFINE_BINARY(rem_f32, float, float, remainder_f32(x, y))
DEFINE_BINARY(fmod_f32, float, float, fmodf(x, y))
DEFINE_BINARY(divfl_f32, float, float, div_floor_f32(x, y))
DEFINE_BINARY(divtr_f32, float, float, truncf(x / y))
DEFINE_BINARY(eq_f32, float, uint8_t, x == y)
DEFINE_BINARY(ne_f32, float, uint8_t, x != y)
DEFINE_BINARY(lt_f32, float, uint8_t, x < y)
DEFINE_BINARY(le_f32, float, uint8_t, x <= y)
DEFINE_BINARY(gt_f32, float, uint8_t, x > y)
DEFINE_BINARY(ge_f32, float, uint8_t, x >= y)
/* float64 */
DEFINE_BINARY(add_f64, double, double, x + y)
DEFINE_BINARY(sub_f64, double, double, x - y)
DEFINE_BINARY(add_alpha_f64, double, double, fma(y, ctx->alpha, x))
DEFINE_BINARY(mul_f64, double, double, x * y)
DEFINE_BINARY(div_f64, double, double, x / y)
DEFINE_BINARY(pow_f64, double, double, pow(x, y))
DEFINE_BINARY(max_f64, double, double, (x != x || y != y) ? NAN : (x > y ? x : y))
DEFINE_BINARY(min_f64, double, double, (x != x || y != y) ? NAN : (x < y ? x : y))
DEFINE_BINARY(rem_f64, double, double, remainder_f64(x, y))
DEFINE_BINARY(fmod_f64, double, double, fmod(x, y))
DEFINE_BINARY(divfl_f64, double, double, div_floor_f64(x, y))
DEFINE_BINARY(divtr_f64, double, double, trunc(x / y))
DEFINE_BINARY(eq_f64, double, uint8_t, x == y)
DEFINE_BINARY(ne_f64, double, uint8_t, x != y)
DEFINE_BINARY(lt_f64, double, uint8_t, x < y)
DEFINE_BINARY(le_f64, double, uint8_t, x <= y)
DEFINE_BINARY(gt_f64, double, uint8_t, x > y)
DEFINE_BINARY(ge_f64, double, uint8_t, x >= y)
/* int64 (unsigned arithmetic wraps like PyTorch's instead of being undefined) */
DEFINE_BINARY(add_i64, int64_t, int64_t, (int64_t)((uint64_t)x + (uint64_t)y * alpha_i64(ctx)))
DEFINE_BINARY(sub_i64, int64_t, int64_t, (int64_t)((uint64_t)x - (uint64_t)y * alpha_i64(ctx)))
DEFINE_BINARY(mul_i64, int64_t, int64_t, (int64_t)((uint64_t)x * (uint64_t)y))
DEFINE_BINARY(pow_i64, int64_t, int64_t, pow_int64(x, y))
/* rounded division; pl_binary refuses a zero divisor first (y == 0 never reaches these) */
DEFINE_BINARY(divfl_i64, int64_t, int64_t, y == 0 ? 0 : idiv_floor(x, y))
DEFINE_BINARY(divtr_i64, int64_t, int64_t, y == 0 ? 0 : idiv_trunc(x, y))
DEFINE_BINARY(max_i64, int64_t, int64_t, x > y ? x : y)
DEFINE_BINARY(min_i64, int64_t, int64_t, x < y ? x : y)
DEFINE_BINARY(eq_i64, int64_t, uint8_t, x == y)
DEFINE_BINARY(ne_i64, int64_t, uint8_t, x != y)
DEFINE_BINARY(lt_i64, int64_t, uint8_t, x < y)
DEFINE_BINARY(le_i64, int64_t, uint8_t, x <= y)
DEFINE_BINARY(gt_i64, int64_t, uint8_t, x > y)
DEFINE_BINARY(ge_i64, int64_t, uint8_t, x >= y)
/* bool: arithmetic as logic, like PyTorch */
DEFINE_BINARY(add_b, uint8_t, uint8_t, x || y)
DEFINE_BINARY(mul_b, uint8_t, uint8_t, x && y)
DEFINE_BINARY(max_b, uint8_t, uint8_t, x || y)
DEFINE_BINARY(min_b, uint8_t, uint8_t, x && y)
DEFINE_BINARY(eq_b, uint8_t, uint8_t, x == y)
DEFINE_BINARY(ne_b, uint8_t, uint8_t, x != y)
DEFINE_BINARY(lt_b, uint8_t, uint8_t, x < y)
DEFINE_BINARY(le_b, uint8_t, uint8_t, x <= y)
DEFINE_BINARY(gt_b, uint8_t, uint8_t, x > y)
DEFINE_BINARY(ge_b, uint8_t, uint8_t, x >= y)

/* [op][dtype], dtype order bool, int64, float32, float64; NULL: not defined for that dtype */
static const pl_inner_fn binary_kernels[PL_NUM_BINOPS][PL_NUM_DTYPES] = {
    [PL_ADD] = {add_b, add_i64, add_f32, add_f64},
    [PL_SUB] = {NULL, sub_i64, sub_f32, sub_f64},
    [PL_MUL] = {mul_b, mul_i64, mul_f32, mul_f64},
    [PL_DIV] = {NULL, NULL, div_f32, div_f64},
    [PL_POW] = {NULL, pow_i64, pow_f32, pow_f64},
    [PL_MAXIMUM] = {max_b, max_i64, max_f32, max_f64},
    [PL_MINIMUM] = {min_b, min_i64, min_f32, min_f64},
    [PL_REMAINDER] = {NULL, NULL, rem_f32, rem_f64},
    [PL_FMOD] = {NULL, NULL, fmod_f32, fmod_f64},
    [PL_DIV_FLOOR] = {NULL, divfl_i64, divfl_f32, divfl_f64},
    [PL_DIV_TRUNC] = {NULL, divtr_i64, divtr_f32, divtr_f64},
    [PL_EQ] = {eq_b, eq_i64, eq_f32, eq_f64},
    [PL_NE] = {ne_b, ne_i64, ne_f32, ne_f64},
    [PL_LT] = {lt_b, lt_i64, lt_f32, lt_f64},
    [PL_LE] = {le_b, le_i64, le_f32, le_f64},
    [PL_GT] = {gt_b, gt_i64, gt_f32, gt_f64},
    [PL_GE] = {ge_b, ge_i64, ge_f32, ge_f64},
};

static const char *const binop_names[PL_NUM_BINOPS] = {
    "add", "sub", "mul", "div", "pow", "maximum", "minimum", "remainder", "fmod", "div_floor",
    "div_trunc", "eq", "ne", "lt", "le", "gt", "ge"};

static bool
is_comparison(pl_binop op)
{
    return op >= PL_EQ;
}

/* The dtype the kernel computes in (and, but for comparisons, the result dtype). */
static pl_dtype
compute_dtype(pl_binop op, pl_dtype promoted)
{
    if (op == PL_DIV && !pl_dtype_is_floating(promoted)) {
        return pl_default_float; /* true division */
    }
    if (op == PL_SUB && promoted == PL_BOOL) {
        return PL_BOOL; /* rejected below with PyTorch's message */
    }
    if (op == PL_POW && promoted == PL_BOOL) {
        return PL_INT64;
    }
    return promoted;
}

/* ---- backward ---- */

pl_tensor *
pl_scale(pl_tensor *g, double s)
{
    pl_tensor *k = pl_tensor_scalar(s, PL_FLOAT64);
    if (!k) return NULL;
    pl_tensor *r = pl_binary(PL_MUL, g, k, 1.0, false, true);
    pl_tensor_release(k);
    return r;
}

static pl_status
add_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    double alpha = node->scalars[0];
    if (node->next[0].fn) din[0] = pl_tensor_retain(g);
    if (node->next[1].fn) {
        din[1] = alpha == 1.0 ? pl_tensor_retain(g) : pl_scale(g, alpha);
        if (!din[1]) return pl_error_status();
    }
    return PL_OK;
}

static pl_status
sub_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    double alpha = node->scalars[0];
    if (node->next[0].fn) din[0] = pl_tensor_retain(g);
    if (node->next[1].fn) {
        din[1] = alpha == 1.0 ? pl_unary(PL_NEG, g) : pl_scale(g, -alpha);
        if (!din[1]) return pl_error_status();
    }
    return PL_OK;
}

/* 2 - x: only the tensor operand (slot 1) can need a gradient */
static pl_status
rsub_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    return sub_backward(node, g, din);
}

static pl_status
mul_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *a = NULL, *b = NULL;
    if (node->next[0].fn) {
        if (!(b = pl_node_saved(node, 1))) return pl_error_status();
        if (!(din[0] = pl_binary(PL_MUL, g, b, 1.0, false, false))) return pl_error_status();
    }
    if (node->next[1].fn) {
        if (!(a = pl_node_saved(node, 0))) return pl_error_status();
        if (!(din[1] = pl_binary(PL_MUL, g, a, 1.0, false, false))) return pl_error_status();
    }
    return PL_OK;
}

static pl_status
div_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *b = pl_node_saved(node, 1);
    if (!b) return pl_error_status();
    if (node->next[0].fn) {
        if (!(din[0] = pl_binary(PL_DIV, g, b, 1.0, false, false))) return pl_error_status();
    }
    if (node->next[1].fn) {
        /* d/db (a / b) = -g * ((a / b) / b) */
        pl_tensor *a = pl_node_saved(node, 0);
        if (!a) return pl_error_status();
        pl_tensor *q = pl_binary(PL_DIV, a, b, 1.0, false, false);
        pl_tensor *q2 = q ? pl_binary(PL_DIV, q, b, 1.0, false, false) : NULL;
        pl_tensor *ng = q2 ? pl_unary(PL_NEG, g) : NULL;
        din[1] = ng ? pl_binary(PL_MUL, ng, q2, 1.0, false, false) : NULL;
        pl_tensor_release(q);
        pl_tensor_release(q2);
        pl_tensor_release(ng);
        if (!din[1]) return pl_error_status();
    }
    return PL_OK;
}

static const pl_node_kind rpow_kind;

static pl_status
pow_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    /* d/da a^b = b * a^(b-1); d/db a^b = a^b * log(a) */
    pl_tensor *a = pl_node_saved(node, 0), *b = pl_node_saved(node, 1);
    if (!a || !b) return pl_error_status();
    if (node->next[0].fn) {
        pl_tensor *bm1 = pl_tensor_scalar(-1.0, PL_FLOAT64);
        pl_tensor *e = bm1 ? pl_binary(PL_ADD, b, bm1, 1.0, false, true) : NULL;
        pl_tensor *p = e ? pl_binary(PL_POW, a, e, 1.0, false, false) : NULL;
        pl_tensor *bp = p ? pl_binary(PL_MUL, b, p, 1.0, false, false) : NULL;
        din[0] = bp ? pl_binary(PL_MUL, g, bp, 1.0, false, false) : NULL;
        pl_tensor_release(bm1);
        pl_tensor_release(e);
        pl_tensor_release(p);
        pl_tensor_release(bp);
        if (!din[0]) return pl_error_status();
    }
    if (node->next[1].fn) {
        /* a Python-number base (PowBackward2): in double, as PyTorch takes a Scalar's log */
        pl_tensor *a64 = node->kind == &rpow_kind ? pl_to_dtype(a, PL_FLOAT64) : pl_tensor_retain(a);
        pl_tensor *r = a64 ? pl_binary(PL_POW, a64, b, 1.0, false, false) : NULL;
        pl_tensor *l = r ? pl_unary(PL_LOG, a64) : NULL;
        pl_tensor_release(a64);
        pl_tensor *rl = l ? pl_binary(PL_MUL, r, l, 1.0, false, false) : NULL;
        din[1] = rl ? pl_binary(PL_MUL, g, rl, 1.0, false, false) : NULL;
        pl_tensor_release(r);
        pl_tensor_release(l);
        pl_tensor_release(rl);
        if (!din[1]) return pl_error_status();
    }
    return PL_OK;
}

/* maximum/minimum: the gradient goes to the selected operand, split evenly on ties */
static pl_status
minmax_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *a = pl_node_saved(node, 0), *b = pl_node_saved(node, 1);
    if (!a || !b) return pl_error_status();
    bool is_max = node->ints[0];
    pl_tensor *half = pl_scale(g, 0.5);
    pl_tensor *zero = pl_tensor_scalar(0.0, g->dtype);
    pl_tensor *eq = pl_binary(PL_EQ, a, b, 1.0, false, false);
    pl_tensor *a_wins = pl_binary(is_max ? PL_GT : PL_LT, a, b, 1.0, false, false);
    pl_tensor *b_wins = pl_binary(is_max ? PL_LT : PL_GT, a, b, 1.0, false, false);
    pl_status st = PL_OK;
    if (!half || !zero || !eq || !a_wins || !b_wins) {
        st = pl_error_status();
        goto out;
    }
    for (int i = 0; i < 2; i++) {
        if (!node->next[i].fn) continue;
        pl_tensor *sel = pl_where(i == 0 ? a_wins : b_wins, g, zero);
        din[i] = sel ? pl_where(eq, half, sel) : NULL;
        pl_tensor_release(sel);
        if (!din[i]) {
            st = pl_error_status();
            goto out;
        }
    }
out:
    pl_tensor_release(half);
    pl_tensor_release(zero);
    pl_tensor_release(eq);
    pl_tensor_release(a_wins);
    pl_tensor_release(b_wins);
    return st;
}

/* remainder / fmod: d/da = g; d/db = -g * q, with q the floor (remainder) or truncated (fmod)
 * quotient a / b. A Python-number b gets no gradient. */
static pl_status
mod_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    if (node->next[0].fn) din[0] = pl_tensor_retain(g);
    if (node->next[1].fn) {
        pl_tensor *a = pl_node_saved(node, 0), *b = pl_node_saved(node, 1);
        if (!a || !b) return pl_error_status();
        pl_tensor *q = pl_binary(node->ints[0] ? PL_DIV_TRUNC : PL_DIV_FLOOR, a, b, 1.0, false, false);
        pl_tensor *nq = q ? pl_unary(PL_NEG, q) : NULL;
        din[1] = nq ? pl_binary(PL_MUL, g, nq, 1.0, false, false) : NULL;
        pl_tensor_release(q);
        pl_tensor_release(nq);
        if (!din[1]) return pl_error_status();
    }
    return PL_OK;
}

/* remainder(number, tensor): PyTorch records a node whose backward is not implemented */
static pl_status
rmod_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    (void)g;
    (void)din;
    return pl_error_set(PL_ERR_RUNTIME, "derivative for aten::%s is not implemented",
                        node->ints[0] ? "fmod" : "remainder");
}

/* div(rounding_mode='floor' / 'trunc'): piecewise constant, so zero gradients */
static pl_status
rounded_div_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    for (int i = 0; i < 2; i++) {
        if (node->next[i].fn && !(din[i] = pl_tensor_zeros(g->ndim, g->shape, g->dtype))) {
            return pl_error_status();
        }
    }
    return PL_OK;
}

static const pl_node_kind add_kind = {"AddBackward0", add_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind sub_kind = {"SubBackward0", sub_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind rsub_kind = {"RsubBackward1", rsub_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind mul_kind = {"MulBackward0", mul_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind div_kind = {"DivBackward0", div_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind pow_kind = {"PowBackward1", pow_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind rpow_kind = {"PowBackward2", pow_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind maximum_kind = {"MaximumBackward0", minmax_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind minimum_kind = {"MinimumBackward0", minmax_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind remainder_scalar_kind = {"RemainderBackward0", mod_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind remainder_kind = {"RemainderBackward1", mod_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind fmod_scalar_kind = {"FmodBackward0", mod_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind fmod_kind = {"FmodBackward1", mod_backward, PL_KIND_DIFFERENTIABLE};
static const pl_node_kind rmod_kind = {"NotImplemented", rmod_backward, 0};
static const pl_node_kind rounded_div_kind = {"DivBackward2", rounded_div_backward,
                                              PL_KIND_DIFFERENTIABLE};

static const pl_node_kind *
binary_kind(pl_binop op, bool a_wrapped, bool b_wrapped)
{
    switch (op) {
    case PL_REMAINDER:
        return a_wrapped ? &rmod_kind : b_wrapped ? &remainder_scalar_kind : &remainder_kind;
    case PL_FMOD: return a_wrapped ? &rmod_kind : b_wrapped ? &fmod_scalar_kind : &fmod_kind;
    case PL_ADD: return &add_kind;
    case PL_SUB: return a_wrapped ? &rsub_kind : &sub_kind;
    case PL_MUL: return &mul_kind;
    case PL_DIV: return &div_kind;
    case PL_DIV_FLOOR:
    case PL_DIV_TRUNC: return &rounded_div_kind;
    case PL_POW: return a_wrapped ? &rpow_kind : &pow_kind;
    case PL_MAXIMUM: return &maximum_kind;
    case PL_MINIMUM: return &minimum_kind;
    default: return NULL;
    }
}

/* ---- forward ---- */

static pl_status
run_binary(pl_binop op, pl_dtype cdt, pl_tensor *out, pl_tensor *a, pl_tensor *b, double alpha)
{
    if ((op == PL_DIV_FLOOR || op == PL_DIV_TRUNC) && cdt == PL_INT64) {
        for (int64_t i = 0; i < b->numel; i++) {
            if (pl_tensor_get_double(b, i) == 0) return pl_error_set(PL_ERR_RUNTIME, "ZeroDivisionError");
        }
    }
    pl_inner_fn fn = binary_kernels[op][cdt];
    if ((op == PL_ADD || op == PL_SUB) && alpha != 1.0 && pl_dtype_is_floating(cdt)) {
        fn = cdt == PL_FLOAT32 ? add_alpha_f32 : add_alpha_f64;
        if (op == PL_SUB) alpha = -alpha;
    }
    if (!fn) {
        if (op == PL_SUB && cdt == PL_BOOL) {
            return pl_error_set(PL_ERR_RUNTIME,
                                "Subtraction, the `-` operator, with two bool tensors is not "
                                "supported. Use the `^` or `logical_xor()` operator instead.");
        }
        return pl_error_set(PL_ERR_RUNTIME, "\"%s\" not implemented for '%s'", binop_names[op],
                            pl_dtype_name(cdt));
    }
    binary_ctx ctx = {alpha, (float)alpha, pl_double_to_int64(alpha)};
    if (a->dtype == cdt && b->dtype == cdt && pl_same_shape(a, b) && pl_same_shape(a, out) &&
        pl_tensor_is_contiguous(a) && pl_tensor_is_contiguous(b) && pl_tensor_is_contiguous(out)) {
        /* the common case: one contiguous run, no loop set-up */
        int64_t es = (int64_t)pl_dtype_size(cdt), eo = (int64_t)pl_dtype_size(out->dtype);
        char *ptrs[3] = {pl_tensor_data(out), pl_tensor_data(a), pl_tensor_data(b)};
        int64_t strides[3] = {eo, es, es};
        pl_run_contiguous(fn, 3, ptrs, strides, out->numel, &ctx);
        return PL_OK;
    }
    pl_tensor *ca = pl_to_dtype(a, cdt);
    pl_tensor *cb = ca ? pl_to_dtype(b, cdt) : NULL;
    if (!ca || !cb) {
        pl_tensor_release(ca);
        return pl_error_status();
    }
    pl_loop loop;
    pl_loop_init(&loop, out->ndim, out->shape);
    pl_loop_add(&loop, out);
    pl_loop_add(&loop, ca);
    pl_loop_add(&loop, cb);
    pl_loop_run(&loop, fn, &ctx);
    pl_tensor_release(ca);
    pl_tensor_release(cb);
    return PL_OK;
}

pl_tensor *
pl_binary(pl_binop op, pl_tensor *a, pl_tensor *b, double alpha, bool a_wrapped, bool b_wrapped)
{
    if (op == PL_SUB && (a->dtype == PL_BOOL) != (b->dtype == PL_BOOL)) { /* two: run_binary */
        pl_error_set(PL_ERR_RUNTIME, "Subtraction, the `-` operator, with a bool tensor is not supported. "
                                     "If you are trying to invert a mask, use the `~` or `logical_not()` "
                                     "operator instead.");
        return NULL;
    }
    pl_dtype cdt;
    pl_tensor *out;
    if (a->dtype == b->dtype && pl_dtype_is_floating(a->dtype) && !a_wrapped && !b_wrapped &&
        !is_comparison(op) && alpha == 1.0 && a->numel < PL_PARALLEL_MIN_ELEMENTS &&
        pl_same_shape(a, b) && pl_tensor_is_contiguous(a) && pl_tensor_is_contiguous(b)) {
        /* the per-op hot path: two small contiguous float tensors of one shape and dtype need
         * no broadcasting, promotion or loop set-up */
        cdt = a->dtype;
        out = pl_tensor_empty(a->ndim, a->shape, cdt);
        if (!out) return NULL;
        int64_t es = (int64_t)pl_dtype_size(cdt);
        char *ptrs[3] = {out->storage->data, pl_tensor_data(a), pl_tensor_data(b)};
        int64_t strides[3] = {es, es, es};
        binary_ctx ctx = {1.0, 1.0f, 1};
        binary_kernels[op][cdt](ptrs, strides, a->numel, &ctx);
    } else {
        int ndim;
        int64_t shape[PL_MAX_DIMS];
        if (pl_broadcast_shapes(a->ndim, a->shape, b->ndim, b->shape, &ndim, shape) != PL_OK) {
            return NULL;
        }
        cdt = compute_dtype(op, pl_result_type(a, a_wrapped, b, b_wrapped));
        out = pl_tensor_empty(ndim, shape, is_comparison(op) ? PL_BOOL : cdt);
        if (!out) {
            return NULL;
        }
        if (run_binary(op, cdt, out, a, b, alpha) != PL_OK) {
            pl_tensor_release(out);
            return NULL;
        }
    }
    pl_tensor *ins[2] = {a, b};
    if (!is_comparison(op) && pl_dtype_is_floating(cdt) && pl_needs_grad(ins, 2)) {
        const pl_node_kind *kind = binary_kind(op, a_wrapped, b_wrapped);
        if (!kind) {
            pl_error_set(PL_ERR_RUNTIME, "the derivative for '%s' is not implemented", binop_names[op]);
            goto fail;
        }
        pl_node *node = pl_node_new(kind, ins, 2);
        if (!node) goto fail;
        node->scalars[0] = alpha;
        node->ints[0] = op == PL_MAXIMUM || op == PL_FMOD;
        bool is_mod = (op == PL_REMAINDER || op == PL_FMOD) && !a_wrapped;
        bool save_a = (op == PL_MUL && b->requires_grad) || op == PL_DIV || op == PL_POW ||
                      op == PL_MAXIMUM || op == PL_MINIMUM || (is_mod && b->requires_grad);
        bool save_b = (op == PL_MUL && a->requires_grad) || op == PL_DIV || op == PL_POW ||
                      op == PL_MAXIMUM || op == PL_MINIMUM || (is_mod && b->requires_grad);
        if ((save_a && pl_node_save(node, 0, a) != PL_OK) ||
            (save_b && pl_node_save(node, 1, b) != PL_OK)) {
            pl_node_release(node);
            goto fail;
        }
        pl_node_attach(out, node);
    }
    return out;
fail:
    pl_tensor_release(out);
    return NULL;
}

/* In-place ops on tensors that are part of a graph: the result's history replaces the
 * tensor's (PyTorch's rebase), so the out-of-place op is computed and written back. */
pl_status
pl_rebase_inplace(pl_tensor *a, pl_tensor *result)
{
    /* The ops that come here save their self input in slot 0. When the backward reads it, the
     * write below would replace those values: keep a copy, as PyTorch saves an in-place op's
     * original self. Other slots aliasing a (a.mul_(a)) stay checked, and raise as PyTorch's do. */
    pl_node *n = result->grad_fn;
    pl_tensor *s = n ? n->saved[0] : NULL;
    if (s && s->storage == a->storage) {
        pl_tensor *keep = pl_clone(s);
        if (!keep) return pl_error_status();
        pl_tensor_release(s);
        n->saved[0] = keep;
        n->saved_version[0] = keep->storage->version;
    }
    pl_status st = pl_copy_raw(a, result);
    if (st != PL_OK) return st;
    pl_tensor_bump_version(a);
    /* An output the op saved now lives in a: save a (at its new version) instead, so that a
     * later write into a's storage is caught as in PyTorch, and the result's buffer is free. */
    for (int i = 0; n && i < PL_NODE_MAX_SAVED; i++) {
        pl_tensor *o = n->saved[i];
        if (o && o->storage == result->storage && ((n->saved_output_mask >> i) & 1u)) {
            pl_tensor *alias = pl_tensor_alias(a);
            if (!alias) return pl_error_status();
            pl_tensor_release(o);
            n->saved[i] = alias;
            n->saved_version[i] = a->storage->version;
        }
    }
    if (a->base) { /* a view: CopySlices on its base */
        return pl_view_rebase(a, result->grad_fn ? pl_node_retain(result->grad_fn) : NULL);
    }
    if (result->grad_fn) {
        pl_node_attach(a, pl_node_retain(result->grad_fn)); /* moves a retain_grad link too */
    }
    return PL_OK;
}

pl_status
pl_binary_(pl_binop op, pl_tensor *a, pl_tensor *b, double alpha, bool b_wrapped)
{
    pl_status st = pl_check_inplace(a);
    if (st == PL_OK) st = pl_check_no_overlap(a);
    if (st == PL_OK) st = pl_check_no_partial_overlap(a, b);
    if (st != PL_OK) return st;
    if (op == PL_SUB && (a->dtype == PL_BOOL) != (b->dtype == PL_BOOL)) { /* two: run_binary */
        return pl_error_set(PL_ERR_RUNTIME, "Subtraction, the `-` operator, with a bool tensor is not "
                                            "supported. If you are trying to invert a mask, use the `~` "
                                            "or `logical_not()` operator instead.");
    }
    int ndim;
    int64_t shape[PL_MAX_DIMS];
    if (pl_broadcast_shapes(a->ndim, a->shape, b->ndim, b->shape, &ndim, shape) != PL_OK) {
        return pl_error_status();
    }
    if (ndim != a->ndim || memcmp(shape, a->shape, sizeof(int64_t) * ndim) != 0) {
        char sa[128], sb[128];
        pl_format_shape(sa, sizeof sa, ndim, shape);
        pl_format_shape(sb, sizeof sb, a->ndim, a->shape);
        return pl_error_set(PL_ERR_RUNTIME,
                            "output with shape %s doesn't match the broadcast shape %s", sb, sa);
    }
    pl_dtype cdt = compute_dtype(op, pl_result_type(a, false, b, b_wrapped));
    if (!is_comparison(op) && cdt != a->dtype &&
        !(pl_dtype_is_floating(a->dtype) || cdt == PL_BOOL)) {
        return pl_error_set(PL_ERR_RUNTIME, "result type %s can't be cast to the desired output type %s",
                            cdt == PL_FLOAT32 ? "Float" : cdt == PL_FLOAT64 ? "Double" : "Long",
                            a->dtype == PL_INT64 ? "Long" : a->dtype == PL_BOOL ? "Bool" : "Float");
    }
    pl_tensor *ins[2] = {a, b};
    if (pl_needs_grad(ins, 2)) { /* pl_rebase_inplace keeps the values a backward saved */
        pl_tensor *r = pl_binary(op, a, b, alpha, false, b_wrapped);
        if (!r) return pl_error_status();
        st = pl_rebase_inplace(a, r);
        pl_tensor_release(r);
        return st;
    }
    if (cdt == a->dtype && !is_comparison(op)) {
        st = run_binary(op, cdt, a, a, b, alpha);
    } else {
        pl_tensor *r = pl_binary(op, a, b, alpha, false, b_wrapped);
        if (!r) return pl_error_status();
        st = pl_copy_raw(a, r);
        pl_tensor_release(r);
    }
    if (st == PL_OK) pl_tensor_bump_version(a);
    return st;
}

