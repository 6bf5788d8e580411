/* test_sleef_lanes.c — plain C tests of the eight-lane (AVX2 + FMA) forms of SLEEF's float
 * functions against their plain one-lane forms: ATen's layout of sinh, cosh, atanh, exp2, gelu
 * (tanh form) and gelu's backward with the vector blocks in AVX2 (simd) and in the plain reference, and
 * lgamma's eight-lane loop against pl_sleef_lgammaf, over a sweep of every 61st float32 bit
 * pattern; the four-lane double sinh, cosh, exp2, atanh and gelu likewise on random
 * doubles. On a CPU without AVX2 + FMA both sides are the plain forms.
 *
 * Build and run from the repository root:
 *   cc -std=c11 -O2 -ffp-contract=off -Icsrc tests/c/test_sleef_lanes.c \
 *      $(find csrc/core -name '*.c') -lm -ldl -pthread -o test_sleef_lanes && ./test_sleef_lanes
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ops/internal.h"

#define N (1 << 20) /* elements per round; a multiple of the vector blocks */

static long
mismatches(const float *a, const float *b, int64_t n)
{
    long bad = 0;
    for (int64_t i = 0; i < n; i++) bad += memcmp(a + i, b + i, sizeof(float)) != 0;
    return bad;
}

int
main(void)
{
    float *x = malloc(N * sizeof(float)), *g = malloc(N * sizeof(float));
    float *r1 = malloc(N * sizeof(float)), *r2 = malloc(N * sizeof(float));
    if (!x || !g || !r1 || !r2) return 2;
    const pl_aten_fn fns[] = {PL_ATEN_SINH, PL_ATEN_COSH, PL_ATEN_ATANH, PL_ATEN_EXP2,
                              PL_ATEN_GELU_TANH, PL_ATEN_GELU_TANH_BACKWARD};
    enum { NF = sizeof fns / sizeof fns[0] };
    long bad[NF + 1] = {0};
    uint64_t pattern = 17;
    for (int round = 0; round * (uint64_t)N * 61 < (1ull << 32); round++) {
        for (int64_t i = 0; i < N; i++, pattern += 61) {
            uint32_t u = (uint32_t)pattern;
            memcpy(x + i, &u, sizeof u);
            g[i] = (float)(i % 7) - 3.0f;
        }
        for (int f = 0; f < NF; f++) {
            pl_aten_layout(fns[f], false, r1, x, g, N, PL_ATEN_AVX2, true);
            pl_aten_layout(fns[f], false, r2, x, g, N, PL_ATEN_AVX2, false);
            bad[f] += mismatches(r1, r2, N);
        }
        pl_sleef_lgammaf_n(r1, x, N);
        for (int64_t i = 0; i < N; i++) r2[i] = pl_sleef_lgammaf(x[i]);
        bad[NF] += mismatches(r1, r2, N);
    }
    const char *names[] = {"sinh", "cosh", "atanh", "exp2", "gelu_tanh", "gelu_tanh_backward",
                           "lgamma"};
    long total = 0;
    for (int f = 0; f <= NF; f++) {
        printf("%s: %ld mismatches\n", names[f], bad[f]);
        total += bad[f];
    }
    /* double: four-lane sinh, cosh, exp2, atanh, gelu and its backward on random bit patterns and on values
     * of moderate size */
    double *xd = malloc(N * sizeof(double)), *gd = malloc(N * sizeof(double));
    double *d1 = malloc(N * sizeof(double)), *d2 = malloc(N * sizeof(double));
    if (!xd || !gd || !d1 || !d2) return 2;
    const pl_aten_fn dfns[] = {PL_ATEN_SINH, PL_ATEN_COSH, PL_ATEN_EXP2, PL_ATEN_ATANH,
                               PL_ATEN_GELU_TANH, PL_ATEN_GELU_TANH_BACKWARD};
    long dbad = 0;
    uint64_t state = 88172645463325252ull;
    for (int round = 0; round < 8; round++) {
        for (int64_t i = 0; i < N; i++) {
            state ^= state << 13, state ^= state >> 7, state ^= state << 17;
            uint64_t u = state;
            memcpy(xd + i, &u, sizeof u);
            if (round % 4 == 1) xd[i] = (double)(int64_t)(u >> 11) * 0x1p-53 * 1500.0 - 750.0;
            if (round % 4 == 3) xd[i] = (double)(int64_t)(u >> 11) * 0x1p-53 * 2.2 - 1.1;
            gd[i] = (double)(i % 5) - 2.0;
        }
        for (int f = 0; f < 6; f++) {
            pl_aten_layout(dfns[f], true, d1, xd, gd, N, PL_ATEN_AVX2, true);
            pl_aten_layout(dfns[f], true, d2, xd, gd, N, PL_ATEN_AVX2, false);
            for (int64_t i = 0; i < N; i++) dbad += memcmp(d1 + i, d2 + i, sizeof(double)) != 0;
        }
    }
    printf("double sinh/cosh/exp2/atanh/gelu: %ld mismatches\n", dbad);
    total += dbad;
    free(xd), free(gd), free(d1), free(d2);
    printf(total ? "FAILED\n" : "all ok\n");
    free(x), free(g), free(r1), free(r2);
    return total ? 1 : 0;
}
