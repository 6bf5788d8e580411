/* gemm.c — matrix products: the reference loops, the portable blocked kernels, operand
 * packing, run-time choice of the kernel set, and the blocked driver (Goto/BLIS loops)
 * with its split over the thread pool. The SIMD kernels live in gemm_x86.c.
 *
 * Driver loops, outermost first, for one thread's rectangle of C:
 *   jc over nc-wide column panels: ... pc over kc-deep slices of K: pack op(B)(pc, jc) into
 *   nr-wide slivers; ic over mc-tall row blocks: pack op(A)(ic, pc) into mr-tall slivers;
 *   jr over slivers of B, ir over slivers of A: one micro-tile.
 * The first kc slice applies the caller's beta, later slices accumulate (beta = 1).
 */
#include "gemm.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "gemm_dot.h"
#include "gemm_kernels.h"
#include "parallel.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#include <xmmintrin.h>
#endif

/* Products at least this large (M * N * K) are split over the thread pool ... */
#define PL_GEMM_PARALLEL_MIN ((int64_t)1 << 21)
/* ... in chunks of at least this much work each. */
#define PL_GEMM_CHUNK_MIN ((int64_t)1 << 20)
/* Besides products of at most small_max, the no-pack path takes those with few rows of A
 * whose B fits in the L2 cache (packing would not pay for itself), and, when B needs no
 * transposing, products with at most a register block of rows (each B element is used
 * once anyway). */
#define PL_GEMM_DIRECT_M 128
#define PL_GEMM_DIRECT_B ((size_t)1 << 20)
#define PL_GEMM_DIRECT_M_ANY 8

/* ------------------------------------------------------------------------------------ */
/* Reference loops                                                                       */

#define GEMM_REF_BODY(T)                                                                   \
    for (int64_t i = 0; i < M; i++) {                                                      \
        T *c = C + i * ldc;                                                                \
        if (beta == 0) {                                                                   \
            for (int64_t j = 0; j < N; j++) c[j] = 0;                                      \
        } else if (beta != 1) {                                                            \
            for (int64_t j = 0; j < N; j++) c[j] *= beta;                                  \
        }                                                                                  \
        if (alpha == 0) continue;                                                          \
        for (int64_t k = 0; k < K; k++) {                                                  \
            T a = trans_a ? A[k * lda + i] : A[i * lda + k];                               \
            a *= alpha;                                                                    \
            if (trans_b) {                                                                 \
                for (int64_t j = 0; j < N; j++) c[j] += a * B[j * ldb + k];                \
            } else {                                                                       \
                const T *b = B + k * ldb;                                                  \
                for (int64_t j = 0; j < N; j++) c[j] += a * b[j];                          \
            }                                                                              \
        }                                                                                  \
    }

void
pl_sgemm_ref(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
             const float *A, int64_t lda, const float *B, int64_t ldb, float beta, float *C,
             int64_t ldc)
{
    GEMM_REF_BODY(float)
}

void
pl_dgemm_ref(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, double alpha,
             const double *A, int64_t lda, const double *B, int64_t ldb, double beta,
             double *C, int64_t ldc)
{
    GEMM_REF_BODY(double)
}

/* ------------------------------------------------------------------------------------ */
/* Portable kernel sets (plain C; the compiler may vectorise the fixed-size loops)       */

#define PL_GENERIC_TILE(NAME, T, MR, NR)                                                   \
    static void NAME(int64_t kc, const void *pa, const void *pb, void *pc, int64_t ldc,    \
                     int m, int n, double alpha_d, double beta_d)                          \
    {                                                                                      \
        const T *a = (const T *)pa; /* (kc, MR) packed */                                  \
        const T *b = (const T *)pb; /* (kc, NR) packed */                                  \
        T *c = (T *)pc;             /* (m, n), row stride ldc */                           \
        T acc[MR][NR];                                                                     \
        const T alpha = (T)alpha_d, beta = (T)beta_d;                                      \
        memset(acc, 0, sizeof acc);                                                        \
        for (int64_t k = 0; k < kc; k++, a += MR, b += NR)                                 \
            for (int i = 0; i < MR; i++)                                                   \
                for (int j = 0; j < NR; j++) acc[i][j] += a[i] * b[j];                     \
        for (int i = 0; i < m; i++) {                                                      \
            T *cr = c + i * ldc;                                                           \
            if (beta == 0) {                                                               \
                for (int j = 0; j < n; j++) cr[j] = alpha * acc[i][j];                     \
            } else {                                                                       \
                for (int j = 0; j < n; j++) cr[j] = alpha * acc[i][j] + beta * cr[j];      \
            }                                                                              \
        }                                                                                  \
    }

