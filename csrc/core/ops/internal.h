/* internal.h — helpers shared by the op files of csrc/core/ops (not part of the core API). */
#ifndef PL_OPS_INTERNAL_H
#define PL_OPS_INTERNAL_H

#include "../vml.h"
#include "../ops.h"
#include "../tensor.h"

/* g * s as a new tensor (s a wrapped number, so g keeps its dtype); NULL on error. */
pl_tensor *pl_scale(pl_tensor *g, double s);
/* Writes result into a in place and gives a result's history (PyTorch's rebase of an
 * in-place op on a tensor in a graph); bumps a's version. */
pl_status pl_rebase_inplace(pl_tensor *a, pl_tensor *result);

/* Elementwise work below this many elements runs on the calling thread only. */
#define PL_PARALLEL_MIN_ELEMENTS (1 << 18)

/* Runs fn over n elements of nops operands laid out with the given byte strides (one run),
 * splitting it across the thread pool when it is large. */
void pl_run_contiguous(pl_inner_fn fn, int nops, char **ptrs, const int64_t *strides, int64_t n,
                       void *ctx);

/* Sums a over the dims flagged in reduced (a floating dtype) into out, which is contiguous, of
 * a's dtype and holds one element per output, adding up in PyTorch's CPU order (sum_order.c). */
pl_status pl_sum_ordered(const pl_tensor *a, const bool *reduced, pl_tensor *out);

/* For the entry of an op whose kernels exist for the compute dtypes only, once it has found
 * tensor A of a storage dtype: runs the op CALL on `c_`, A's cast to its compute dtype, and
 * returns its result cast back, recorded under the op's own node (pl_from_compute_of). CALL
 * names c_ where the op takes A. */
#define PL_RUN_IN_COMPUTE(A, CALL)                                                           \
    do {                                                                                     \
        pl_tensor *a_ = (A);                                                                 \
        pl_tensor *c_ = pl_to_dtype(a_, pl_dtype_compute(a_->dtype));                        \
        pl_tensor *r_ = c_ ? (CALL) : NULL;                                                  \
        r_ = pl_from_compute_of(r_, a_->dtype, &a_, &c_, 1);                                 \
        pl_tensor_release(c_);                                                               \
        return r_;                                                                           \
    } while (0)
/* PL_RUN_IN_COMPUTE for an op of three tensors of A's dtype (B and C may be NULL, a
 * layer's weight and bias): CALL names cx_, cy_, cz_ where the op takes A, B, C. */
#define PL_RUN_IN_COMPUTE3(A, B, C, CALL)                                                    \
    do {                                                                                     \
        pl_tensor *o_[3] = {(A), (B), (C)}, *k_[3] = {NULL, NULL, NULL};                     \
        pl_tensor *r_ = NULL;                                                                \
        bool ok_ = true;                                                                     \
        for (int i_ = 0; i_ < 3 && ok_; i_++) {                                              \
            ok_ = !o_[i_] || (k_[i_] = pl_to_dtype(o_[i_], pl_dtype_compute(o_[i_]->dtype))); \
        }                                                                                    \
        if (ok_) {                                                                           \
            pl_tensor *cx_ = k_[0], *cy_ = k_[1], *cz_ = k_[2];                              \
            r_ = pl_from_compute_of((CALL), o_[0]->dtype, o_, k_, 3);                        \
        }                                                                                    \
        for (int i_ = 0; i_ < 3; i_++) pl_tensor_release(k_[i_]);                            \
        return r_;                                                                           \
    } while (0)
/* Whether t is float16 or bfloat16 (the storage dtypes computed in float32). */
static inline bool
pl_is_half(const pl_tensor *t)
{
    return t->dtype == PL_FLOAT16 || t->dtype == PL_BFLOAT16;
}

/* Builds a function twice, with the FMA instruction and without (the C library's fma), the
 * loader picking one for the CPU: for kernels whose explicit fmaf/fma calls are hot. Results
 * are the same bits either way (fma is exact). */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__linux__)
#define PL_FMA_CLONES __attribute__((target_clones("fma", "default")))
#else
#define PL_FMA_CLONES
#endif

/* Whether t's elements fill a block of storage exactly once, in some order of its dims (a
 * contiguous tensor, or one permuted as by .t() or .permute()); copy.c. */
bool pl_non_overlapping_and_dense(const pl_tensor *t);

/* out = fn(a) through MKL's VML (vml.h), out a float32/float64 tensor, a of its dtype (or an
 * integer/bool dtype) and shape, any strides (unary.c); the route must be on (pl_vml_enabled). */
pl_status pl_vml_unary(pl_vml_fn fn, pl_tensor *out, pl_tensor *a);
/* sqrt(a) rounded as IEEE's sqrt whatever the VML route, for the sqrt inside a kernel PyTorch
 * writes with std::sqrt (norm); a new tensor, no node recorded (call with grad mode off). */
pl_tensor *pl_sqrt_ieee(pl_tensor *a);

/* The vector width PyTorch's ATen uses on this CPU (aten_layout.c): the widest the CPU runs,
 * or the narrower one ATEN_CPU_CAPABILITY=default|avx2 asks for, read once. */
enum { PL_ATEN_DEFAULT, PL_ATEN_AVX2, PL_ATEN_AVX512 };
int pl_aten_capability(void);
/* AVX-512 F/BW/VL/DQ present, whatever ATEN_CPU_CAPABILITY says (oneDNN's bfloat16 test) */
bool pl_cpu_avx512_core(void);
/* SLEEF's 1-ulp float32 and float64 exp, ATen's vector exp (the plain references of
 * aten_layout.c). */
