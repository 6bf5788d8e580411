/* op_table.h — the elementwise op tables: one row per op is the single place its identity is
 * written. From a row come its enum value (ops.h), its float/double/int64/bool kernels and its
 * backward (ops/unary.c, ops/binary.c), its grad_fn kind, the Tensor method, its in-place form
 * and the torch.* function (csrc/python/methods_math.c expands the same lists; the Python
 * package reads _C._unary_ops / _C._binary_ops).
 *
 * Adding an elementwise op is one row: its forward as an expression in x (and y), and its
 * derivative as an expression over core ops (ops/expr.h) in g (the output's gradient), x (the
 * input) and y (the result). Float expressions are written once for float and double: the
 * kernels include <tgmath.h>, so exp(x) is expf for float; `scalar_t` names the element type.
 *
 * Columns of PL_UNARY_OPS:
 *   ENUM, name     PL_<ENUM>; the method name (kernels are <name>_f32, <name>_f64, ...)
 *   grad_fn        the name PyTorch prints
 *   DT             FLOAT: integer and bool input compute in the default float dtype;
 *                  INT: int64 keeps its dtype (int kernel), bool is refused;
 *                  ALL: int64 and bool keep their dtype (the int expression serves both)
 *   SAVE           what the backward reads: NONE, IN (x), OUT (y)
 *   PY             PUB: a public method, torch function and in-place form; PRIV: the method
 *                  is "_<name>", wrapped by Python (which keeps integer input as it is);
 *                  NOFN: public method and in-place method, no torch.<name>_ function
 *   fwd(x)         float expression
 *   ifwd(x)        int64 (and bool for ALL) expression; unused for FLOAT
 *   dx(g, x, y)    derivative
 */
#ifndef PL_OP_TABLE_H
#define PL_OP_TABLE_H