PL_GENERIC_TILE(pl_stile_generic, float, 4, 16)
PL_GENERIC_TILE(pl_dtile_generic, double, 4, 8)

static const pl_gemm_kernels pl_sgemm_generic = {"generic", 4, 16, 256, 128, 2048,
                                                 pl_stile_generic, NULL, 32 * 32 * 32};
static const pl_gemm_kernels pl_dgemm_generic = {"generic", 4, 8, 256, 128, 2048,
                                                 pl_dtile_generic, NULL, 32 * 32 * 32};

/* ------------------------------------------------------------------------------------ */
/* Packing                                                                               */

/* Packs rows [0, rows) x depth [0, kc) of a strided operand X, element (r, k) at
 * src[r * rs + k * cs], into slivers of R rows: sliver s holds, for k = 0 .. kc-1, the R
 * values X(s * R + 0 .. R-1, k), zero padded past `rows`. dst: (ceil(rows / R), kc, R). */
#define PL_PACK_GENERIC_SLIVER(T)                                                          \
    for (int64_t k = 0; k < kc; k++) {                                                     \
        for (int r = 0; r < rn; r++) dst[k * R + r] = s[r * rs + k * cs];                  \
        for (int r = rn; r < R; r++) dst[k * R + r] = 0;                                   \
    }

static void
pl_pack_f32(const float *src, int64_t rs, int64_t cs, int64_t rows, int64_t kc, int R,
            float *dst)
{
    for (int64_t r0 = 0; r0 < rows; r0 += R, dst += R * kc) {
        const float *s = src + r0 * rs;
        int rn = rows - r0 < R ? (int)(rows - r0) : R;
#if defined(__SSE2__)
        if (rn == R && R % 4 == 0 && rs == 1) {
            /* contiguous along r: copy R values per k */
            for (int64_t k = 0; k < kc; k++)
                for (int r = 0; r < R; r += 4)
                    _mm_storeu_ps(dst + k * R + r, _mm_loadu_ps(s + k * cs + r));
            continue;
        }
        if (rn == R && cs == 1) {
            /* contiguous along k: 4 x 4 transposes, leftover rows and depth one by one */
            const int R4 = R & ~3;
            int64_t k = 0;
            for (; k + 4 <= kc; k += 4) {
                for (int r = 0; r < R4; r += 4) {
                    __m128 x0 = _mm_loadu_ps(s + (r + 0) * rs + k);
                    __m128 x1 = _mm_loadu_ps(s + (r + 1) * rs + k);
                    __m128 x2 = _mm_loadu_ps(s + (r + 2) * rs + k);
                    __m128 x3 = _mm_loadu_ps(s + (r + 3) * rs + k);
                    _MM_TRANSPOSE4_PS(x0, x1, x2, x3);
                    _mm_storeu_ps(dst + (k + 0) * R + r, x0);
                    _mm_storeu_ps(dst + (k + 1) * R + r, x1);
                    _mm_storeu_ps(dst + (k + 2) * R + r, x2);
                    _mm_storeu_ps(dst + (k + 3) * R + r, x3);
                }
                for (int r = R4; r < R; r++)
                    for (int q = 0; q < 4; q++) dst[(k + q) * R + r] = s[r * rs + k + q];
            }
            for (; k < kc; k++)
                for (int r = 0; r < R; r++) dst[k * R + r] = s[r * rs + k];
            continue;
        }
#endif
        PL_PACK_GENERIC_SLIVER(float)
    }
}

static void
pl_pack_f64(const double *src, int64_t rs, int64_t cs, int64_t rows, int64_t kc, int R,
            double *dst)
{
    for (int64_t r0 = 0; r0 < rows; r0 += R, dst += R * kc) {
        const double *s = src + r0 * rs;
        int rn = rows - r0 < R ? (int)(rows - r0) : R;
        if (rn == R && rs == 1) {
            for (int64_t k = 0; k < kc; k++) memcpy(dst + k * R, s + k * cs, R * sizeof *s);
            continue;
        }
        PL_PACK_GENERIC_SLIVER(double)
    }
}

/* ------------------------------------------------------------------------------------ */
/* Per-thread scratch buffers (packed panels), kept between calls                        */

