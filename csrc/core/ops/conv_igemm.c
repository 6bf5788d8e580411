/* conv_igemm.c — the convolution forward as an implicit GEMM on the GEMM micro-kernels.
 *
 * For image n and channel group gi, y_g (Og, L) = w_g (Og, K) * col (K, L) with K = Cg * kh *
 * kw and L = OH * OW, col being the im2col matrix of the image's group. Here col is never
 * built: each thread packs the part of it one micro-kernel call needs, a column block of nb
 * output pixels by a kc-deep slice of taps, straight from the input into the kernel's nr-wide
 * slivers (zero for padding). The weights go into mr-tall slivers: packed once per call and
 * shared by all threads when several work items use each weight block, else packed by the
 * item itself, 96 rows at a time, while they are in its core's cache. Work items are (image,
 * group, column block, row block); a row block is the whole of Og unless there are too few
 * items to keep the threads busy, and then the input is packed once, shared by the row blocks.
 * The input gradient of a stride-1 convolution is the same forward on flipped weights.
 *
 * conv.c keeps the im2col + GEMM forward and the direct-loop reference that this is tested
 * against; the "ref" GEMM path (no micro-kernel) goes there.
 */
#include <stdlib.h>
#include <string.h>

#include "../gemm_kernels.h"
#include "../parallel.h"
#include "../conv.h"
#include "conv_internal.h"

/* Columns per block: the packed B block (kc x nb) stays in the L2 cache. */
#define IGEMM_COLS 256
/* Rows of a weight block packed by the work item that uses it (a multiple of every mr). */
#define IGEMM_ROWS 96
/* Items sharing each weight block, from which the weights are packed once for all. */
#define IGEMM_SHARED_A 4
/* The input gradient goes through the implicit GEMM from this many input channels and
 * pixels per image. */
#define IGEMM_GRAD_MIN_C 64
#define IGEMM_GRAD_MIN_HW 144
/* Work per chunk of the thread pool, in multiply-adds. */
#define IGEMM_CHUNK_MIN ((int64_t)1 << 19)

/* Tests: every image a product of its own (pl_conv_igemm_force_no_fold). */
static bool no_fold = false;

void
pl_conv_igemm_force_no_fold(bool on)
{
    __atomic_store_n(&no_fold, on, __ATOMIC_RELAXED);
}

typedef struct igemm_job {
    const conv_geom *g;
    const pl_gemm_kernels *ks;
    size_t es;                      /* element size */
    const char *x, *w, *b;          /* x (N, C, H, W), w (O, Cg, kh, kw), b (O) or NULL */
    char *y;                        /* y (N, O, OH, OW) */
    const char *ap;                 /* packed weights (see pack_a_chunk), or NULL: each item
                                     * packs the rows it uses */
    char *bshared;                  /* NULL, or the whole packed input: (image, group, column
                                     * block) at blk * K * nb, its kc slice at depth pc at
                                     * + pc * nb, as pack_b writes it */
    int64_t Cg, Og, K, L, Mp;       /* Mp: Og rounded up to mr */
    int64_t nb, jblocks;            /* columns of the widest block (a multiple of nr), blocks per
                                     * image: block jb holds slivers [jb * ns / jblocks, ...) */
    int64_t mrows, mblocks;         /* rows of the tallest row block (a multiple of mr), blocks:
                                     * block mb holds slivers [mb * ms / mblocks, ...) */
    int64_t ns, ms;                 /* nr-wide column slivers per image, mr-tall row slivers */
    int failed;                     /* a chunk could not allocate its buffer */
    /* Small images folded into the columns: the product's columns are (image, pixel), L =
     * N * Li of them, as one image (NI = 1) whose output goes to a scratch (O, L) that is then
     * spread into y; else NI = N, L = Li. img: elements per input image (C * H * W). */
    bool fold;
    int64_t NI, Li, img;
    /* Stride 2 (dilation 1, 3x3 kernels and up): x split into its four phase planes,
     * xph (N, C, 4, Hh, Wh), phase py * 2 + px holding x[2r + py, 2q + px]; else NULL. */
    const char *xph;
    int64_t Hh, Wh;
} igemm_job;