#define PL_UNARY_OPS(X)                                                                         \
    X(NEG, neg, "NegBackward0", INT, NONE, PUB, -x, (int64_t)(0 - (uint64_t)x), ex_neg(s, g))    \
    X(EXP, exp, "ExpBackward0", FLOAT, OUT, PUB, exp(x), 0, ex_mul(s, g, y))                     \
    X(LOG, log, "LogBackward0", FLOAT, IN, PUB, log(x), 0, ex_div(s, g, x))                      \
    X(SQRT, sqrt, "SqrtBackward0", FLOAT, OUT, PUB, sqrt(x), 0, ex_div(s, g, ex_scale(s, y, 2))) \
    X(ABS, abs, "AbsBackward0", INT, IN, PUB, fabs(x), x < 0 ? (int64_t)(0 - (uint64_t)x) : x,   \
      ex_mul(s, g, ex_un(s, PL_SIGN, x)))                                                       \
    X(RELU, relu, "ReluBackward0", INT, OUT, PUB, x < 0 ? 0 : x, x > 0 ? x : 0,                  \
      pl_relu_backward(s, g, y))                                                                \
    X(SIGMOID, sigmoid, "SigmoidBackward0", FLOAT, OUT, PUB, 1 / (1 + exp(-x)), 0,              \
      ex_mul(s, ex_mul(s, g, ex_ksub(s, 1, y)), y))                                             \
    X(TANH, tanh, "TanhBackward0", FLOAT, OUT, PUB, tanh(x), 0, pl_tanh_backward(s, g, y))       \
    X(SIN, sin, "SinBackward0", FLOAT, IN, PUB, sin(x), 0, ex_mul(s, g, ex_un(s, PL_COS, x)))    \
    X(COS, cos, "CosBackward0", FLOAT, IN, PUB, cos(x), 0,                                       \
      ex_mul(s, g, ex_neg(s, ex_un(s, PL_SIN, x))))                                             \
    X(RSQRT, rsqrt, "RsqrtBackward0", FLOAT, OUT, PUB, 1 / sqrt(x), 0,                           \
      ex_mul(s, g, ex_scale(s, ex_pow(s, y, 3), -0.5)))                                         \
    X(RECIPROCAL, reciprocal, "ReciprocalBackward0", FLOAT, OUT, PUB, 1 / x, 0,                  \
      ex_mul(s, ex_mul(s, ex_neg(s, g), y), y))                                                 \
    X(SIGN, sign, "SignBackward0", ALL, NONE, NOFN, (scalar_t)((x > 0) - (x < 0)),               \
      (x > 0) - (x < 0), ex_zeros(s, g))                                                        \
    X(LOG1P, log1p, "Log1PBackward0", FLOAT, IN, PUB, pl_aten_log1p(x), 0,                               \
      ex_div(s, g, ex_addk(s, x, 1)))                                                           \
    X(EXPM1, expm1, "Expm1Backward0", FLOAT, OUT, PUB, pl_aten_expm1(x), 0,                              \
      ex_mul(s, g, ex_addk(s, y, 1)))                                                           \
    /* rounding (floating kernels; round is half to even, as PyTorch's) */                       \
    X(FLOOR, floor, "FloorBackward0", FLOAT, NONE, PRIV, floor(x), 0, ex_zeros(s, g))            \
    X(CEIL, ceil, "CeilBackward0", FLOAT, NONE, PRIV, ceil(x), 0, ex_zeros(s, g))                \
    X(TRUNC, trunc, "TruncBackward0", FLOAT, NONE, PRIV, trunc(x), 0, ex_zeros(s, g))            \
    X(ROUND, round, "RoundBackward0", FLOAT, NONE, PRIV, nearbyint(x), 0, ex_zeros(s, g))        \
    /* trigonometric and hyperbolic functions and their inverses */                              \
    X(TAN, tan, "TanBackward0", FLOAT, OUT, PUB, tan(x), 0,                                      \
      ex_mul(s, g, ex_addk(s, ex_mul(s, y, y), 1)))                                             \
    X(ASIN, asin, "AsinBackward0", FLOAT, IN, PUB, asin(x), 0,                                   \
      ex_mul(s, g, ex_un(s, PL_RSQRT, ex_ksub(s, 1, ex_mul(s, x, x)))))                         \
    X(ACOS, acos, "AcosBackward0", FLOAT, IN, PUB, acos(x), 0,                                   \
      ex_mul(s, g, ex_neg(s, ex_un(s, PL_RSQRT, ex_ksub(s, 1, ex_mul(s, x, x))))))              \
    X(ATAN, atan, "AtanBackward0", FLOAT, IN, PUB, atan(x), 0,                                   \
      ex_div(s, g, ex_addk(s, ex_mul(s, x, x), 1)))                                             \
    X(SINH, sinh, "SinhBackward0", FLOAT, IN, PUB, sinh(x), 0, ex_mul(s, g, ex_un(s, PL_COSH, x))) \
    X(COSH, cosh, "CoshBackward0", FLOAT, IN, PUB, cosh(x), 0, ex_mul(s, g, ex_un(s, PL_SINH, x))) \
    X(ASINH, asinh, "AsinhBackward0", FLOAT, IN, PUB, asinh(x), 0,                               \
      ex_mul(s, g, ex_un(s, PL_RSQRT, ex_addk(s, ex_pow(s, x, 2), 1))))                         \
    X(ACOSH, acosh, "AcoshBackward0", FLOAT, IN, PUB, acosh(x), 0,                               \
      ex_mul(s, g, ex_un(s, PL_RSQRT, ex_addk(s, ex_pow(s, x, 2), -1))))                        \
    X(ATANH, atanh, "AtanhBackward0", FLOAT, IN, PUB, atanh(x), 0,                               \
      ex_div(s, g, ex_ksub(s, 1, ex_pow(s, x, 2))))                                             \
    /* exponentials and logarithms in other bases, erfc, sinc */                                 \
    X(EXP2, exp2, "Exp2Backward0", FLOAT, OUT, PUB, exp2(x), 0,                                  \
      ex_scale(s, ex_mul(s, g, y), 0.693147180559945309417))                             \
    X(LOG2, log2, "Log2Backward0", FLOAT, IN, PUB, log2(x), 0,                                   \
      ex_div(s, g, ex_scale(s, x, 0.693147180559945309417)))                                    \
    X(LOG10, log10, "Log10Backward0", FLOAT, IN, PUB, log10(x), 0,                               \
      ex_div(s, g, ex_scale(s, x, 2.3025850929940456))) /* PyTorch's ln 10 */                  \
    X(ERFC, erfc, "ErfcBackward0", FLOAT, IN, PUB, erfc(x), 0,                                   \
      ex_mul(s, ex_scale(s, ex_un(s, PL_EXP, ex_neg(s, ex_pow(s, x, 2))), -1.12837916709551257390), g)) \
    X(SINC, sinc, "SincBackward0", FLOAT, IN, PUB, pl_sinc(x), 0, pl_sinc_backward(s, g, x)) \
    /* special functions (ops/special_fn.h); the special_ rows are torch.special's, their    \
     * methods private */                                                                       \
    X(ERFINV, erfinv, "ErfinvBackward0", FLOAT, OUT, NOFN, pl_erfinv(x), 0,                      \
      ex_mul(s, ex_scale(s, ex_un(s, PL_EXP, ex_mul(s, y, y)), 0.88622692545275801365), g))     \
    X(I0, i0, "I0Backward0", FLOAT, IN, PUB, pl_i0(x), 0,                                        \
      ex_mul(s, g, ex_un(s, PL_SPECIAL_I1, x)))                                                 \
    X(SPECIAL_I0E, special_i0e, "SpecialI0EBackward0", FLOAT, IN, PRIV, pl_i0e(x), 0,            \
      pl_i0e_backward(s, g, x))                                                                 \
    X(SPECIAL_I1, special_i1, "SpecialI1Backward0", FLOAT, IN, PRIV, pl_i1(x), 0,                \
      pl_i1_backward(s, g, x, false))                                                           \
    X(SPECIAL_I1E, special_i1e, "SpecialI1EBackward0", FLOAT, IN, PRIV, pl_i1e(x), 0,            \
      pl_i1_backward(s, g, x, true))                                                            \
    X(SPECIAL_NDTRI, special_ndtri, "SpecialNdtriBackward0", FLOAT, OUT, PRIV, pl_ndtri(x), 0,   \
      ex_mul(s, ex_scale(s, g, 2.50662827463100050242),                                         \
             ex_un(s, PL_EXP, ex_scale(s, ex_mul(s, y, y), 0.5))))                              \
    X(SPECIAL_LOG_NDTR, special_log_ndtr, "SpecialLogNdtrBackward0", FLOAT, IN, PRIV,           \
      pl_log_ndtr(x), 0, pl_log_ndtr_backward(s, g, x))                                         \
    X(SPECIAL_ERFCX, special_erfcx, "SpecialErfcxBackward0", FLOAT, IN, PRIV, pl_erfcx(x), 0,    \
      ex_mul(s, ex_addk(s, ex_scale(s, ex_mul(s, x, ex_un(s, PL_SPECIAL_ERFCX, x)), 2),          \
                        -1.12837916709551257390), g))                                           \
    X(SPECIAL_ENTR, special_entr, "SpecialEntrBackward0", FLOAT, IN, PRIV, pl_entr(x), 0,        \
      ex_mul(s, g, ex_neg(s, ex_addk(s, ex_un(s, PL_LOG, x), 1))))                              \
    /* Bessel functions of the first and second kind (PyTorch records no node for them:       \
     * special.bessel_j0 ... call these on a detached input; the derivatives are the true ones) */ \
    X(SPECIAL_BESSEL_J0, special_bessel_j0, "SpecialBesselJ0Backward0", FLOAT, IN, PRIV,         \
      pl_bessel_j0(x), 0, ex_mul(s, g, ex_neg(s, ex_un(s, PL_SPECIAL_BESSEL_J1, x))))           \
    X(SPECIAL_BESSEL_J1, special_bessel_j1, "SpecialBesselJ1Backward0", FLOAT, IN, PRIV,         \
      pl_bessel_j1(x), 0, pl_bessel_j1_backward(s, g, x))                                       \
    X(SPECIAL_BESSEL_Y0, special_bessel_y0, "SpecialBesselY0Backward0", FLOAT, IN, PRIV,         \
      pl_bessel_y0(x), 0, ex_mul(s, g, ex_neg(s, ex_un(s, PL_SPECIAL_BESSEL_Y1, x))))           \
    X(SPECIAL_BESSEL_Y1, special_bessel_y1, "SpecialBesselY1Backward0", FLOAT, IN, PRIV,         \
      pl_bessel_y1(x), 0,                                                                       \
      ex_mul(s, g, ex_sub(s, ex_un(s, PL_SPECIAL_BESSEL_Y0, x),                                  \
                          ex_div(s, ex_un(s, PL_SPECIAL_BESSEL_Y1, x), x))))                    \
    /* Airy's Ai, the modified Bessel functions I1, K0, K1 (K0 and K1 also scaled by exp(x))    \
     * and the spherical Bessel function j0 (ops/special_bessel.h; no node in PyTorch either,   \
     * as the Bessel functions above; Ai's derivative is refused) */                           \
    X(SPECIAL_AIRY_AI, special_airy_ai, "SpecialAiryAiBackward0", FLOAT, IN, PRIV,            \
      pl_airy_ai(x), 0, pl_airy_ai_backward(s, g, x))                                         \
    X(SPECIAL_MODIFIED_BESSEL_I1, special_modified_bessel_i1, "SpecialModifiedBesselI1Backward0", \
      FLOAT, IN, PRIV, pl_modified_bessel_i1(x), 0, pl_modified_bessel_i1_backward(s, g, x))   \
    X(SPECIAL_MODIFIED_BESSEL_K0, special_modified_bessel_k0, "SpecialModifiedBesselK0Backward0", \
      FLOAT, IN, PRIV, pl_modified_bessel_k0(x), 0,                                            \
      ex_mul(s, g, ex_neg(s, ex_un(s, PL_SPECIAL_MODIFIED_BESSEL_K1, x))))                     \
    X(SPECIAL_MODIFIED_BESSEL_K1, special_modified_bessel_k1, "SpecialModifiedBesselK1Backward0", \
      FLOAT, IN, PRIV, pl_modified_bessel_k1(x), 0, pl_modified_bessel_k1_backward(s, g, x))   \
    X(SPECIAL_SCALED_MODIFIED_BESSEL_K0, special_scaled_modified_bessel_k0,                   \
      "SpecialScaledModifiedBesselK0Backward0", FLOAT, IN, PRIV, pl_scaled_modified_bessel_k0(x), \
      0, ex_mul(s, g, ex_sub(s, ex_un(s, PL_SPECIAL_SCALED_MODIFIED_BESSEL_K0, x),              \
                             ex_un(s, PL_SPECIAL_SCALED_MODIFIED_BESSEL_K1, x))))              \
    X(SPECIAL_SCALED_MODIFIED_BESSEL_K1, special_scaled_modified_bessel_k1,                   \
      "SpecialScaledModifiedBesselK1Backward0", FLOAT, IN, PRIV, pl_scaled_modified_bessel_k1(x), \
      0, pl_scaled_modified_bessel_k1_backward(s, g, x))                                      \
    X(SPECIAL_SPHERICAL_BESSEL_J0, special_spherical_bessel_j0, "SpecialSphericalBesselJ0Backward0", \
      FLOAT, IN, PRIV, pl_spherical_bessel_j0(x), 0, pl_spherical_bessel_j0_backward(s, g, x)) \
    /* activations with a node of their own in PyTorch (nn.functional wraps them) */             \
    X(SILU, silu, "SiluBackward0", FLOAT, IN, PRIV, x / (1 + exp(-x)), 0,                        \
      pl_silu_backward(s, g, x))