enum { PL_SCRATCH_A, PL_SCRATCH_B, PL_SCRATCH_T, PL_SCRATCH_SLOTS };

typedef struct pl_scratch {
    void *ptr[PL_SCRATCH_SLOTS];
    size_t cap[PL_SCRATCH_SLOTS];
} pl_scratch;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static int scratch_key_ok;
static _Thread_local pl_scratch *scratch_mine;

static void
pl_scratch_destroy(void *p)
{
    pl_scratch *s = p;
    for (int i = 0; i < PL_SCRATCH_SLOTS; i++) free(s->ptr[i]);
    free(s);
}

static void
pl_scratch_key_init(void)
{
    scratch_key_ok = pthread_key_create(&scratch_key, pl_scratch_destroy) == 0;
}

/* A 64-byte aligned buffer of at least `bytes` owned by this thread (borrowed; valid until
 * the next request for the same slot), or NULL if memory is short. */
static void *
pl_scratch_get(int slot, size_t bytes)
{
    pl_scratch *s = scratch_mine;
    if (!s) {
        pthread_once(&scratch_once, pl_scratch_key_init);
        if (!scratch_key_ok) return NULL;
        s = calloc(1, sizeof *s);
        if (!s) return NULL;
        if (pthread_setspecific(scratch_key, s) != 0) {
            free(s);
            return NULL;
        }
        scratch_mine = s;
    }
    if (s->cap[slot] < bytes) {
        free(s->ptr[slot]);
        size_t cap = (bytes + 4095) & ~(size_t)4095;
        s->ptr[slot] = aligned_alloc(64, cap);
        s->cap[slot] = s->ptr[slot] ? cap : 0;
    }
    return s->ptr[slot];
}

/* ------------------------------------------------------------------------------------ */
/* Kernel choice                                                                         */

enum { PL_PATH_REF, PL_PATH_GENERIC, PL_PATH_AVX2, PL_PATH_AVX512, PL_PATH_COUNT };
static const char *const path_names[PL_PATH_COUNT] = {"ref", "generic", "avx2", "avx512"};
static atomic_int gemm_path = -1;
static pthread_once_t path_once = PTHREAD_ONCE_INIT;

static bool
pl_path_ok(int path)
{
    switch (path) {
    case PL_PATH_REF:
    case PL_PATH_GENERIC:
        return true;
#ifdef PL_GEMM_X86
    case PL_PATH_AVX2:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case PL_PATH_AVX512:
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx512f");
#endif
    default:
        return false;
    }
}

static int
pl_path_lookup(const char *name)
{
    for (int p = 0; name && p < PL_PATH_COUNT; p++)
        if (strcmp(name, path_names[p]) == 0) return p;
    return -1;
}

static void
pl_path_init(void)
{
    int best = PL_PATH_GENERIC;
    for (int p = PL_PATH_AVX2; p < PL_PATH_COUNT; p++)
        if (pl_path_ok(p)) best = p;
    int forced = pl_path_lookup(getenv("PYTORCHLITE_GEMM"));
    if (forced >= 0 && pl_path_ok(forced)) best = forced;
    int expected = -1;
    atomic_compare_exchange_strong(&gemm_path, &expected, best);
}

static int
pl_path_current(void)
{
    int p = atomic_load_explicit(&gemm_path, memory_order_relaxed);
    if (p < 0) {
        pthread_once(&path_once, pl_path_init);
        p = atomic_load(&gemm_path);
    }
    return p;
}

const char *
pl_gemm_get_path(void)
{
    return path_names[pl_path_current()];
}

bool
pl_gemm_path_supported(const char *name)
{
    int p = pl_path_lookup(name);
    return p >= 0 && pl_path_ok(p);
}

bool
pl_gemm_set_path(const char *name)
{
    int p = pl_path_lookup(name);
    if (p < 0 || !pl_path_ok(p)) return false;
    pthread_once(&path_once, pl_path_init);
    atomic_store(&gemm_path, p);
    return true;
}

static const pl_gemm_kernels *
pl_kernels_for(int path, bool dbl)
{
    switch (path) {
#ifdef PL_GEMM_X86
    case PL_PATH_AVX2:
        return dbl ? &pl_dgemm_avx2 : &pl_sgemm_avx2;
    case PL_PATH_AVX512:
        return dbl ? &pl_dgemm_avx512 : &pl_sgemm_avx512;
#endif
    case PL_PATH_GENERIC:
        return dbl ? &pl_dgemm_generic : &pl_sgemm_generic;
    default:
        return NULL;
    }
}