/* ---- packing ---- */

/* The packed weights: group gi at ap + gi * Mp * K, in it each kc slice at depth pc (kcp deep)
 * at offset Mp * pc, holding slivers s of mr rows, each (kcp, mr), rows past Og zero. */
typedef struct pack_a_job {
    const igemm_job *j;
    const char *w; /* (O, Cg, kh, kw) */
    char *ap;      /* G x (Mp, K) packed */
} pack_a_job;

/* slivers q (over G * Mp / mr) of the packed weights, all their kc slices */
static void
pack_a_chunk(void *ctx, int64_t begin, int64_t end)
{
    const pack_a_job *pj = ctx;
    const igemm_job *j = pj->j;
    const int mr = j->ks->mr;
    const int64_t K = j->K, kc = j->ks->kc, Og = j->Og, slivers = j->Mp / mr;
    for (int64_t q = begin; q < end; q++) {
        int64_t gi = q / slivers, s = q % slivers;
        int64_t rows = Og - s * mr < mr ? Og - s * mr : mr;
        const char *w = pj->w + (gi * Og + s * mr) * K * j->es; /* (rows, K) */
        char *ag = pj->ap + gi * j->Mp * K * j->es;             /* (Mp, K) packed */
        for (int64_t pc = 0; pc < K; pc += kc) {
            int64_t kcp = K - pc < kc ? K - pc : kc;
            pl_gemm_pack(j->es == sizeof(double), w + pc * j->es, K, 1, rows, kcp, mr,
                         ag + (j->Mp * pc + s * kcp * mr) * j->es);
        }
    }
}

#if defined(__GNUC__) && !defined(__clang__)
#define NO_MEMCPY __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define NO_MEMCPY
#endif

/* Column block jb: columns [*l0, *l0 + *ncols); blocks differ by at most one sliver, so that
 * the threads' shares are even. */
static inline void
col_block(const igemm_job *j, int64_t jb, int64_t *l0, int64_t *ncols)
{
    const int nr = j->ks->nr;
    int64_t a = jb * j->ns / j->jblocks * nr, b = (jb + 1) * j->ns / j->jblocks * nr;
    *l0 = a;
    *ncols = (b < j->L ? b : j->L) - a;
}

/* Row block mb: rows [*m0, *m1) of the group's Og, likewise even. */
static inline void
row_block(const igemm_job *j, int64_t mb, int64_t *m0, int64_t *m1)
{
    const int mr = j->ks->mr;
    int64_t a = mb * j->ms / j->mblocks * mr, b = (mb + 1) * j->ms / j->mblocks * mr;
    *m0 = a;
    *m1 = b < j->Og ? b : j->Og;
}

