/* binary.c — the binary elementwise ops of the op table (op_table.h: arithmetic, pow,
 * maximum/minimum, comparisons, atan2, hypot ...) with broadcasting and type promotion:
 * kernels, each op's backward, and the in-place forms.
 *
 * Kernels run over pl_loop runs; operands are first cast to the op's compute dtype, so each
 * kernel sees one dtype. Outputs are new contiguous tensors. Backward functions reuse the
 * forward ops (the engine runs them with grad mode off); broadcasting is undone by the engine.
 */
#include <string.h>
#include <tgmath.h> /* the table's float expressions serve float and double */

#include "../autograd.h"
#include "../ops.h"
#include "expr.h"
#include "igamma_fn.h"
#include "internal.h"
#include "special_fn.h"
#include "special_poly.h"

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

/* gcd by Euclid's algorithm on the magnitudes, as PyTorch's; lcm = |a / gcd * b| with wrapping
 * products (0 when both are 0) */
static inline int64_t
igcd(int64_t a, int64_t b)
{
    uint64_t x = a < 0 ? 0u - (uint64_t)a : (uint64_t)a, y = b < 0 ? 0u - (uint64_t)b : (uint64_t)b;
    while (x != 0) {
        uint64_t r = y % x;
        y = x;
        x = r;
    }
    return (int64_t)y;
}

static inline int64_t
ilcm(int64_t a, int64_t b)
{
    int64_t g = igcd(a, b);
    if (g == 0) return 0;
    uint64_t m = (uint64_t)(a / g) * (uint64_t)b;
    return (int64_t)m < 0 ? (int64_t)(0u - m) : (int64_t)m;
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
        typedef T scalar_t;                                                                  \
        const binary_ctx *ctx = vctx;                                                        \
        (void)ctx;                                                                           \
        TOUT *out = (TOUT *)p[0];                                                            \
        const scalar_t *a = (const scalar_t *)p[1];                                          \
        const scalar_t *b = (const scalar_t *)p[2];                                          \
        if (s[0] == sizeof(TOUT) && s[1] == sizeof(T) && s[2] == sizeof(T)) {                \
            for (int64_t i = 0; i < n; i++) {                                                \
                scalar_t x = a[i], y = b[i];                                                 \
                out[i] = (TOUT)(EXPR);                                                       \
            }                                                                                \
        } else if (s[0] == sizeof(TOUT) && s[1] == sizeof(T) && s[2] == 0) {                 \
            scalar_t y = b[0];                                                               \
            for (int64_t i = 0; i < n; i++) {                                                \
                scalar_t x = a[i];                                                           \
                out[i] = (TOUT)(EXPR);                                                       \
            }                                                                                \
        } else {                                                                             \
            int64_t so = s[0] / (int64_t)sizeof(TOUT), sa = s[1] / (int64_t)sizeof(T),       \
                    sb = s[2] / (int64_t)sizeof(T);                                          \
            for (int64_t i = 0; i < n; i++) {                                                \
                scalar_t x = a[i * sa], y = b[i * sb];                                       \
                out[i * so] = (TOUT)(EXPR);                                                  \
            }                                                                                \
        }                                                                                    \
    }

/* PyTorch's floating remainder and floor division (BinaryOpsKernel.cpp): both start from fmod,
 * so a == b * div_floor(a, b) + remainder(a, b) holds as closely as rounding allows. */
#define DEFINE_MOD_HELPERS(T, SUF, FMOD, FLOOR, COPYSIGN)                                    \
    static inline T rem_##SUF(T a, T b)                                                \
    {                                                                                        \
        T mod = FMOD(a, b);                                                                  \
        if (mod != 0 && ((b < 0) != (mod < 0))) mod += b;                                    \
        return mod;                                                                          \
    }                                                                                        \
    static inline T floordiv_##SUF(T a, T b)                                                \
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
#define pl_remainder(x, y) _Generic((x), float: rem_f32, double: rem_f64)(x, y)
#define pl_div_floor(x, y) _Generic((x), float: floordiv_f32, double: floordiv_f64)(x, y)

/* The table's kernels: float and double always; int64 and bool where the row says Y (bool
 * arithmetic is logic, as in PyTorch; int64 arithmetic wraps through unsigned). */