const pl_gemm_kernels *
pl_gemm_kernels_current(bool dbl)
{
    return pl_kernels_for(pl_path_current(), dbl);
}

void
pl_gemm_pack(bool dbl, const void *src, int64_t rs, int64_t cs, int64_t rows, int64_t kc, int R,
             void *dst)
{
    if (dbl) pl_pack_f64(src, rs, cs, rows, kc, R, dst);
    else pl_pack_f32(src, rs, cs, rows, kc, R, dst);
}

/* ------------------------------------------------------------------------------------ */
/* The blocked driver (type-agnostic: elements are `es` bytes)                           */

typedef struct pl_gemm_call {
    const pl_gemm_kernels *ks;
    bool dbl;
    bool trans_a, trans_b;
    int64_t M, N, K;
    double alpha, beta;
    const char *A, *B; /* (M, K) or (K, M); (K, N) or (N, K) */
    char *C;           /* (M, N) */
    int64_t lda, ldb, ldc;
    bool split_m; /* threads take row ranges (else column ranges) */
} pl_gemm_call;

static void
pl_gemm_ref_rect(const pl_gemm_call *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    int64_t ao = g->trans_a ? m0 : m0 * g->lda;
    int64_t bo = g->trans_b ? n0 * g->ldb : n0;
    int64_t co = m0 * g->ldc + n0;
    if (g->dbl) {
        pl_dgemm_ref(g->trans_a, g->trans_b, m1 - m0, n1 - n0, g->K, g->alpha,
                     (const double *)g->A + ao, g->lda, (const double *)g->B + bo, g->ldb,
                     g->beta, (double *)g->C + co, g->ldc);
    } else {
        pl_sgemm_ref(g->trans_a, g->trans_b, m1 - m0, n1 - n0, g->K, (float)g->alpha,
                     (const float *)g->A + ao, g->lda, (const float *)g->B + bo, g->ldb,
                     (float)g->beta, (float *)g->C + co, g->ldc);
    }
}

static void
pl_pack(const pl_gemm_call *g, const char *src, int64_t rs, int64_t cs, int64_t rows,
        int64_t kc, int R, void *dst)
{
    if (g->dbl) pl_pack_f64((const double *)src, rs, cs, rows, kc, R, dst);
    else pl_pack_f32((const float *)src, rs, cs, rows, kc, R, dst);
}

/* C[m0:m1, n0:n1] by the packed loops. */
static void
pl_gemm_blocked(const pl_gemm_call *g, int64_t m0, int64_t m1, int64_t n0, int64_t n1)
{
    const pl_gemm_kernels *ks = g->ks;
    const size_t es = g->dbl ? sizeof(double) : sizeof(float);
    const int mr = ks->mr, nr = ks->nr;
    /* op(A)(i, k) = A[i * a_rs + k * a_cs]; op(B)(k, j) = B[j * b_rs + k * b_cs] */
    const int64_t a_rs = g->trans_a ? 1 : g->lda, a_cs = g->trans_a ? g->lda : 1;
    const int64_t b_rs = g->trans_b ? g->ldb : 1, b_cs = g->trans_b ? 1 : g->ldb;
    const int64_t kc_max = g->K < ks->kc ? g->K : ks->kc;
    const int64_t mc_max = m1 - m0 < ks->mc ? m1 - m0 : ks->mc;
    const int64_t nc_max = n1 - n0 < ks->nc ? n1 - n0 : ks->nc;
    char *Ap = pl_scratch_get(PL_SCRATCH_A, (size_t)((mc_max + mr - 1) / mr * mr * kc_max) * es);
    char *Bp = pl_scratch_get(PL_SCRATCH_B, (size_t)((nc_max + nr - 1) / nr * nr * kc_max) * es);
    if (!Ap || !Bp) {
        pl_gemm_ref_rect(g, m0, m1, n0, n1);
        return;
    }
    for (int64_t jc = n0; jc < n1; jc += ks->nc) {
        int64_t nc = n1 - jc < ks->nc ? n1 - jc : ks->nc;
        for (int64_t pc = 0; pc < g->K; pc += ks->kc) {
            int64_t kc = g->K - pc < ks->kc ? g->K - pc : ks->kc;
            double beta = pc == 0 ? g->beta : 1.0;
            pl_pack(g, g->B + (jc * b_rs + pc * b_cs) * es, b_rs, b_cs, nc, kc, nr, Bp);
            for (int64_t ic = m0; ic < m1; ic += ks->mc) {
                int64_t mc = m1 - ic < ks->mc ? m1 - ic : ks->mc;
                pl_pack(g, g->A + (ic * a_rs + pc * a_cs) * es, a_rs, a_cs, mc, kc, mr, Ap);
                for (int64_t jr = 0; jr < nc; jr += nr) {
                    int n = nc - jr < nr ? (int)(nc - jr) : nr;
                    const char *bs = Bp + jr * kc * es;
                    char *cc = g->C + (ic * g->ldc + jc + jr) * es;
                    for (int64_t ir = 0; ir < mc; ir += mr) {
                        int m = mc - ir < mr ? (int)(mc - ir) : mr;
                        ks->tile(kc, Ap + ir * kc * es, bs, cc + ir * g->ldc * es, g->ldc, m, n,
                                 g->alpha, beta);
                    }
                }
            }
        }
    }
}

