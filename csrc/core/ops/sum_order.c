/* sum_order.c — floating sums in PyTorch's CPU order for any layout (contiguous or strided,
 * leading, trailing, middle or several dims, large whole-tensor sums), so that float32 results
 * are bit-identical to torch.sum (and mean, PyTorch's sum / count).
 *
 * PyTorch's CPU sum kernel accumulates in the tensor's own dtype with a cascade: the reduced
 * elements are read in the iterator's order (reduced dims innermost, then by input stride),
 * summed in up to four interleaved accumulators (one per SIMD lane when the row is contiguous),
 * each accumulator itself a multi-level running sum that folds every 16 or more terms into the
 * next level. Vector lanes add independently, so each lane is emulated here as its own scalar
 * running sum (8 float or 4 double lanes).
 *
 * Large whole-tensor sums (32768 elements or more) are split in two halves, as PyTorch does with
 * two intra-op threads; other thread counts may differ in the last bit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../ops.h"
#include "internal.h"

#define GRAIN_SIZE 32768
#define NUM_LEVELS 4
#define ILP 4

/* Bytes in one of the vectors PyTorch's sum kernel adds with: 32 (8 floats, 4 doubles), measured
 * identical on AVX2 and AVX-512 machines. */
#define VECTOR_BYTES 32

static int64_t
ceil_log2(int64_t x)
{
    if (x <= 2) return 1;
    int64_t v = x - 1, bit = -1;
    while (v) v >>= 1, bit++;
    return bit + 1;
}

/* One column of the multi-level running sum over `size` terms x[i * step] (elements).
 * T is float or double; the macro keeps both in one body. */