#define DEFINE_IGEMM(T, SUF)                                                                 \
    /* d[0, n) = s[0, n): the runs are a sliver wide at most, too short for a memcpy call    \
     * (NO_MEMCPY keeps the compiler from turning the loop back into one) */                 \
    NO_MEMCPY static inline void copy_run_##SUF(T *restrict d, const T *restrict s,          \
                                                int64_t n)                                   \
    {                                                                                        \
        int64_t u = 0;                                                                       \
        for (; u + 4 <= n; u += 4) memcpy(d + u, s + u, 4 * sizeof(T));                      \
        for (; u < n; u++) d[u] = s[u];                                                      \
    }                                                                                        \
    /* Columns [l0, l0 + ncols) x taps [pc, pc + kcp) of the group's im2col matrix, from     \
     * x (Cg, H, W), into slivers of nr columns: dst (ceil(ncols / nr), kcp, nr), columns    \
     * past ncols zero. A sliver is copied as runs of columns within one output row. */      \
    /* One run of a sliver (columns [t, t + len) from output pixel l of image plane x, all kcp \
     * taps from pc) of a stride-2 convolution, read from the input's phase planes: tap row   \
     * yy, column xb + 2u is phase (yy % 2, xb % 2)'s row yy / 2, column xb / 2 + u (floors), \
     * so every run is a contiguous copy. */                                                 \
    NO_MEMCPY static void pack_run_phases_##SUF(const igemm_job *j, const T *x, int64_t l,   \
                                                int64_t t, int64_t len, int64_t pc,          \
                                                int64_t kcp, T *dst)                         \
    {                                                                                        \
        const conv_geom *g = j->g;                                                           \
        const int nr = j->ks->nr;                                                            \
        const int64_t khw = g->kh * g->kw, H = g->H, W = g->W, Hh = j->Hh, Wh = j->Wh;       \
        const int64_t plane0 = (x - (const T *)j->x) / (H * W); /* (image, channel) index */ \
        const T *xp = (const T *)j->xph + plane0 * 4 * Hh * Wh; /* (Cg, 4, Hh, Wh) */       \
        int64_t oy = l / g->OW, ox = l % g->OW;                                              \
        int64_t iy0 = oy * 2 - g->ph, ix0 = ox * 2 - g->pw;                                  \
        int64_t c = pc / khw, i = (pc % khw) / g->kw, jj = pc % g->kw;                       \
        for (int64_t k = 0; k < kcp; k++) {                                                  \
            T *d = dst + k * nr + t; /* (len) */                                             \
            int64_t yy = iy0 + i, xb = ix0 + jj, lo = 0, hi = 0;                             \
            if (yy >= 0 && yy < H && xb <= W - 1) {                                          \
                lo = xb >= 0 ? 0 : (-xb + 1) / 2;                                            \
                hi = (W - 1 - xb) / 2 + 1;                                                   \
                if (hi > len) hi = len;                                                      \
                if (lo > hi) lo = hi;                                                        \
            }                                                                                \
            for (int64_t u = 0; u < lo; u++) d[u] = 0;                                       \
            if (hi > lo) {                                                                   \
                int64_t ph = (yy & 1) * 2 + (xb & 1), col = (xb - (xb & 1)) / 2 + lo;        \
                copy_run_##SUF(d + lo, xp + ((c * 4 + ph) * Hh + yy / 2) * Wh + col, hi - lo); \
            }                                                                                \
            for (int64_t u = hi; u < len; u++) d[u] = 0;                                     \
            if (++jj == g->kw) {                                                             \
                jj = 0;                                                                      \
                if (++i == g->kh) i = 0, c++;                                                \
            }                                                                                \
        }                                                                                    \
    }                                                                                        \
    NO_MEMCPY static void pack_b_##SUF(const igemm_job *j, const T *xs, int64_t l0,          \
                                       int64_t ncols, int64_t pc, int64_t kcp, T *dst)       \
    {                                                                                        \
        const T *x = xs;                                                                     \
        const conv_geom *g = j->g;                                                           \
        const int nr = j->ks->nr;                                                            \
        const int64_t khw = g->kh * g->kw, H = g->H, W = g->W, OW = g->OW, sw = g->sw;       \
        const bool plain = g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 &&           \
                           g->ph == 0 && g->pw == 0 && !j->fold; /* col is x, (Cg, L) */     \
        for (int64_t s0 = 0; s0 < ncols; s0 += nr, dst += kcp * nr) {                        \
            int64_t nv = ncols - s0 < nr ? ncols - s0 : nr;                                  \
            if (nv < nr)                                                                     \
                for (int64_t k = 0; k < kcp; k++)                                            \
                    memset(dst + k * nr + nv, 0, sizeof(T) * (size_t)(nr - nv));             \
            if (plain) {                                                                     \
                for (int64_t k = 0; k < kcp; k++)                                            \
                    copy_run_##SUF(dst + k * nr, x + (pc + k) * j->L + l0 + s0, nv);         \
                continue;                                                                    \
            }                                                                                \
            for (int64_t t = 0; t < nv;) {                                                   \
                int64_t l = l0 + s0 + t;                                                     \
                const T *x = xs; /* the run's image: runs stay within one output row */      \
                if (j->fold) x += (l / j->Li) * j->img, l %= j->Li;                          \
                int64_t oy = l / OW, ox = l % OW;                                            \
                int64_t len = OW - ox < nv - t ? OW - ox : nv - t;                           \
                if (j->xph) {                                                                \
                    pack_run_phases_##SUF(j, x, l, t, len, pc, kcp, dst);                    \
                    t += len;                                                                \
                    continue;                                                                \
                }                                                                            \
                int64_t iy0 = oy * g->sh - g->ph, ix0 = ox * sw - g->pw;                     \
                int64_t c = pc / khw, i = (pc % khw) / g->kw, jj = pc % g->kw;               \
                for (int64_t k = 0; k < kcp; k++) {                                          \
                    T *d = dst + k * nr + t; /* (len) */                                     \
                    int64_t yy = iy0 + i * g->dh, xb = ix0 + jj * g->dw;                     \
                    if (sw == 1 && yy >= 0 && yy < H && xb >= 0 && xb + len <= W) {          \
                        /* the common case: the whole run inside the input */                \
                        copy_run_##SUF(d, x + (c * H + yy) * W + xb, len);                   \
                        if (++jj == g->kw) {                                                 \
                            jj = 0;                                                          \
                            if (++i == g->kh) i = 0, c++;                                    \
                        }                                                                    \
                        continue;                                                            \
                    }                                                                        \
                    int64_t lo = 0, hi = 0; /* columns u in [lo, hi) read the input */       \
                    if (yy >= 0 && yy < H && xb <= W - 1) {                                  \
                        if (sw == 1) {                                                       \
                            lo = xb >= 0 ? 0 : -xb;                                          \
                            hi = W - xb;                                                     \
                        } else {                                                             \
                            lo = xb >= 0 ? 0 : (-xb + sw - 1) / sw;                          \
                            hi = (W - 1 - xb) / sw + 1;                                      \
                        }                                                                    \
                        if (hi > len) hi = len;                                              \
                        if (lo > hi) lo = hi;                                                \
                    }                                                                        \
                    for (int64_t u = 0; u < lo; u++) d[u] = 0;                               \
                    if (hi > lo) {                                                           \
                        const T *xr = x + (c * H + yy) * W; /* (W) */                        \
                        if (sw == 1)                                                         \
                            copy_run_##SUF(d + lo, xr + xb + lo, hi - lo);                   \
                        else                                                                 \
                            for (int64_t u = lo; u < hi; u++) d[u] = xr[xb + u * sw];        \
                    }                                                                        \
                    for (int64_t u = hi; u < len; u++) d[u] = 0;                             \
                    if (++jj == g->kw) {                                                     \
                        jj = 0;                                                              \
                        if (++i == g->kh) i = 0, c++;                                        \
                    }                                                                        \
                }                                                                            \
                t += len;                                                                    \
            }                                                                                \
        }                                                                                    \
    }                                                                                        \
    /* one work item: image n, group gi, column block jb, row block mb */                    \
    static void item_##SUF(const igemm_job *j, int64_t n, int64_t gi, int64_t jb,            \
                           int64_t mb, T *bp /* packed B block */, T *abuf /* A block */)    \
    {                                                                                        \
        const conv_geom *g = j->g;                                                           \
        const int mr = j->ks->mr, nr = j->ks->nr;                                            \
        const int64_t L = j->L, K = j->K, kc = j->ks->kc;                                    \
        int64_t l0, ncols, m0, m1;                                                           \
        col_block(j, jb, &l0, &ncols);                                                       \
        row_block(j, mb, &m0, &m1);                                                          \
        const T *x = (const T *)j->x + (n * g->C + gi * j->Cg) * g->H * g->W; /* (Cg,H,W) */ \
        const T *w = (const T *)j->w + gi * j->Og * K; /* (Og, K) */                         \
        T *y = (T *)j->y + (n * g->O + gi * j->Og) * L; /* (Og, L) */                        \
        const T *b = j->b ? (const T *)j->b + gi * j->Og : NULL;                             \
        if (b)                                                                               \
            for (int64_t o = m0; o < m1; o++)                                                \
                for (int64_t l = l0; l < l0 + ncols; l++) y[o * L + l] = b[o];               \
        for (int64_t pc = 0; pc < K; pc += kc) {                                             \
            int64_t kcp = K - pc < kc ? K - pc : kc;                                         \
            double beta = (pc == 0 && !b) ? 0.0 : 1.0;                                       \
            const T *bs = bp;                                                                \
            if (j->bshared)                                                                  \
                bs = (const T *)j->bshared + (((n * g->G + gi) * j->jblocks + jb) * K + pc) * j->nb; \
            else                                                                             \
                pack_b_##SUF(j, x, l0, ncols, pc, kcp, bp);                                  \
            for (int64_t ic = m0; ic < m1; ic += IGEMM_ROWS) {                               \
                int64_t ie = m1 - ic < IGEMM_ROWS ? m1 : ic + IGEMM_ROWS;                    \
                const T *ab; /* slivers of rows [ic, ie), each (kcp, mr) */                  \
                if (j->ap) {                                                                 \
                    ab = (const T *)j->ap + gi * j->Mp * K + j->Mp * pc + ic * kcp;          \
                } else { /* packed here, while it is in this core's cache */                 \
                    pl_gemm_pack(sizeof(T) == sizeof(double), w + ic * K + pc, K, 1, ie - ic, \
                                 kcp, mr, abuf);                                             \
                    ab = abuf;                                                               \
                }                                                                            \
                for (int64_t i0 = ic; i0 < ie; i0 += mr) {                                   \
                    int m = ie - i0 < mr ? (int)(ie - i0) : mr;                              \
                    const T *as = ab + (i0 - ic) * kcp; /* (kcp, mr) */                      \
                    for (int64_t jr = 0; jr < ncols; jr += nr) {                             \
                        int nn = ncols - jr < nr ? (int)(ncols - jr) : nr;                   \
                        j->ks->tile(kcp, as, bs + jr * kcp, y + i0 * L + l0 + jr, L, m, nn, \
                                    1.0, beta);                                              \
                    }                                                                        \
                }                                                                            \
            }                                                                                \
        }                                                                                    \
    }                                                                                        \
    static void chunk_##SUF(void *ctx, int64_t begin, int64_t end)                           \
    {                                                                                        \
        igemm_job *j = ctx;                                                                  \
        size_t bytes = sizeof(T) * (size_t)(j->nb * j->ks->kc);                              \
        size_t abytes = sizeof(T) * (size_t)(IGEMM_ROWS * j->ks->kc);                        \
        T *bp = j->bshared ? NULL : aligned_alloc(64, (bytes + 63) & ~(size_t)63);           \
        T *abuf = j->ap ? NULL : aligned_alloc(64, (abytes + 63) & ~(size_t)63);             \
        if ((!bp && !j->bshared) || (!abuf && !j->ap)) {                                     \
            __atomic_store_n(&j->failed, 1, __ATOMIC_RELAXED);                               \
            free(bp);                                                                        \
            free(abuf);                                                                      \
            return;                                                                          \
        }                                                                                    \
        for (int64_t q = begin; q < end; q++) {                                              \
            int64_t mb = q % j->mblocks, r = q / j->mblocks;                                 \
            int64_t jb = r % j->jblocks;                                                     \
            r /= j->jblocks;                                                                 \
            item_##SUF(j, r / j->g->G, r % j->g->G, jb, mb, bp, abuf);                       \
        }                                                                                    \
        free(bp);                                                                            \
        free(abuf);                                                                          \
    }                                                                                        \
    /* the shared packed input: q over (image, group, column block, kc slice) */             \
    static void pack_b_chunk_##SUF(void *ctx, int64_t begin, int64_t end)                    \
    {                                                                                        \
        const igemm_job *j = ctx;                                                            \
        const conv_geom *g = j->g;                                                           \
        const int nr = j->ks->nr;                                                            \
        const int64_t K = j->K, kc = j->ks->kc, slices = (K + kc - 1) / kc, sb = j->nb / nr; \
        for (int64_t q = begin; q < end; q++) { /* q over (block, kc slice, sliver) */       \
            int64_t sv = q % sb, r = q / sb;                                                 \
            int64_t blk = r / slices, pc = (r % slices) * kc, kcp = K - pc < kc ? K - pc : kc; \
            int64_t jb = blk % j->jblocks, ng = blk / j->jblocks;                            \
            int64_t l0, ncols;                                                               \
            col_block(j, jb, &l0, &ncols);                                                   \
            if (sv * nr >= ncols) continue; /* a narrower block */                           \
            ncols = ncols - sv * nr < nr ? ncols - sv * nr : nr;                             \
            const T *x = (const T *)j->x +                                                   \
                         ((ng / g->G) * g->C + (ng % g->G) * j->Cg) * g->H * g->W;           \
            pack_b_##SUF(j, x, l0 + sv * nr, ncols, pc, kcp,                                 \
                         (T *)j->bshared + (blk * K + pc) * j->nb + sv * kcp * nr);          \
        }                                                                                    \
    }