/* pl_parallel_for chunk: a range of micro-tile rows or columns. */
static void
pl_gemm_chunk(void *ctx, int64_t begin, int64_t end)
{
    const pl_gemm_call *g = ctx;
    if (g->split_m) {
        int64_t m1 = end * g->ks->mr < g->M ? end * g->ks->mr : g->M;
        pl_gemm_blocked(g, begin * g->ks->mr, m1, 0, g->N);
    } else {
        int64_t n1 = end * g->ks->nr < g->N ? end * g->ks->nr : g->N;
        pl_gemm_blocked(g, 0, g->M, begin * g->ks->nr, n1);
    }
}

/* pl_parallel_for chunk of the no-pack path: a range of nr-wide column blocks. A transposed
 * B is first copied, by the thread that uses it, to (K, n1 - n0) in its own scratch. */
static void
pl_gemm_direct_chunk(void *ctx, int64_t begin, int64_t end)
{
    const pl_gemm_call *g = ctx;
    const size_t es = g->dbl ? sizeof(double) : sizeof(float);
    int64_t n0 = begin * g->ks->nr;
    int64_t n1 = end * g->ks->nr < g->N ? end * g->ks->nr : g->N;
    const char *B = g->B + n0 * es;
    int64_t ldb = g->ldb;
    if (g->trans_b) {
        char *Bt = pl_scratch_get(PL_SCRATCH_T, (size_t)(g->K * (n1 - n0)) * es);
        if (!Bt) {
            pl_gemm_ref_rect(g, 0, g->M, n0, n1);
            return;
        }
        /* B rows n0 .. n1-1, (n1 - n0, K) -> Bt (K, n1 - n0): a single sliver */
        pl_pack(g, g->B + n0 * g->ldb * es, g->ldb, 1, n1 - n0, g->K, (int)(n1 - n0), Bt);
        B = Bt;
        ldb = n1 - n0;
    }
    g->ks->small(g->trans_a, g->M, n1 - n0, g->K, g->alpha, g->A, g->lda, B, ldb, g->beta,
                 g->C + n0 * es, g->ldc);
}

/* The no-pack path, split over column blocks when large enough. */
static void
pl_gemm_direct(pl_gemm_call *g, int threads)
{
    int64_t blocks = (g->N + g->ks->nr - 1) / g->ks->nr;
    if (threads <= 1 || blocks < 2) {
        pl_gemm_direct_chunk(g, 0, blocks);
        return;
    }
    int64_t chunks = g->M * g->N * g->K / PL_GEMM_CHUNK_MIN;
    if (chunks < 1) chunks = 1;
    pl_parallel_for(blocks, pl_gemm_direct_chunk, g, (blocks + chunks - 1) / chunks);
}

/* pl_parallel_for chunk of the dot-product path: a range of 4-column blocks of C. */
static void
pl_gemm_dot_chunk(void *ctx, int64_t begin, int64_t end)
{
    const pl_gemm_call *g = ctx;
    const size_t es = g->dbl ? sizeof(double) : sizeof(float);
    const bool simd = g->ks->small != NULL; /* the SIMD kernel sets; "generic" has none */
    int64_t n0 = begin * 4, n1 = end * 4 < g->N ? end * 4 : g->N;
    const char *B = g->B + n0 * g->ldb * es;
    char *C = g->C + n0 * es;
    if (g->dbl) {
        pl_gemm_dot_f64(simd, g->M, n1 - n0, g->K, g->alpha, (const double *)g->A, g->lda,
                        (const double *)B, g->ldb, g->beta, (double *)C, g->ldc);
    } else {
        pl_gemm_dot_f32(simd, g->M, n1 - n0, g->K, (float)g->alpha, (const float *)g->A,
                        g->lda, (const float *)B, g->ldb, (float)g->beta, (float *)C, g->ldc);
    }
}