#define DEFINE_ORDERED(T, SUFFIX)                                                            \
    static T level_sum_##SUFFIX(const T *x, int64_t step, int64_t size)                      \
    {                                                                                        \
        int64_t power = ceil_log2(size) / NUM_LEVELS;                                        \
        if (power < 4) power = 4;                                                            \
        const int64_t level_step = (int64_t)1 << power, mask = level_step - 1;               \
        T acc[NUM_LEVELS] = {0};                                                             \
        int64_t i = 0;                                                                       \
        while (i + level_step <= size) {                                                     \
            for (int64_t j = 0; j < level_step; j++, i++) acc[0] += x[i * step];             \
            for (int j = 1; j < NUM_LEVELS; j++) {                                           \
                acc[j] += acc[j - 1];                                                        \
                acc[j - 1] = 0;                                                              \
                if ((i & (mask << (j * power))) != 0) break;                                 \
            }                                                                                \
        }                                                                                    \
        for (; i < size; i++) acc[0] += x[i * step];                                         \
        for (int j = 1; j < NUM_LEVELS; j++) acc[0] += acc[j];                               \
        return acc[0];                                                                       \
    }                                                                                        \
                                                                                             \
    /* level_sum of ncols neighbouring columns at once (column c: x[i * step + c]), with     \
     * each column's additions in exactly level_sum's order; reads rows contiguously.        \
     * acc: NUM_LEVELS * ncols zeroed scratch. Writes the sums to res. */                    \
    static void level_sum_cols_##SUFFIX(T *res, const T *x, int64_t step, int64_t size,      \
                                        int64_t ncols, T *acc)                               \
    {                                                                                        \
        int64_t power = ceil_log2(size) / NUM_LEVELS;                                        \
        if (power < 4) power = 4;                                                            \
        const int64_t level_step = (int64_t)1 << power, mask = level_step - 1;               \
        T *a0 = acc;                                                                         \
        int64_t i = 0;                                                                       \
        while (i + level_step <= size) {                                                     \
            for (int64_t j = 0; j < level_step; j++, i++) {                                  \
                const T *r = x + i * step;                                                   \
                for (int64_t c = 0; c < ncols; c++) a0[c] += r[c];                           \
            }                                                                                \
            for (int l = 1; l < NUM_LEVELS; l++) {                                           \
                T *al = acc + l * ncols, *ap = acc + (l - 1) * ncols;                        \
                for (int64_t c = 0; c < ncols; c++) {                                        \
                    al[c] += ap[c];                                                          \
                    ap[c] = 0;                                                               \
                }                                                                            \
                if ((i & (mask << (l * power))) != 0) break;                                 \
            }                                                                                \
        }                                                                                    \
        for (; i < size; i++) {                                                              \
            const T *r = x + i * step;                                                       \
            for (int64_t c = 0; c < ncols; c++) a0[c] += r[c];                               \
        }                                                                                    \
        for (int l = 1; l < NUM_LEVELS; l++)                                                 \
            for (int64_t c = 0; c < ncols; c++) a0[c] += acc[l * ncols + c];                 \
        for (int64_t c = 0; c < ncols; c++) res[c] = a0[c];                                  \
    }                                                                                        \
                                                                                             \
    /* Four interleaved level sums over x[i * step], then the leftover terms. */             \
    static T row_sum_##SUFFIX(const T *x, int64_t step, int64_t size)                        \
    {                                                                                        \
        int64_t size_ilp = size / ILP;                                                       \
        T part[ILP];                                                                         \
        for (int k = 0; k < ILP; k++)                                                        \
            part[k] = level_sum_##SUFFIX(x + k * step, ILP * step, size_ilp);                \
        for (int64_t i = size_ilp * ILP; i < size; i++) part[0] += x[i * step];              \
        for (int k = 1; k < ILP; k++) part[0] += part[k];                                    \
        return part[0];                                                                      \
    }                                                                                        \
                                                                                             \
    /* One 2-D block: size0 x size1 with strides (elements) s[0] out dim0, s[1] in dim0,     \
     * s[2] out dim1, s[3] in dim1; out accumulates (out += block sum). */                   \
    static void block_sum_##SUFFIX(T *out, const T *in, const int64_t *s, int64_t size0,     \
                                   int64_t size1)                                            \
    {                                                                                        \
        int64_t is0 = s[1], is1 = s[3], os0 = s[0], os1 = s[2];                              \
        const int64_t lanes = VECTOR_BYTES / (int64_t)sizeof(T);                           \
        if (os0 != 0 && os1 == 0) {                                                          \
            int64_t t;                                                                       \
            t = is0, is0 = is1, is1 = t;                                                     \
            t = os0, os0 = os1, os1 = t;                                                     \
            t = size0, size0 = size1, size1 = t;                                             \
        }                                                                                    \
        if (os0 != 0 && os1 != 0) { /* nothing reduced in this block */                      \
            for (int64_t j = 0; j < size1; j++)                                              \
                for (int64_t i = 0; i < size0; i++)                                          \
                    out[i * os0 + j * os1] += in[i * is0 + j * is1];                         \
            return;                                                                          \
        }                                                                                    \
        if (is0 == 1 && size0 >= lanes) { /* contiguous rows: one accumulator per lane */    \
            int64_t vec_size = size0 / lanes;                                                \
            for (int64_t j = 0; j < size1; j++) {                                            \
                const T *row = in + j * is1;                                                 \
                T final = 0;                                                                 \
                for (int64_t k = vec_size * lanes; k < size0; k++) final += row[k];          \
                for (int64_t l = 0; l < lanes; l++) final += row_sum_##SUFFIX(row + l, lanes, vec_size); \
                out[j * os1] += final;                                                       \
            }                                                                                \
        } else if (is1 == 1 && size1 >= lanes) { /* contiguous across the outputs */         \
            int64_t wide = size1 / (ILP * lanes) * (ILP * lanes);                            \
            T *scratch = wide ? calloc((size_t)(NUM_LEVELS + 1) * (size_t)wide, sizeof(T)) : NULL; \
            if (scratch) { /* the wide columns together, reading whole rows */              \
                level_sum_cols_##SUFFIX(scratch + NUM_LEVELS * wide, in, is0, size0, wide, scratch); \
                for (int64_t j = 0; j < wide; j++) out[j * os1] += scratch[NUM_LEVELS * wide + j]; \
                free(scratch);                                                               \
            }                                                                                \
            for (int64_t j = scratch || !wide ? wide : 0; j < size1; j++) {                  \
                out[j * os1] += j < wide ? level_sum_##SUFFIX(in + j, is0, size0)            \
                                         : row_sum_##SUFFIX(in + j, is0, size0);             \
            }                                                                                \
        } else if (is0 < is1) {                                                              \
            for (int64_t j = 0; j < size1; j++) out[j * os1] += row_sum_##SUFFIX(in + j * is1, is0, size0); \
        } else {                                                                             \
            int64_t grouped = size1 / ILP * ILP;                                             \
            for (int64_t j = 0; j < size1; j++) {                                            \
                out[j * os1] += j < grouped ? level_sum_##SUFFIX(in + j * is1, is0, size0)   \
                                            : row_sum_##SUFFIX(in + j * is1, is0, size0);    \
            }                                                                                \
        }                                                                                    \
    }