DEFINE_IGEMM(float, f32)
DEFINE_IGEMM(double, f64)

/* xph (N * C, 4, Hh, Wh): x (N * C, H, W) split by row and column parity (the entries past
 * an odd H or W are never read and left unset) */
static void
split_phases(const conv_geom *g, bool dbl, const void *x, char *xph, int64_t Hh, int64_t Wh)
{
    const int64_t P = g->N * g->C, H = g->H, W = g->W;
    for (int64_t pl = 0; pl < P; pl++)
        for (int64_t yy = 0; yy < H; yy++) {
            int64_t r0 = ((pl * 4 + (yy & 1) * 2) * Hh + yy / 2) * Wh; /* phase (yy % 2, 0) */
            int64_t r1 = r0 + Hh * Wh;                                   /* phase (yy % 2, 1) */
            if (dbl) {
                const double *xr = (const double *)x + (pl * H + yy) * W;
                double *d = (double *)(void *)xph;
                for (int64_t q = 0; 2 * q < W; q++) d[r0 + q] = xr[2 * q];
                for (int64_t q = 0; 2 * q + 1 < W; q++) d[r1 + q] = xr[2 * q + 1];
            } else {
                const float *xr = (const float *)x + (pl * H + yy) * W;
                float *d = (float *)(void *)xph;
                for (int64_t q = 0; 2 * q < W; q++) d[r0 + q] = xr[2 * q];
                for (int64_t q = 0; 2 * q + 1 < W; q++) d[r1 + q] = xr[2 * q + 1];
            }
        }
}