#define BINARY_OUT_ARITH(T) T
#define BINARY_OUT_TRUEDIV(T) T
#define BINARY_OUT_CMP(T) uint8_t
#define BINARY_OUT_INT(T) T
#define BINARY_FLOAT_ARITH(name, EXPR)                                                       \
    DEFINE_BINARY(name##_f32, float, float, EXPR)                                            \
    DEFINE_BINARY(name##_f64, double, double, EXPR)
#define BINARY_FLOAT_TRUEDIV(name, EXPR) BINARY_FLOAT_ARITH(name, EXPR)
#define BINARY_FLOAT_CMP(name, EXPR)                                                         \
    DEFINE_BINARY(name##_f32, float, uint8_t, EXPR)                                          \
    DEFINE_BINARY(name##_f64, double, uint8_t, EXPR)
#define BINARY_FLOAT_INT(name, EXPR)
#define BINARY_INT_Y(name, KIND, EXPR) DEFINE_BINARY(name##_i64, int64_t, BINARY_OUT_##KIND(int64_t), EXPR)
#define BINARY_INT_N(name, KIND, EXPR)
#define BINARY_BOOL_Y(name, KIND, EXPR) DEFINE_BINARY(name##_b, uint8_t, uint8_t, EXPR)
#define BINARY_BOOL_N(name, KIND, EXPR)
#define BINARY_KERNELS(E, name, KIND, B, I, fwd, ifwd, bfwd, ...)                               \
    BINARY_FLOAT_##KIND(name, fwd)                                                           \
    BINARY_INT_##I(name, KIND, ifwd)                                                         \
    BINARY_BOOL_##B(name, KIND, bfwd)
PL_BINARY_OPS(BINARY_KERNELS)
/* x + alpha * y, fused as PyTorch's vectorised add with alpha is (sub passes -alpha) */
DEFINE_BINARY(add_alpha_f32, float, float, fmaf(y, ctx->alpha_f, x))
DEFINE_BINARY(add_alpha_f64, double, double, fma(y, ctx->alpha, x))

/* [op][dtype], dtype order bool, int64, float32, float64; NULL: not defined for that dtype */
#define BINARY_BOOL_KERNEL_Y(name) name##_b
#define BINARY_BOOL_KERNEL_N(name) NULL
#define BINARY_INT_KERNEL_Y(name) name##_i64
#define BINARY_INT_KERNEL_N(name) NULL
#define BINARY_FLOAT_KERNELS_ARITH(name) name##_f32, name##_f64
#define BINARY_FLOAT_KERNELS_TRUEDIV(name) name##_f32, name##_f64
#define BINARY_FLOAT_KERNELS_CMP(name) name##_f32, name##_f64
#define BINARY_FLOAT_KERNELS_INT(name) NULL, NULL
#define BINARY_KERNEL_ROW(E, name, KIND, B, I, ...)                                             \
    [PL_##E] = {BINARY_BOOL_KERNEL_##B(name), BINARY_INT_KERNEL_##I(name),                   \
                BINARY_FLOAT_KERNELS_##KIND(name)},
static const pl_inner_fn binary_kernels[PL_NUM_BINOPS][PL_NUM_DTYPES] = {
    PL_BINARY_OPS(BINARY_KERNEL_ROW)};

#define BINARY_NAME(E, name, ...) [PL_##E] = #name,
static const char *const binop_names[PL_NUM_BINOPS] = {PL_BINARY_OPS(BINARY_NAME)};

#define BINARY_KIND_IS_CMP_ARITH 0
#define BINARY_KIND_IS_CMP_TRUEDIV 0
#define BINARY_KIND_IS_CMP_CMP 1
#define BINARY_KIND_IS_CMP_INT 0
#define BINARY_IS_CMP(E, name, KIND, ...) [PL_##E] = BINARY_KIND_IS_CMP_##KIND,
static const bool binary_is_cmp[PL_NUM_BINOPS] = {PL_BINARY_OPS(BINARY_IS_CMP)};
#define BINARY_KIND_IS_TRUEDIV_ARITH 0
#define BINARY_KIND_IS_TRUEDIV_TRUEDIV 1
#define BINARY_KIND_IS_TRUEDIV_CMP 0
#define BINARY_KIND_IS_TRUEDIV_INT 0
#define BINARY_IS_TRUEDIV(E, name, KIND, ...) [PL_##E] = BINARY_KIND_IS_TRUEDIV_##KIND,
static const bool binary_is_truediv[PL_NUM_BINOPS] = {PL_BINARY_OPS(BINARY_IS_TRUEDIV)};

static bool
is_comparison(pl_binop op)
{
    return binary_is_cmp[op];
}

/* The op's common dtype (and, but for comparisons, its result dtype); the kernel computes in
 * pl_dtype_compute of it. */
static pl_dtype
compute_dtype(pl_binop op, pl_dtype promoted)
{
    if (binary_is_truediv[op] && !pl_dtype_is_floating(promoted)) {
        return pl_default_float; /* true division */
    }
    if (op == PL_SUB && promoted == PL_BOOL) {
        return PL_BOOL; /* rejected below with PyTorch's message */
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
    /* 2 - x: the node's one edge is the tensor operand, as PyTorch's RsubBackward1 */
    int nb = node->n_inputs == 1 ? 0 : 1;
    if (nb == 1 && node->next[0].fn) din[0] = pl_tensor_retain(g);
    if (node->next[nb].fn) {
        din[nb] = alpha == 1.0 ? pl_unary(PL_NEG, g) : pl_scale(g, -alpha);
        if (!din[nb]) return pl_error_status();
    }
    return PL_OK;
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

static const pl_node_kind binary_rscalar_kinds[PL_NUM_BINOPS];

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
        pl_tensor *a64 = node->kind == &binary_rscalar_kinds[PL_POW] ? pl_to_dtype(a, PL_FLOAT64) : pl_tensor_retain(a);
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
    bool is_max = node->ints[0] == PL_MAXIMUM;
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
        pl_tensor *q = pl_binary(node->ints[0] == PL_FMOD ? PL_DIV_TRUNC : PL_DIV_FLOOR, a, b, 1.0, false, false);
        pl_tensor *nq = q ? pl_unary(PL_NEG, q) : NULL;
        din[1] = nq ? pl_binary(PL_MUL, g, nq, 1.0, false, false) : NULL;
        pl_tensor_release(q);
        pl_tensor_release(nq);
        if (!din[1]) return pl_error_status();
    }
    return PL_OK;
}

/* A row without a node for this form (remainder(number, tensor)): PyTorch records a node whose
 * backward is not implemented */
static pl_status
not_implemented_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    (void)g;
    (void)din;
    return pl_error_set(PL_ERR_RUNTIME, "derivative for aten::%s is not implemented",
                        binop_names[node->ints[0]]);
}

/* zeta(x, q): dq = -g * x * zeta(x + 1, q); x's derivative is not implemented (PyTorch's) */
static pl_status
zeta_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    if (pl_node_input_wanted(node, 0)) {
        return pl_error_set(PL_ERR_NOTIMPL, "the derivative for 'zeta' is not implemented.");
    }
    pl_tensor *x = pl_node_saved(node, 0), *q = x ? pl_node_saved(node, 1) : NULL;
    if (!q) return pl_error_status();
    pl_expr s = {.n = 0};
    pl_tensor *z = ex_bin(&s, PL_SPECIAL_ZETA, ex_addk(&s, x, 1), q);
    din[1] = pl_expr_result(&s, ex_mul(&s, ex_neg(&s, ex_mul(&s, g, x)), z));
    return din[1] ? PL_OK : pl_error_status();
}

/* nextafter: PyTorch passes the gradient to a unchanged and gives b zeros */
static pl_status
nextafter_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    if (node->next[0].fn) din[0] = pl_tensor_retain(g);
    if (node->next[1].fn && !(din[1] = pl_tensor_zeros(g->ndim, g->shape, g->dtype))) {
        return pl_error_status();
    }
    return PL_OK;
}

/* igamma(a, x) and igammac(a, x): dx = +-g * exp((a - 1) * log(x) - x - lgamma(a)) (PyTorch's
 * formula, in its order); a's derivative is not implemented (PyTorch's message) */
static pl_status
igamma_backward_signed(pl_node *node, pl_tensor *g, pl_tensor **din, const char *name, bool upper)
{
    if (pl_node_input_wanted(node, 0)) {
        return pl_error_set(PL_ERR_NOTIMPL, "the derivative for '%s: input' is not implemented.",
                            name);
    }
    pl_tensor *a = pl_node_saved(node, 0), *x = a ? pl_node_saved(node, 1) : NULL;
    if (!x) return pl_error_status();
    pl_expr s = {.n = 0};
    pl_tensor *e = ex_sub(&s, ex_sub(&s, ex_mul(&s, ex_addk(&s, a, -1), ex_un(&s, PL_LOG, x)), x),
                          ex_keep(&s, pl_lgamma(a)));
    din[1] = pl_expr_result(&s, ex_mul(&s, upper ? ex_neg(&s, g) : g, ex_un(&s, PL_EXP, e)));
    return din[1] ? PL_OK : pl_error_status();
}
static pl_status
igamma_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    return igamma_backward_signed(node, g, din, "igamma", false);
}
static pl_status
igammac_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    return igamma_backward_signed(node, g, din, "igammac", true);
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

/* Gives din[i] = d[i] (computed in the scope s, which this closes) to each input that wants
 * a gradient; the error of a NULL d[i] otherwise. */
static pl_status
hand_out(const pl_node *node, pl_expr *s, pl_tensor *const *d, pl_tensor **din)
{
    pl_status st = d[0] && d[1] ? PL_OK : pl_error_status();
    for (int i = 0; i < 2 && st == PL_OK; i++) {
        if (node->next[i].fn) din[i] = pl_tensor_retain(d[i]);
    }
    pl_expr_result(s, NULL);
    return st;
}

/* atan2: da = g * b / (a^2 + b^2), db = g * -a / (a^2 + b^2) */
static pl_status
atan2_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *a = pl_node_saved(node, 0), *b = a ? pl_node_saved(node, 1) : NULL;
    if (!b) return pl_error_status();
    pl_expr s = {.n = 0};
    pl_tensor *r2 = ex_add(&s, ex_mul(&s, a, a), ex_mul(&s, b, b));
    pl_tensor *d[2] = {ex_div(&s, ex_mul(&s, g, b), r2), ex_div(&s, ex_mul(&s, g, ex_neg(&s, a)), r2)};
    return hand_out(node, &s, d, din);
}

