/* cascade.c — floating sums in PyTorch's CPU summation order ("cascade" sums), so that sums,
 * means and the gradients reduced through them round exactly as PyTorch's do.
 *
 * PyTorch accumulates float32 in float32, in a fixed order that depends only on the shape:
 * a contiguous row is read as vectors of V lanes (V = 8 floats / 4 doubles, its AVX2 kernels),
 * each lane summed with 4-way interleaving and a 4-level cascade (partial sums of 16+ values
 * are promoted level by level), the scalar tail summed on its own and then the lanes added to
 * it in order. Reductions over leading dims sum each column down the rows, with the same
 * cascade or the interleaved row sum depending on the column's position. This file writes
 * those orders out as plain scalar loops; a reduction PyTorch would split across threads
 * (more than 32768 elements) is still summed in one piece here.
 */
#include "internal.h"

static int
ceil_log2(int64_t x)
{
    int r = 0;
    while (((int64_t)1 << r) < x) r++;
    return r;
}

#define DEFINE_CASCADE(T, SUFFIX, V)                                                         \
    /* One column: n values x[i * stride], summed with the 4-level cascade. */               \
    static T levels_sum_##SUFFIX(const T *x, int64_t n, int64_t stride)                      \
    {                                                                                        \
        int level_power = ceil_log2(n) / 4;                                                  \
        if (level_power < 4) level_power = 4;                                                \
        const int64_t step = (int64_t)1 << level_power, mask = step - 1;                     \
        T acc[4] = {0, 0, 0, 0};                                                             \
        int64_t i = 0;                                                                       \
        while (i + step <= n) {                                                              \
            for (int64_t j = 0; j < step; j++, i++) acc[0] += x[i * stride];                 \
            for (int j = 1; j < 4; j++) {                                                    \
                acc[j] += acc[j - 1];                                                        \
                acc[j - 1] = 0;                                                              \
                if ((i & (mask << (j * level_power))) != 0) break;                           \
            }                                                                                \
        }                                                                                    \
        for (; i < n; i++) acc[0] += x[i * stride];                                          \
        for (int j = 1; j < 4; j++) acc[0] += acc[j];                                        \
        return acc[0];                                                                       \
    }                                                                                        \
    /* n values with 4-way interleaving over the cascade, then the remainder. */             \
    static T row_sum_##SUFFIX(const T *x, int64_t n, int64_t stride)                         \
    {                                                                                        \
        int64_t groups = n / 4;                                                              \
        T p[4];                                                                              \
        for (int k = 0; k < 4; k++) p[k] = levels_sum_##SUFFIX(x + k * stride, groups, 4 * stride); \
        for (int64_t i = groups * 4; i < n; i++) p[0] += x[i * stride];                      \
        return ((p[0] + p[1]) + p[2]) + p[3];                                                \
    }                                                                                        \
    /* A contiguous row of n values. */                                                      \
    T pl_cascade_row_##SUFFIX(const T *x, int64_t n)                                         \
    {                                                                                        \
        if (n < V) return (T)0 + row_sum_##SUFFIX(x, n, 1);                                  \
        int64_t vecs = n / V;                                                                \
        T lanes[V];                                                                          \
        for (int l = 0; l < V; l++) lanes[l] = row_sum_##SUFFIX(x + l, vecs, V);             \
        T f = 0;                                                                             \
        for (int64_t k = vecs * V; k < n; k++) f += x[k];                                    \
        for (int l = 0; l < V; l++) f += lanes[l];                                           \
        return (T)0 + f;                                                                     \
    }                                                                                        \
    /* Column sums of an (n, c) matrix with row stride rs and contiguous columns. */         \
    void pl_cascade_columns_##SUFFIX(T *out, const T *x, int64_t n, int64_t c, int64_t rs)   \
    {                                                                                        \
        int64_t j = 0;                                                                       \
        if (c >= V) {                                                                        \
            for (; j + 4 * V <= c; j += 4 * V)                                               \
                for (int64_t k = j; k < j + 4 * V; k++) out[k] = (T)0 + levels_sum_##SUFFIX(x + k, n, rs); \
        } else {                                                                             \
            for (; j + 3 < c; j += 4)                                                        \
                for (int64_t k = j; k < j + 4; k++) out[k] = (T)0 + levels_sum_##SUFFIX(x + k, n, rs); \
        }                                                                                    \
        for (; j < c; j++) out[j] = (T)0 + row_sum_##SUFFIX(x + j, n, rs);                   \
    }

DEFINE_CASCADE(float, f32, 8)
DEFINE_CASCADE(double, f64, 4)