/* The least count of blocks from `want` up to `most` for which units * blocks splits evenly
 * over the threads; `want` (at most `most`) if none does. */
static int64_t
even_split(int64_t units, int64_t want, int64_t most, int threads)
{
    if (want > most) want = most;
    for (int64_t b = want; b <= most && b <= 2 * want && threads > 1; b++)
        if ((units * b) % threads == 0) return b;
    return want;
}

pl_status
pl_conv_igemm_forward(const conv_geom *g, bool dbl, const void *x, const void *w, const void *b,
                      void *y, bool *done)
{
    *done = false;
    const pl_gemm_kernels *ks = pl_gemm_kernels_current(dbl);
    int64_t Cg = g->C / g->G, Og = g->O / g->G, K = Cg * g->kh * g->kw, L = g->OH * g->OW;
    if (!ks || K <= 0) return PL_OK;
    *done = true;
    if (g->N == 0 || Og == 0 || L == 0) return PL_OK;
    const int mr = ks->mr, nr = ks->nr;
    igemm_job j = {.g = g, .ks = ks, .es = dbl ? sizeof(double) : sizeof(float), .x = x, .w = w,
                   .b = b, .y = y, .Cg = Cg, .Og = Og, .K = K, .L = L, .Mp = (Og + mr - 1) / mr * mr,
                   .mblocks = 1, .NI = g->N, .Li = L, .img = g->C * g->H * g->W};
    /* Images whose columns fill their last nr-wide sliver badly (3x3, 6x6, 7x7 outputs...)
     * are folded into one product when that saves more than one column in 8 (measured: not
     * worth it for 12x12 outputs): the same sums per output (each column is computed on its
     * own), fewer zero columns. */
    int64_t per_image = g->N * ((L + nr - 1) / nr * nr), folded = (g->N * L + nr - 1) / nr * nr;
    char *ys = NULL;
    if (g->N > 1 && L < IGEMM_COLS && per_image * 8 > folded * 9 &&
        !__atomic_load_n(&no_fold, __ATOMIC_RELAXED)) {
        ys = aligned_alloc(64, (j.es * (size_t)(g->O * g->N * L) + 63) & ~(size_t)63);
        if (!ys) return pl_error_nomem();
        j.fold = true, j.NI = 1, j.L = L = g->N * L, j.y = ys;
    }
    /* measured: for ResNet's 7x7 stem the strided copies of a stride-2 pack cost more than
     * splitting x once (8x3x96x96: 3.9 -> 2.9 ms one thread); not so for its 3x3 stride-2
     * convolutions (64 channels, 56x56: 1.1 -> 1.6 ms), whose packing reads fewer taps per
     * input element */
    char *xph = NULL;
    if (g->sh == 2 && g->sw == 2 && g->dh == 1 && g->dw == 1 && g->kh * g->kw >= 49 &&
        !__atomic_load_n(&no_fold, __ATOMIC_RELAXED)) {
        j.Hh = (g->H + 1) / 2, j.Wh = (g->W + 1) / 2;
        xph = aligned_alloc(64, (j.es * (size_t)(g->N * g->C * 4 * j.Hh * j.Wh) + 63) & ~(size_t)63);
        if (!xph) {
            free(ys);
            free(xph);
            return pl_error_nomem();
        }
        split_phases(g, dbl, x, xph, j.Hh, j.Wh);
        j.xph = xph;
    }
    /* balanced column blocks of at most about IGEMM_COLS, multiples of nr */
    int64_t nblk = (L + IGEMM_COLS - 1) / IGEMM_COLS;
    int threads = pl_parallel_get_num_threads();
    j.ns = (L + nr - 1) / nr;
    j.ms = j.Mp / mr;
    /* as many blocks more as make the items a multiple of the threads (the pool splits them
     * into equal runs): 13 blocks of 56 x 56 pixels on two threads left one idle 1/7 of the
     * time */
    nblk = even_split(j.NI * g->G, nblk, j.ns, threads);
    j.jblocks = nblk;
    j.nb = (j.ns + nblk - 1) / nblk * nr;
    j.mblocks = 1;
    int64_t items = j.NI * g->G * j.jblocks;
    if (threads > 1 && items < 4 * threads) /* few columns: split the rows too */
        j.mblocks = even_split(items, (4 * threads + items - 1) / items, j.ms, threads);
    if (j.mblocks > j.ms) j.mblocks = j.ms;
    j.mrows = (j.ms + j.mblocks - 1) / j.mblocks * mr;
    char *ap = NULL;
    if (j.NI * j.jblocks >= IGEMM_SHARED_A) { /* many items per weight block: pack them once */
        ap = aligned_alloc(64, (j.es * (size_t)(g->G * j.Mp * K) + 63) & ~(size_t)63);
        if (!ap) {
            free(ys);
            free(xph);
            return pl_error_nomem();
        }
        pack_a_job pj = {&j, w, ap};
        int64_t slivers_all = g->G * (j.Mp / mr);
        int64_t grain = (int64_t)1 << 16; /* weights copied per chunk */
        grain = grain / (mr * K) > 1 ? grain / (mr * K) : 1;
        pl_parallel_for(slivers_all, pack_a_chunk, &pj, grain);
    }
    j.ap = ap;
    if (j.mblocks > 1) { /* row blocks share each column block: pack the input once */
        j.bshared = aligned_alloc(64, (j.es * (size_t)(items * K * j.nb) + 63) & ~(size_t)63);
        if (!j.bshared) {
            free(ap);
            free(ys);
            free(xph);
            return pl_error_nomem();
        }
        int64_t slices = (K + ks->kc - 1) / ks->kc;
        /* by sliver: a 7x7 or 14x14 image has one column block of a few kc slices, too few
         * to share evenly */
        pl_parallel_for(items * slices * (j.nb / nr), dbl ? pack_b_chunk_f64 : pack_b_chunk_f32,
                        &j, 1);
    }
    int64_t total = items * j.mblocks;
    int64_t per_item = j.mrows * j.nb * K;
    int64_t igrain = IGEMM_CHUNK_MIN / (per_item > 0 ? per_item : 1);
    pl_parallel_for(total, dbl ? chunk_f64 : chunk_f32, &j, igrain > 1 ? igrain : 1);
    free(ap);
    free(j.bshared);
    if (ys && !j.failed) /* spread the (O, N * Li) scratch into y (N, O, Li) */
        for (int64_t n = 0; n < g->N; n++)
            for (int64_t o = 0; o < g->O; o++)
                memcpy((char *)y + (n * g->O + o) * j.Li * j.es, ys + (o * L + n * j.Li) * j.es,
                       j.es * (size_t)j.Li);
    free(ys);
    free(xph);
    if (j.failed) return pl_error_nomem();
    return PL_OK;
}