DEFINE_ORDERED(float, f)
DEFINE_ORDERED(double, d)

/* The iterator's view of the reduction: dims ordered innermost first, coalesced. */
typedef struct {
    int ndim;
    int64_t shape[PL_MAX_DIMS];
    int64_t ostride[PL_MAX_DIMS]; /* elements; 0 on reduced dims */
    int64_t istride[PL_MAX_DIMS];
} sum_iter;

/* PyTorch's comparison of two dims: >0 moves dim1 before dim0. */
static int
should_swap(const sum_iter *it, const int64_t *shape, int d0, int d1)
{
    int64_t o0 = it->ostride[d0], o1 = it->ostride[d1];
    if ((o0 == 0) != (o1 == 0)) return o1 == 0 ? 1 : -1;
    const int64_t st[2][2] = {{o0, o1}, {it->istride[d0], it->istride[d1]}};
    for (int k = 0; k < 2; k++) {
        int64_t s0 = st[k][0], s1 = st[k][1];
        if (s0 == 0 || s1 == 0) continue;
        if (s0 < s1) return -1;
        if (s0 > s1) return 1;
        if (shape[d0] > shape[d1]) return 1;
    }
    return 0;
}

static void
iter_build(sum_iter *it, const pl_tensor *a, const bool *reduced)
{
    int n = a->ndim;
    sum_iter raw;
    int64_t ostride = 1;
    for (int d = n - 1; d >= 0; d--) { /* output: contiguous keepdim shape, 0 on reduced dims */
        raw.ostride[d] = reduced[d] ? 0 : ostride;
        if (!reduced[d]) ostride *= a->shape[d];
        raw.istride[d] = a->strides[d];
    }
    int perm[PL_MAX_DIMS];
    for (int i = 0; i < n; i++) perm[i] = n - 1 - i;
    for (int i = 1; i < n; i++) { /* insertion sort with ambiguous comparisons, as PyTorch */
        int d1 = i;
        for (int d0 = i - 1; d0 >= 0; d0--) {
            int c = should_swap(&raw, a->shape, perm[d0], perm[d1]);
            if (c > 0) {
                int t = perm[d0];
                perm[d0] = perm[d1];
                perm[d1] = t;
                d1 = d0;
            } else if (c < 0) {
                break;
            }
        }
    }
    sum_iter p;
    for (int i = 0; i < n; i++) {
        p.shape[i] = a->shape[perm[i]];
        p.ostride[i] = raw.ostride[perm[i]];
        p.istride[i] = raw.istride[perm[i]];
    }
    /* coalesce neighbours that walk memory as one dim */
    int prev = 0;
    for (int d = 1; d < n; d++) {
        bool can = p.shape[prev] == 1 || p.shape[d] == 1 ||
                   (p.shape[prev] * p.ostride[prev] == p.ostride[d] &&
                    p.shape[prev] * p.istride[prev] == p.istride[d]);
        if (can) {
            if (p.shape[prev] == 1) {
                p.ostride[prev] = p.ostride[d];
                p.istride[prev] = p.istride[d];
            }
            p.shape[prev] *= p.shape[d];
        } else {
            prev++;
            if (prev != d) {
                p.ostride[prev] = p.ostride[d];
                p.istride[prev] = p.istride[d];
                p.shape[prev] = p.shape[d];
            }
        }
    }
    p.ndim = n ? prev + 1 : 0;
    *it = p;
}