#define PL_UNARY_ENUM_(E, ...) PL_##E,
typedef enum pl_unop { PL_UNARY_OPS(PL_UNARY_ENUM_) PL_NUM_UNOPS } pl_unop;
#undef PL_UNARY_ENUM_

/* Columns of PL_BINARY_OPS:
 *   ENUM, name     PL_<ENUM>; the kernel stem (<name>_f32 ...) and the error's name
 *   KIND           ARITH: the result has the promoted dtype; TRUEDIV: integer operands compute
 *                  in the default float dtype; CMP: a bool result, no gradient; INT: integer
 *                  operands only (no float kernels: fwd unused), the promoted dtype
 *   B, I           Y/N: a bool / int64 kernel (bfwd / ifwd)
 *   fwd(x, y)      float expression (tgmath, as above; ctx is the kernel's binary_ctx)
 *   grad_fn x 3    the node PyTorch prints for tensor op tensor, for tensor op number, and
 *                  for number op tensor (NULL: no node of that form; a recorded one refuses
 *                  its backward, as PyTorch's remainder(number, tensor) does)
 *   SAVE           what the backward reads: NONE; CROSS: a when b requires grad and b when a
 *                  does (mul); BOTH: a and b; BOTH_IF_B: a and b when b requires grad;
 *                  BOTH_OUT: a, b and the result
 *   backward       the node's backward function (ops/binary.c)
 * The rows' Python methods are written by hand in csrc/python/methods_math.c: their argument
 * forms (alpha, numbers on either side, the dunder operators) differ op to op.
 */