/* The input gradient of a stride-1 convolution is itself a stride-1 convolution: of dy,
 * padded by d * (k - 1) - p, with the weights flipped in both spatial dims and their two
 * channel dims swapped within each group, wf (C, Og, kh, kw). */
pl_status
pl_conv_igemm_input_grad(const conv_geom *g, bool dbl, const void *dy, const void *w, void *dx,
                         bool *done)
{
    *done = false;
    int64_t Cg = g->C / g->G, Og = g->O / g->G, khw = g->kh * g->kw;
    int64_t ph = g->dh * (g->kh - 1) - g->ph, pw = g->dw * (g->kw - 1) - g->pw;
    if (g->sh != 1 || g->sw != 1 || ph < 0 || pw < 0 || Og == 0 || !pl_gemm_kernels_current(dbl))
        return PL_OK;
    /* measured: the col2im route is faster for few channels or small images, where packing
     * the padded gradient costs more than the products it feeds */
    if (g->C < IGEMM_GRAD_MIN_C || g->H * g->W < IGEMM_GRAD_MIN_HW) return PL_OK;
    size_t es = dbl ? sizeof(double) : sizeof(float);
    char *wf = malloc(es * (size_t)(g->O * Cg * khw > 0 ? g->O * Cg * khw : 1));
    if (!wf) return pl_error_nomem();
    const char *ws = w; /* (O, Cg, kh, kw) */
    for (int64_t gi = 0; gi < g->G; gi++)
        for (int64_t c = 0; c < Cg; c++)
            for (int64_t o = 0; o < Og; o++) {
                const char *src = ws + ((gi * Og + o) * Cg + c) * khw * es;     /* (kh, kw) */
                char *dst = wf + ((gi * Cg + c) * Og + o) * khw * es;           /* (kh, kw) */
                if (dbl)
                    for (int64_t t = 0; t < khw; t++)
                        ((double *)dst)[t] = ((const double *)src)[khw - 1 - t];
                else
                    for (int64_t t = 0; t < khw; t++)
                        ((float *)dst)[t] = ((const float *)src)[khw - 1 - t];
            }
    conv_geom t = *g;
    t.C = g->O, t.H = g->OH, t.W = g->OW;
    t.O = g->C, t.OH = g->H, t.OW = g->W;
    t.ph = ph, t.pw = pw;
    pl_status st = pl_conv_igemm_forward(&t, dbl, dy, wf, NULL, dx, done);
    free(wf);
    return st;
}