/* Runs the iterator over elements [begin, end) of a 1-D iteration, or all of a >=2-D one. */
static void
iter_run(const sum_iter *it, pl_dtype dtype, char *out, const char *in, int64_t begin,
         int64_t end)
{
    size_t es = pl_dtype_size(dtype);
    int64_t s[4] = {0, 0, 0, 0};
    if (it->ndim <= 1) {
        if (it->ndim == 1) s[0] = it->ostride[0], s[1] = it->istride[0];
        out += (size_t)(begin * s[0]) * es;
        in += (size_t)(begin * s[1]) * es;
        if (dtype == PL_FLOAT32) block_sum_f((float *)out, (const float *)in, s, end - begin, 1);
        else block_sum_d((double *)out, (const double *)in, s, end - begin, 1);
        return;
    }
    s[0] = it->ostride[0], s[1] = it->istride[0], s[2] = it->ostride[1], s[3] = it->istride[1];
    int64_t idx[PL_MAX_DIMS] = {0};
    for (;;) {
        int64_t oo = 0, io = 0;
        for (int d = 2; d < it->ndim; d++) oo += idx[d] * it->ostride[d], io += idx[d] * it->istride[d];
        char *o = out + (size_t)oo * es;
        const char *i = in + (size_t)io * es;
        if (dtype == PL_FLOAT32) block_sum_f((float *)o, (const float *)i, s, it->shape[0], it->shape[1]);
        else block_sum_d((double *)o, (const double *)i, s, it->shape[0], it->shape[1]);
        int d = 2;
        for (; d < it->ndim; d++) {
            if (++idx[d] < it->shape[d]) break;
            idx[d] = 0;
        }
        if (d >= it->ndim) return;
    }
}

pl_status
pl_sum_ordered(const pl_tensor *a, const bool *reduced, pl_tensor *out)
{
    /* out: contiguous, a's dtype, the keepdim shape (or any shape of that many elements) */
    size_t es = pl_dtype_size(a->dtype);
    memset(out->storage->data, 0, (size_t)out->numel * es);
    if (a->numel == 0) return PL_OK;
    sum_iter it;
    iter_build(&it, a, reduced);
    char *o = (char *)pl_tensor_data(out);
    const char *in = (const char *)pl_tensor_data(a);
    if (out->numel == 1 && a->numel >= GRAIN_SIZE && it.ndim <= 1) {
        /* two intra-op threads: each half into its own slot, then the slots summed */
        int64_t half = (a->numel + 1) / 2;
        char buf[2 * sizeof(double)] = {0};
        iter_run(&it, a->dtype, buf, in, 0, half);
        iter_run(&it, a->dtype, buf + es, in, half, a->numel);
        int64_t s[4] = {0, 1, 0, 0};
        if (a->dtype == PL_FLOAT32) block_sum_f((float *)o, (const float *)buf, s, 2, 1);
        else block_sum_d((double *)o, (const double *)buf, s, 2, 1);
        return PL_OK;
    }
    iter_run(&it, a->dtype, o, in, 0, it.ndim ? it.shape[0] : 1);
    return PL_OK;
}