#define PL_BINARY_OPS(X)                                                                        \
    X(ADD, add, ARITH, Y, Y, x + y, (int64_t)((uint64_t)x + (uint64_t)y * alpha_i64(ctx)), x || y, \
      "AddBackward0", "AddBackward0", "AddBackward0", NONE, add_backward)                       \
    X(SUB, sub, ARITH, N, Y, x - y, (int64_t)((uint64_t)x - (uint64_t)y * alpha_i64(ctx)), 0,    \
      "SubBackward0", "SubBackward0", "RsubBackward1", NONE, sub_backward)                      \
    X(MUL, mul, ARITH, Y, Y, x * y, (int64_t)((uint64_t)x * (uint64_t)y), x && y,                \
      "MulBackward0", "MulBackward0", "MulBackward0", CROSS, mul_backward)                      \
    X(DIV, div, TRUEDIV, N, N, x / y, 0, 0, "DivBackward0", "DivBackward0", "DivBackward0",      \
      BOTH, div_backward)                                                                       \
    X(POW, pow, ARITH, N, Y, pow(x, y), pow_int64(x, y), 0, "PowBackward1", "PowBackward1",      \
      "PowBackward2", BOTH, pow_backward)                                                       \
    X(MAXIMUM, maximum, ARITH, Y, Y, (x != x || y != y) ? NAN : (x > y ? x : y), x > y ? x : y,  \
      x || y, "MaximumBackward0", "MaximumBackward0", "MaximumBackward0", BOTH, minmax_backward) \
    X(MINIMUM, minimum, ARITH, Y, Y, (x != x || y != y) ? NAN : (x < y ? x : y), x < y ? x : y,  \
      x && y, "MinimumBackward0", "MinimumBackward0", "MinimumBackward0", BOTH, minmax_backward) \
    /* floating only (integer operands are the binding's): remainder (sign of b), fmod (sign of \
     * a); a number as a gets a node whose backward is not implemented, as in PyTorch */        \
    X(REMAINDER, remainder, ARITH, N, N, pl_remainder(x, y), 0, 0, "RemainderBackward1",         \
      "RemainderBackward0", NULL, BOTH_IF_B, mod_backward)                                      \
    X(FMOD, fmod, ARITH, N, N, fmod(x, y), 0, 0, "FmodBackward1", "FmodBackward0", NULL,         \
      BOTH_IF_B, mod_backward)                                                                  \
    /* the floor / trunc quotients (div's rounding modes; pl_binary refuses an int64 0) */      \
    X(DIV_FLOOR, div_floor, ARITH, N, Y, pl_div_floor(x, y), y == 0 ? 0 : idiv_floor(x, y), 0,   \
      "DivBackward2", "DivBackward2", "DivBackward2", NONE, rounded_div_backward)               \
    X(DIV_TRUNC, div_trunc, ARITH, N, Y, trunc(x / y), y == 0 ? 0 : idiv_trunc(x, y), 0,          \
      "DivBackward2", "DivBackward2", "DivBackward2", NONE, rounded_div_backward)               \
    X(EQ, eq, CMP, Y, Y, x == y, x == y, x == y, NULL, NULL, NULL, NONE, NULL)                   \
    X(NE, ne, CMP, Y, Y, x != y, x != y, x != y, NULL, NULL, NULL, NONE, NULL)                   \
    X(LT, lt, CMP, Y, Y, x < y, x < y, x < y, NULL, NULL, NULL, NONE, NULL)                      \
    X(LE, le, CMP, Y, Y, x <= y, x <= y, x <= y, NULL, NULL, NULL, NONE, NULL)                   \
    X(GT, gt, CMP, Y, Y, x > y, x > y, x > y, NULL, NULL, NULL, NONE, NULL)                      \
    X(GE, ge, CMP, Y, Y, x >= y, x >= y, x >= y, NULL, NULL, NULL, NONE, NULL)                   \
    /* math functions of two arguments */                                                       \
    X(ATAN2, atan2, TRUEDIV, N, N, atan2(x, y), 0, 0, "Atan2Backward0", NULL, NULL, BOTH,        \
      atan2_backward)                                                                           \
    X(HYPOT, hypot, ARITH, N, N, hypot(x, y), 0, 0, "HypotBackward0", NULL, NULL, BOTH_OUT,      \
      hypot_backward)                                                                           \
    X(COPYSIGN, copysign, TRUEDIV, N, N, copysign(x, y), 0, 0, "CopysignBackward0",             \
      "CopysignBackward1", NULL, BOTH_OUT, copysign_backward)                                   \
    X(FMAX, fmax, ARITH, Y, Y, fmax(x, y), x > y ? x : y, x || y, "FmaxBackward0", NULL, NULL,   \
      BOTH, fminmax_backward)                                                                   \
    X(FMIN, fmin, ARITH, Y, Y, fmin(x, y), x < y ? x : y, x && y, "FminBackward0", NULL, NULL,   \
      BOTH, fminmax_backward)                                                                   \
    /* the next representable value toward y (the gradient passes to x; y gets zeros) */       \
    X(NEXTAFTER, nextafter, ARITH, N, N, nextafter(x, y), 0, 0, "NextafterBackward0", NULL, NULL, \
      NONE, nextafter_backward)                                                               \
    /* the regularized incomplete gamma functions P(a, x) and Q(a, x) (ops/igamma_fn.h; the    \
     * derivative in a is not implemented, as in PyTorch; no number operands, as there) */     \
    X(IGAMMA, igamma, ARITH, N, N, pl_igamma(x, y), 0, 0, "IgammaBackward0", NULL, NULL, BOTH,   \
      igamma_backward)                                                                          \
    X(IGAMMAC, igammac, ARITH, N, N, pl_igammac(x, y), 0, 0, "IgammacBackward0", NULL, NULL,     \
      BOTH, igammac_backward)                                                                   \
    /* the Hurwitz zeta function zeta(x, q) (torch.special.zeta; x's derivative refused) */    \
    X(SPECIAL_ZETA, special_zeta, TRUEDIV, N, N, pl_zeta(x, y), 0, 0, "SpecialZetaBackward0",    \
      "SpecialZetaBackward2", "SpecialZetaBackward1", BOTH, zeta_backward)                      \
    /* the orthogonal polynomials f(x, n) of torch.special (ops/special_poly.h; n is            \
     * truncated to an integer degree). PyTorch records no node for them: the functions         \
     * call them on detached operands, so the rows name no node and have no backward */         \
    X(SPECIAL_CHEBYSHEV_POLYNOMIAL_T, chebyshev_polynomial_t, TRUEDIV, N, N,                    \
      pl_chebyshev_t(x, y), 0, 0, NULL, NULL, NULL, NONE, NULL)                                 \
    X(SPECIAL_CHEBYSHEV_POLYNOMIAL_U, chebyshev_polynomial_u, TRUEDIV, N, N,                    \
      pl_chebyshev_u(x, y), 0, 0, NULL, NULL, NULL, NONE, NULL)                                 \
    X(SPECIAL_CHEBYSHEV_POLYNOMIAL_V, chebyshev_polynomial_v, TRUEDIV, N, N,                    \
      pl_chebyshev_v(x, y), 0, 0, NULL, NULL, NULL, NONE, NULL)                                 \
    X(SPECIAL_CHEBYSHEV_POLYNOMIAL_W, chebyshev_polynomial_w, TRUEDIV, N, N,                    \
      pl_chebyshev_w(x, y), 0, 0, NULL, NULL, NULL, NONE, NULL)                                 \
    X(SPECIAL_SHIFTED_CHEBYSHEV_POLYNOMIAL_T, shifted_chebyshev_polynomial_t, TRUEDIV, N, N,    \
      pl_shifted_chebyshev_t(x, y), 0, 0, NULL, NULL, NULL, NONE, NULL)                         \
    X(SPECIAL_SHIFTED_CHEBYSHEV_POLYNOMIAL_U, shifted_chebyshev_polynomial_u, TRUEDIV, N, N,    \
      pl_shifted_chebyshev_u(x, y), 0, 0, NULL, NULL, NULL, NONE, NULL)                         \
    X(SPECIAL_SHIFTED_CHEBYSHEV_POLYNOMIAL_V, shifted_chebyshev_polynomial_v, TRUEDIV, N, N,    \
      pl_shifted_chebyshev_v(x, y), 0, 0, NULL, NULL, NULL, NONE, NULL)                         \
    X(SPECIAL_SHIFTED_CHEBYSHEV_POLYNOMIAL_W, shifted_chebyshev_polynomial_w, TRUEDIV, N, N,    \
      pl_shifted_chebyshev_w(x, y), 0, 0, NULL, NULL, NULL, NONE, NULL)                         \
    X(SPECIAL_HERMITE_POLYNOMIAL_H, hermite_polynomial_h, TRUEDIV, N, N,                        \
      pl_hermite_h(x, y), 0, 0, NULL, NULL, NULL, NONE, NULL)                                   \
    X(SPECIAL_HERMITE_POLYNOMIAL_HE, hermite_polynomial_he, TRUEDIV, N, N,                      \
      pl_hermite_he(x, y), 0, 0, NULL, NULL, NULL, NONE, NULL)                                  \
    X(SPECIAL_LAGUERRE_POLYNOMIAL_L, laguerre_polynomial_l, TRUEDIV, N, N,                      \
      pl_laguerre_l(x, y), 0, 0, NULL, NULL, NULL, NONE, NULL)                                  \
    X(SPECIAL_LEGENDRE_POLYNOMIAL_P, legendre_polynomial_p, TRUEDIV, N, N,                      \
      pl_legendre_p(x, y), 0, 0, NULL, NULL, NULL, NONE, NULL)                                  \
    /* greatest common divisor and least common multiple of integers (int64 arithmetic) */     \
    X(GCD, gcd, INT, N, Y, 0, igcd(x, y), 0, NULL, NULL, NULL, NONE, NULL)                      \
    X(LCM, lcm, INT, N, Y, 0, ilcm(x, y), 0, NULL, NULL, NULL, NONE, NULL)

#define PL_BINARY_ENUM_(E, ...) PL_##E,
typedef enum pl_binop { PL_BINARY_OPS(PL_BINARY_ENUM_) PL_NUM_BINOPS } pl_binop;
#undef PL_BINARY_ENUM_

#endif