/* hypot: da = g * a / y, db = g * b / y */
static pl_status
hypot_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    for (int i = 0; i < 2; i++) {
        if (!node->next[i].fn) continue;
        pl_tensor *v = pl_node_saved(node, i), *y = v ? pl_node_saved(node, 2) : NULL;
        if (!y) return pl_error_status();
        pl_expr s = {.n = 0};
        if (!(din[i] = pl_expr_result(&s, ex_div(&s, ex_mul(&s, g, v), y)))) return pl_error_status();
    }
    return PL_OK;
}

/* copysign: da = g * (y / a), 0 where a == 0; b gets a zero gradient */
static pl_status
copysign_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    if (node->next[0].fn) {
        pl_tensor *a = pl_node_saved(node, 0), *y = a ? pl_node_saved(node, 2) : NULL;
        if (!y) return pl_error_status();
        pl_expr s = {.n = 0};
        pl_tensor *zero = ex_keep(&s, pl_tensor_scalar(0.0, y->dtype));
        pl_tensor *ratio = ex_where(&s, ex_cmpk(&s, PL_EQ, a, 0), zero, ex_div(&s, y, a));
        if (!(din[0] = pl_expr_result(&s, ex_mul(&s, g, ratio)))) return pl_error_status();
    }
    if (node->n_inputs > 1 && node->next[1].fn &&
        !(din[1] = pl_tensor_zeros(g->ndim, g->shape, g->dtype))) {
        return pl_error_status();
    }
    return PL_OK;
}