static void
pl_gemm_run(pl_gemm_call *g)
{
    const pl_gemm_kernels *ks = g->ks;
    const size_t es = g->dbl ? sizeof(double) : sizeof(float);
    const int64_t work = g->M * g->N * g->K;
    int threads = work >= PL_GEMM_PARALLEL_MIN ? pl_parallel_get_num_threads() : 1;
    if (g->trans_b && !g->trans_a && g->M <= PL_GEMM_DOT_MAX_M) {
        /* a few rows against B^T (a small-batch linear layer): dot products of rows */
        int64_t blocks = (g->N + 3) / 4;
        if (threads <= 1 || blocks < 2) {
            pl_gemm_dot_chunk(g, 0, blocks);
        } else {
            int64_t chunks = work / PL_GEMM_CHUNK_MIN;
            if (chunks < 1) chunks = 1;
            pl_parallel_for(blocks, pl_gemm_dot_chunk, g, (blocks + chunks - 1) / chunks);
        }
        return;
    }
    if (!ks->small) {
        if (work <= ks->small_max) {
            pl_gemm_ref_rect(g, 0, g->M, 0, g->N);
            return;
        }
    } else if (work <= ks->small_max ||
               (g->M <= PL_GEMM_DIRECT_M && (size_t)(g->K * g->N) * es <= PL_GEMM_DIRECT_B) ||
               (g->M <= PL_GEMM_DIRECT_M_ANY && !g->trans_b)) {
        pl_gemm_direct(g, threads);
        return;
    }
    const int64_t tm = (g->M + ks->mr - 1) / ks->mr;
    const int64_t tn = (g->N + ks->nr - 1) / ks->nr;
    if (threads <= 1 || (tm < 2 && tn < 2)) {
        pl_gemm_blocked(g, 0, g->M, 0, g->N);
        return;
    }
    g->split_m = tn < 2 || (tm >= 2 && g->M >= g->N);
    int64_t tiles = g->split_m ? tm : tn;
    int64_t chunks = work / PL_GEMM_CHUNK_MIN;
    if (chunks < 1) chunks = 1;
    pl_parallel_for(tiles, pl_gemm_chunk, g, (tiles + chunks - 1) / chunks);
}

/* C = beta * C, for alpha == 0 or K == 0. */
#define PL_GEMM_SCALE(T)                                                                   \
    for (int64_t i = 0; i < M; i++) {                                                      \
        T *c = C + i * ldc;                                                                \
        for (int64_t j = 0; j < N; j++) c[j] = beta == 0 ? 0 : beta * c[j];                \
    }

void
pl_sgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, float alpha,
         const float *A, int64_t lda, const float *B, int64_t ldb, float beta, float *C,
         int64_t ldc)
{
    if (M <= 0 || N <= 0) return;
    if (K <= 0 || alpha == 0) {
        PL_GEMM_SCALE(float)
        return;
    }
    const pl_gemm_kernels *ks = pl_kernels_for(pl_path_current(), false);
    if (!ks) {
        pl_sgemm_ref(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    pl_gemm_call g = {ks, false, trans_a, trans_b, M, N, K, alpha, beta,
                      (const char *)A, (const char *)B, (char *)C, lda, ldb, ldc, false};
    pl_gemm_run(&g);
}

void
pl_dgemm(bool trans_a, bool trans_b, int64_t M, int64_t N, int64_t K, double alpha,
         const double *A, int64_t lda, const double *B, int64_t ldb, double beta, double *C,
         int64_t ldc)
{
    if (M <= 0 || N <= 0) return;
    if (K <= 0 || alpha == 0) {
        PL_GEMM_SCALE(double)
        return;
    }
    const pl_gemm_kernels *ks = pl_kernels_for(pl_path_current(), true);
    if (!ks) {
        pl_dgemm_ref(trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    pl_gemm_call g = {ks, true, trans_a, trans_b, M, N, K, alpha, beta,
                      (const char *)A, (const char *)B, (char *)C, lda, ldb, ldc, false};
    pl_gemm_run(&g);
}