float pl_sleef_expf(float x);
double pl_sleef_exp(double x);
/* out[k] = exp(x[k] - shift), k < n, as ATen's vector exp gives each lane under capability cap
 * (SLEEF's exp; libm's under "default"), by AVX2 code (simd, where the CPU has it) or the plain
 * reference: the two give the same bits. out may be x. */
void pl_aten_exp_shift_f32(float *out, const float *x, float shift, int64_t n, int cap, bool simd);
void pl_aten_exp_shift_f64(double *out, const double *x, double shift, int64_t n, int cap,
                           bool simd);
/* out[k] = exp(x[k] - m[k]), k < n, each through SLEEF's vector exp (AVX2 where simd and the
 * CPU has it, else the plain reference; the same bits). out may be x. */
void pl_aten_exp_sub_f32(float *out, const float *x, const float *m, int64_t n, bool simd);
void pl_aten_exp_sub_f64(double *out, const double *x, const double *m, int64_t n, bool simd);
/* softmax / log_softmax of contiguous a over dim, a dim before the last (softmax_cols.c):
 * PyTorch's kernels for an inner size above 1, bit for bit; `log` picks log_softmax. */
pl_tensor *pl_softmax_cols(pl_tensor *a, int dim, bool log);
/* softmax's (log: log_softmax's) backward over dim written with differentiable ops, for a
 * backward that records its own graph (create_graph); y the forward's output. New reference or
 * NULL. */
pl_tensor *pl_softmax_backward_recorded(pl_tensor *y, pl_tensor *g, int64_t dim, bool log);
/* SLEEF's 1-ulp float32 and float64 natural log, ATen's vector log (sleef_log.c). */
float pl_sleef_logf(float x);
double pl_sleef_log(double x);
/* SLEEF's 1-ulp float32 and float64 expm1 and log1p, ATen's vector expm1 / log1p, which
 * torch.expm1 / torch.log1p apply to every element (sleef_exp.c). */
float pl_sleef_expm1f(float x);
double pl_sleef_expm1(double x);
float pl_sleef_log1pf(float x);
float pl_sleef_tanhf(float x); /* sleef_hyp.c */
float pl_sleef_exp2f(float x);
float pl_sleef_atanhf(float x);
float pl_sleef_sinhf(float x);
float pl_sleef_coshf(float x);
double pl_sleef_log1p(double x);
float pl_sleef_lgammaf(float x); /* sleef_gamma.c */
/* out[i] = pl_sleef_lgammaf(x[i]), i < n, eight lanes at a time where the CPU has AVX2 + FMA */
void pl_sleef_lgammaf_n(float *out, const float *x, int64_t n);
double pl_sleef_lgamma(double x);
double pl_sleef_sinh(double x); /* sleef_hypd.c */
double pl_sleef_cosh(double x);
double pl_sleef_tanh(double x);
double pl_sleef_atanh(double x);
double pl_sleef_exp2(double x);
/* The elementwise functions computed as PyTorch's CPU kernel computes them, bit for bit. */
typedef enum pl_aten_fn {
    PL_ATEN_SIGMOID,       /* out = sigmoid(x) */
    PL_ATEN_SILU,          /* out = silu(x) */
    PL_ATEN_SILU_BACKWARD, /* out = g * silu'(x) */
    PL_ATEN_SINH,          /* out = sinh(x) (the vector forms: sleef_hyp.c, sleef_hypd.c) */
    PL_ATEN_COSH,          /* out = cosh(x) */
    PL_ATEN_EXP2,          /* out = exp2(x) */
    PL_ATEN_ATANH,         /* out = atanh(x) */
    PL_ATEN_GELU_TANH,     /* out = gelu(x) in the tanh form */
    PL_ATEN_GELU_TANH_BACKWARD, /* out = g * its derivative */
} pl_aten_fn;
/* fn over n contiguous floats (doubles when f64): out, x and g (NULL unless the backward) */
void pl_aten_run(pl_aten_fn fn, bool f64, void *out, const void *x, const void *g, int64_t n);
/* The same with every element through the scalar lambda, as ATen takes a strided operand */
void pl_aten_run_scalar(pl_aten_fn fn, bool f64, void *out, const void *x, const void *g,
                        int64_t n);
/* The same in the layout of capability cap, with the AVX2 vector lambda (simd, where the CPU
 * has it) or its plain reference: the two give the same bits (tests/c/test_aten_layout.c). */
void pl_aten_layout(pl_aten_fn fn, bool f64, void *out, const void *x, const void *g, int64_t n,
                    int cap, bool simd);
void pl_sigmoid_f32_layout(float *out, const float *a, int64_t n, int cap, bool simd);
void pl_sigmoid_f64_layout(double *out, const double *a, int64_t n, int cap, bool simd);

/* batch_norm's backward paths outside its fast kernels (ops/batch_norm_paths.c): din[0..3)
 * receive new references (dx contiguous) or NULL for inputs without an edge. */
struct pl_node;
pl_status pl_bn_backward_generic(struct pl_node *node, pl_tensor *x, pl_tensor *w, pl_tensor *stats,
                                 pl_tensor *g, pl_tensor **din);
pl_status pl_bn_backward_recorded(struct pl_node *node, pl_tensor *x, pl_tensor *w,
                                  pl_tensor *stats, pl_tensor *g, pl_tensor **din);

#endif