/* fmax / fmin: the gradient goes to a where it was chosen (a >= b for fmax, a <= b for fmin,
 * or b is nan), else to b */
static pl_status
fminmax_backward(pl_node *node, pl_tensor *g, pl_tensor **din)
{
    pl_tensor *a = pl_node_saved(node, 0), *b = a ? pl_node_saved(node, 1) : NULL;
    if (!b) return pl_error_status();
    pl_expr s = {.n = 0};
    pl_binop pick = node->ints[0] == PL_FMAX ? PL_GE : PL_LE;
    pl_tensor *zero = ex_keep(&s, pl_tensor_scalar(0.0, g->dtype));
    pl_tensor *a_chosen = ex_bin(&s, PL_MAXIMUM, ex_bin(&s, pick, a, b), ex_bin(&s, PL_NE, b, b));
    pl_tensor *d[2] = {ex_where(&s, a_chosen, g, zero), ex_where(&s, a_chosen, zero, g)};
    return hand_out(node, &s, d, din);
}

/* Each row's three node kinds: tensor op tensor, tensor op number, number op tensor. A row
 * without a name for a form (remainder(number, tensor)) records a node that refuses. */
#define BINARY_KIND_OF(name, backward)                                                       \
    {(name) ? (name) : "NotImplemented", (name) ? (backward) : not_implemented_backward,     \
     (name) ? PL_KIND_DIFFERENTIABLE : 0}
#define BINARY_KIND_ROW(E, n, K, B, I, f, fi, fb, grad_fn, s_, r_, SAVE, backward)             \
    [PL_##E] = BINARY_KIND_OF(grad_fn, backward),
#define BINARY_SCALAR_KIND_ROW(E, n, K, B, I, f, fi, fb, g_, grad_fn, r_, SAVE, backward)      \
    [PL_##E] = BINARY_KIND_OF(grad_fn, backward),
#define BINARY_RSCALAR_KIND_ROW(E, n, K, B, I, f, fi, fb, g_, s_, grad_fn, SAVE, backward)     \
    [PL_##E] = BINARY_KIND_OF(grad_fn, backward),
static const pl_node_kind binary_kinds[PL_NUM_BINOPS] = {PL_BINARY_OPS(BINARY_KIND_ROW)};
static const pl_node_kind binary_scalar_kinds[PL_NUM_BINOPS] = {PL_BINARY_OPS(BINARY_SCALAR_KIND_ROW)};
static const pl_node_kind binary_rscalar_kinds[PL_NUM_BINOPS] = {PL_BINARY_OPS(BINARY_RSCALAR_KIND_ROW)};

static const pl_node_kind *
binary_kind(pl_binop op, bool a_wrapped, bool b_wrapped)
{
    return a_wrapped ? &binary_rscalar_kinds[op] : b_wrapped ? &binary_scalar_kinds[op] : &binary_kinds[op];
}

/* what the backward reads: slot 0 a, slot 1 b, slot 2 the result */
enum { SAVES_NONE, SAVES_CROSS, SAVES_BOTH, SAVES_BOTH_IF_B, SAVES_BOTH_OUT };
#define BINARY_SAVES(E, n, K, B, I, f, fi, fb, g_, s_, r_, SAVE, ...) [PL_##E] = SAVES_##SAVE,
static const unsigned char binary_saves[PL_NUM_BINOPS] = {PL_BINARY_OPS(BINARY_SAVES)};

/* ---- forward ---- */

/* An operand of op in the compute dtype cdt of common dtype rdt. PyTorch casts operands to
 * the common dtype (so uint8 250 > -1 compares with 255): an operand of another dtype is first
 * cast to rdt. The one exception: float16/bfloat16 add, sub, mul, div and floor division read
 * their other operand straight in float32 (PyTorch's kernels take the scalar in opmath). */
static pl_tensor *
to_compute(pl_binop op, pl_tensor *t, pl_dtype rdt, pl_dtype cdt)
{
    bool opmath = op == PL_ADD || op == PL_SUB || op == PL_MUL || op == PL_DIV || op == PL_DIV_FLOOR;
    if (t->dtype != rdt && rdt != cdt && !(opmath && pl_dtype_is_floating(rdt))) {
        pl_tensor *r = pl_to_dtype(t, rdt);
        pl_tensor *c = r ? pl_to_dtype(r, cdt) : NULL;
        pl_tensor_release(r);
        return c;
    }
    return pl_to_dtype(t, cdt);
}

/* out = a op b in common dtype rdt; out's dtype is rdt (bool for comparisons), or, for a
 * storage dtype, the kernel writes a compute-dtype temporary that is cast into out. */
static pl_status
run_binary(pl_binop op, pl_dtype rdt, pl_tensor *out, pl_tensor *a, pl_tensor *b, double alpha)
{
    pl_dtype cdt = pl_dtype_compute(rdt);
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
        return pl_error_set(PL_ERR_NOTIMPL, "\"%s%s\" not implemented for '%s'", binop_names[op],
                            op == PL_POW ? "" : "_cpu", pl_dtype_scalar_name(cdt));
    }
    binary_ctx ctx = {alpha, (float)alpha, pl_double_to_int64(alpha)};
    pl_dtype kernel_out = is_comparison(op) ? PL_BOOL : cdt;
    if (out->dtype != kernel_out) {
        pl_tensor *tmp = pl_tensor_empty(out->ndim, out->shape, kernel_out);
        if (!tmp) return pl_error_status();
        pl_status st = run_binary(op, rdt, tmp, a, b, alpha);
        if (st == PL_OK) st = pl_copy_raw(out, tmp);
        pl_tensor_release(tmp);
        return st;
    }
    if (a->dtype == cdt && b->dtype == cdt && pl_same_shape(a, b) && pl_same_shape(a, out) &&
        pl_tensor_is_contiguous(a) && pl_tensor_is_contiguous(b) && pl_tensor_is_contiguous(out)) {
        /* the common case: one contiguous run, no loop set-up */
        int64_t es = (int64_t)pl_dtype_size(cdt), eo = (int64_t)pl_dtype_size(out->dtype);
        char *ptrs[3] = {pl_tensor_data(out), pl_tensor_data(a), pl_tensor_data(b)};
        int64_t strides[3] = {eo, es, es};
        pl_run_contiguous(fn, 3, ptrs, strides, out->numel, &ctx);
        return PL_OK;
    }
    pl_tensor *ca = to_compute(op, a, rdt, cdt);
    pl_tensor *cb = ca ? to_compute(op, b, rdt, cdt) : NULL;
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
    if (a->dtype == b->dtype && (a->dtype == PL_FLOAT32 || a->dtype == PL_FLOAT64) && !a_wrapped && !b_wrapped &&
        !is_comparison(op) && alpha == 1.0 && a->numel < PL_PARALLEL_MIN_ELEMENTS &&
        binary_kernels[op][a->dtype] &&
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
        bool both = false, cross = binary_saves[op] == SAVES_CROSS;
        switch (binary_saves[op]) {
        case SAVES_BOTH:
        case SAVES_BOTH_OUT: both = true; break;
        case SAVES_BOTH_IF_B: both = !a_wrapped && b->requires_grad; break;
        default: break;
        }
        pl_tensor *save[3] = {both || (cross && b->requires_grad) ? a : NULL,
                              both || (cross && a->requires_grad) ? b : NULL,
                              binary_saves[op] == SAVES_BOTH_OUT ? out : NULL};
        /* 2 - x records one edge, to x (PyTorch's RsubBackward1) */
        bool one_edge = op == PL_SUB && a_wrapped;
        pl_node *node;
        unsigned wrapped = (a_wrapped ? 1u : 0u) | (b_wrapped ? 2u : 0u); /* not packed */
        out = pl_record_wrapped(out, binary_kind(op, a_wrapped, b_wrapped), one_edge ? &b : ins,
                                one_edge ? 1 : 2, save, 3, wrapped, &node);
        if (!out) return NULL;
        node->scalars[0] = alpha;
        node->ints[0] = op;
    }
    return out;
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
    if (!is_comparison(op) && !pl_can_cast(cdt, a->dtype)) {
        return pl_error_set(PL_ERR_RUNTIME, "result type %s can't be cast to the desired output type %s",
                            pl_dtype_scalar_name(cdt), pl_dtype_scalar_name(a->dtype));
    }
    pl_tensor *ins[2] = {a, b};
    if (pl_needs_grad(ins, 2)) { /* pl_rebase_inplace keeps the values a backward saved */
        pl_tensor *r = pl_binary(op, a, b, alpha, false, b_wrapped);
        if (!r) return pl_error_status();
        st = pl_rebase_inplace(a, r);
        pl_tensor_release(r);
        return st;
    }
    if (cdt == a->dtype && pl_dtype_is_compute(cdt) && !is_comparison(op)) {
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

