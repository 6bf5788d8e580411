/* test_aten_layout.c — plain C tests of aten_layout.c: SLEEF's float32 and float64 exp in
 * their plain references against the AVX2 vector lambdas (the same bits for a sweep of every
 * 97th float32 bit pattern, 20 million float64 ones and the edge values), and ATen's
 * vector/tail split of sigmoid in each layout (default, avx2, avx512) on one and two threads,
 * for both dtypes; silu and silu's backward in their AVX2 form against their reference; the
 * softmax rows' exp(x - shift) in its AVX2 form against its reference; SLEEF's log (sleef_log.c)
 * within 1 ulp of the correctly rounded log for a sweep of positive float32 and its edge values.
 *
 * Build and run from the repository root:
 *   cc -std=c11 -O2 -ffp-contract=off -Icsrc tests/c/test_aten_layout.c \
 *      $(find csrc/core -name '*.c') -lm -ldl -pthread -o test_aten_layout && ./test_aten_layout
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ops/internal.h"
#include "core/parallel.h"

static int failures = 0;

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);          \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

static uint32_t
bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float
from_bits(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

#define BLOCK 4096

/* vector lambda (avx2 layout, n a multiple of 16: no tail) with SIMD against its reference */
static void
sweep(void)
{
    static float in[BLOCK], a[BLOCK], b[BLOCK];
    long long mismatches = 0, count = 0;
    uint64_t u = 0;
    while (u <= 0xffffffffull) {
        int n = 0;
        for (; n < BLOCK && u <= 0xffffffffull; u += 97) in[n++] = from_bits((uint32_t)u);
        n -= n % 16;
        pl_sigmoid_f32_layout(a, in, n, PL_ATEN_AVX2, true);
        pl_sigmoid_f32_layout(b, in, n, PL_ATEN_AVX2, false);
        for (int i = 0; i < n; i++) mismatches += bits(a[i]) != bits(b[i]);
        count += n;
    }
    printf("sweep: %lld values, %lld mismatches\n", count, mismatches);
    CHECK(mismatches == 0);
}

static void
edges(void)
{
    const float special[16] = {NAN, -NAN, INFINITY, -INFINITY, 0.0f, -0.0f, 88.7f, -88.7f,
                               103.9f, -103.9f, 104.0f, -104.0f, 100.0f, -100.0f, 1e10f, -1e10f};
    float a[16], b[16];
    pl_sigmoid_f32_layout(a, special, 16, PL_ATEN_AVX2, true);
    pl_sigmoid_f32_layout(b, special, 16, PL_ATEN_AVX2, false);
    for (int i = 0; i < 16; i++) CHECK(bits(a[i]) == bits(b[i]));
    CHECK(a[2] == 1.0f && a[3] == 0.0f && a[4] == 0.5f && a[15] == 0.0f && a[14] == 1.0f);
    CHECK(isnan(a[0]) && signbit(a[0]) && isnan(a[1]) && !signbit(a[1]));
    /* exp itself at exact points */
    CHECK(pl_sleef_expf(0.0f) == 1.0f && pl_sleef_expf(-INFINITY) == 0.0f);
    CHECK(pl_sleef_expf(INFINITY) == INFINITY && isnan(pl_sleef_expf(NAN)));
    CHECK(fabsf(pl_sleef_expf(1.0f) - 2.7182817f) <= 2.4e-7f);
}

static uint64_t
bits_d(double f)
{
    uint64_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static double
from_bits_d(uint64_t u)
{
    double f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* the float64 vector lambda against its reference: random bit patterns, and the range
 * [-1100, 1100] where exp goes from 0 through subnormals to +inf, densely */
static void
sweep_f64(void)
{
    static double in[BLOCK], a[BLOCK], b[BLOCK];
    long long mismatches = 0, count = 0;
    uint64_t state = 88172645463325252ull;
    for (int block = 0; block < 5000; block++) {
        for (int i = 0; i < BLOCK; i++) {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            double r = ((double)(state >> 11) / 9007199254740992.0 - 0.5) * 2200.0;
            in[i] = block % 2 ? from_bits_d(state) : r;
        }
        pl_sigmoid_f64_layout(a, in, BLOCK, PL_ATEN_AVX2, true);
        pl_sigmoid_f64_layout(b, in, BLOCK, PL_ATEN_AVX2, false);
        for (int i = 0; i < BLOCK; i++) mismatches += bits_d(a[i]) != bits_d(b[i]);
        count += BLOCK;
    }
    printf("sweep f64: %lld values, %lld mismatches\n", count, mismatches);
    CHECK(mismatches == 0);
}

static void
edges_f64(void)
{
    const double special[16] = {NAN, -NAN, INFINITY, -INFINITY, 0.0, -0.0, 709.78, -709.78,
                                709.7827128933841, -709.7827128933841, 709.79, -709.79,
                                1000.0, -1000.0, 745.2, -1e300};
    double a[16], b[16];
    pl_sigmoid_f64_layout(a, special, 16, PL_ATEN_AVX2, true);
    pl_sigmoid_f64_layout(b, special, 16, PL_ATEN_AVX2, false);
    for (int i = 0; i < 16; i++) CHECK(bits_d(a[i]) == bits_d(b[i]));
    CHECK(a[2] == 1.0 && a[3] == 0.0 && a[4] == 0.5 && a[15] == 0.0 && a[12] == 1.0);
    CHECK(isnan(a[0]) && signbit(a[0]) && isnan(a[1]) && !signbit(a[1]));
    CHECK(pl_sleef_exp(0.0) == 1.0 && pl_sleef_exp(-INFINITY) == 0.0);
    CHECK(pl_sleef_exp(INFINITY) == INFINITY && isnan(pl_sleef_exp(NAN)));
    CHECK(pl_sleef_exp(-1000.5) == 0.0 && pl_sleef_exp(710.0) == INFINITY);
    CHECK(fabs(pl_sleef_exp(1.0) - 2.718281828459045) <= 4.5e-16);
}

/* element i of a layout's result is SLEEF's (vector) or libm's (tail) sigmoid, in doubles */
static int
layout_matches_f64(int cap, int64_t n, int threads)
{
    int64_t padded = (n + 7) / 8 * 8;
    double *in = calloc((size_t)padded, sizeof(double)), *out = malloc(sizeof(double) * (size_t)n);
    double *vec = malloc(sizeof(double) * (size_t)padded);
    int64_t step = cap == PL_ATEN_AVX512 ? 16 : cap == PL_ATEN_AVX2 ? 8 : 0;
    int64_t pieces = n >= 32768 && threads > 1 ? (n + 32767) / 32768 : 1;
    if (pieces > threads) pieces = threads;
    int64_t chunk = (n + pieces - 1) / pieces;
    int ok = in && out && vec;
    uint32_t seed = 54321;
    for (int64_t i = 0; ok && i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        in[i] = ((double)seed / 4294967296.0 - 0.5) * 60.0;
    }
    if (ok) {
        pl_parallel_set_num_threads(1);
        pl_sigmoid_f64_layout(vec, in, padded, PL_ATEN_AVX2, true);
        pl_parallel_set_num_threads(threads);
        pl_sigmoid_f64_layout(out, in, n, cap, true);
    }
    for (int64_t i = 0; ok && i < n; i++) {
        int64_t off = i % chunk, len = (i / chunk + 1) * chunk < n ? chunk : n - i / chunk * chunk;
        int in_vector = step && off < len / step * step;
        double want = in_vector ? vec[i] : 1.0 / (1.0 + exp(-in[i]));
        if (bits_d(out[i]) != bits_d(want)) ok = 0;
    }
    free(in);
    free(out);
    free(vec);
    return ok;
}

/* element i of a layout's result is SLEEF's (vector) or libm's (tail) sigmoid */
static int
layout_matches(int cap, int64_t n, int threads)
{
    int64_t padded = (n + 15) / 16 * 16;
    float *in = calloc((size_t)padded, sizeof(float)), *out = malloc(sizeof(float) * (size_t)n);
    float *vec = malloc(sizeof(float) * (size_t)padded);
    int64_t step = cap == PL_ATEN_AVX512 ? 32 : cap == PL_ATEN_AVX2 ? 16 : 0;
    int64_t pieces = n >= 32768 && threads > 1 ? (n + 32767) / 32768 : 1;
    if (pieces > threads) pieces = threads;
    int64_t chunk = (n + pieces - 1) / pieces;
    int ok = in && out && vec;
    uint32_t seed = 12345;
    for (int64_t i = 0; ok && i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        in[i] = ((float)(seed >> 8) / 16777216.0f - 0.5f) * 30.0f;
    }
    if (ok) {
        pl_parallel_set_num_threads(1); /* one piece of a multiple of 16: SLEEF everywhere */
        pl_sigmoid_f32_layout(vec, in, padded, PL_ATEN_AVX2, true);
        pl_parallel_set_num_threads(threads);
        pl_sigmoid_f32_layout(out, in, n, cap, true);
    }
    for (int64_t i = 0; ok && i < n; i++) {
        int64_t off = i % chunk, len = (i / chunk + 1) * chunk < n ? chunk : n - i / chunk * chunk;
        int in_vector = step && off < len / step * step;
        float want = in_vector ? vec[i] : 1.0f / (1.0f + expf(-in[i]));
        if (bits(out[i]) != bits(want)) ok = 0;
    }
    free(in);
    free(out);
    free(vec);
    return ok;
}

/* silu and its backward: the AVX2 vector lambda against its reference over float32 bit
 * patterns (every 9973rd, with the edge values) and random float64 values */
static void
silu_lambdas(void)
{
    static float x[BLOCK], g[BLOCK], a[BLOCK], b[BLOCK];
    static double xd[BLOCK], gd[BLOCK], ad[BLOCK], bd[BLOCK];
    long long mismatches = 0, count = 0;
    uint64_t u = 0;
    uint32_t seed = 777;
    while (u <= 0xffffffffull) {
        int n = 0;
        for (; n < BLOCK && u <= 0xffffffffull; u += 9973) {
            seed = seed * 1664525u + 1013904223u;
            g[n] = ((float)(seed >> 8) / 16777216.0f - 0.5f) * 4.0f;
            x[n++] = from_bits((uint32_t)u);
        }
        n -= n % 16;
        for (int fn = PL_ATEN_SILU; fn <= PL_ATEN_SILU_BACKWARD; fn++) {
            pl_aten_layout(fn, false, a, x, g, n, PL_ATEN_AVX2, true);
            pl_aten_layout(fn, false, b, x, g, n, PL_ATEN_AVX2, false);
            for (int i = 0; i < n; i++) mismatches += bits(a[i]) != bits(b[i]);
            count += n;
        }
    }
    for (int block = 0; block < 200; block++) {
        for (int i = 0; i < BLOCK; i++) {
            seed = seed * 1664525u + 1013904223u;
            xd[i] = ((double)seed / 4294967296.0 - 0.5) * (block % 2 ? 1500.0 : 40.0);
            gd[i] = ((double)(seed >> 3) / 536870912.0 - 0.5) * 4.0;
        }
        for (int fn = PL_ATEN_SILU; fn <= PL_ATEN_SILU_BACKWARD; fn++) {
            pl_aten_layout(fn, true, ad, xd, gd, BLOCK, PL_ATEN_AVX2, true);
            pl_aten_layout(fn, true, bd, xd, gd, BLOCK, PL_ATEN_AVX2, false);
            for (int i = 0; i < BLOCK; i++) mismatches += bits_d(ad[i]) != bits_d(bd[i]);
            count += BLOCK;
        }
    }
    printf("silu sweep: %lld values, %lld mismatches\n", count, mismatches);
    CHECK(mismatches == 0);
    /* silu(0) = 0, silu(inf) = inf, silu(-inf) = -inf / inf = nan as torch; silu'(0) = 1/2 */
    const float e[16] = {0.0f, INFINITY, -INFINITY, 1.0f, -1.0f, 200.0f, -200.0f, 20.0f};
    const float ones[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    pl_aten_layout(PL_ATEN_SILU, false, a, e, NULL, 16, PL_ATEN_AVX2, true);
    CHECK(a[0] == 0.0f && a[1] == INFINITY && isnan(a[2]) && a[5] == 200.0f && a[6] == -0.0f);
    pl_aten_layout(PL_ATEN_SILU_BACKWARD, false, a, e, ones, 16, PL_ATEN_AVX2, true);
    CHECK(a[0] == 0.5f && a[5] == 1.0f && a[6] == -0.0f);
}

/* exp(x - shift) of softmax's rows: AVX2 blocks against the plain reference */
static void
exp_shift_matches(void)
{
    static float in[BLOCK], a[BLOCK], b[BLOCK];
    static double ind[BLOCK], ad[BLOCK], bd[BLOCK];
    long long mismatches = 0;
    const float shifts[] = {0.0f, 1.5f, -3.25f, 80.0f, -80.0f};
    for (size_t k = 0; k < sizeof shifts / sizeof *shifts; k++) {
        uint64_t u = 0;
        while (u <= 0xffffffffull) {
            int n = 0;
            for (; n < BLOCK - 3 && u <= 0xffffffffull; u += 9973) {
                ind[n] = from_bits((uint32_t)u);
                in[n++] = from_bits((uint32_t)u);
            }
            pl_aten_exp_shift_f32(a, in, shifts[k], n, PL_ATEN_AVX2, true);
            pl_aten_exp_shift_f32(b, in, shifts[k], n, PL_ATEN_AVX2, false);
            pl_aten_exp_shift_f64(ad, ind, shifts[k], n, PL_ATEN_AVX2, true);
            pl_aten_exp_shift_f64(bd, ind, shifts[k], n, PL_ATEN_AVX2, false);
            for (int i = 0; i < n; i++) {
                mismatches += bits(a[i]) != bits(b[i]) && !(isnan(a[i]) && isnan(b[i]));
                mismatches += memcmp(&ad[i], &bd[i], sizeof(double)) != 0 &&
                              !(isnan(ad[i]) && isnan(bd[i]));
            }
        }
    }
    printf("exp shift: %lld mismatches\n", mismatches);
    CHECK(mismatches == 0);
}

/* SLEEF's 1-ulp log: within 1 ulp of log computed in double and rounded, and its edges */
static void
sleef_log_close(void)
{
    long long far = 0, count = 0;
    for (uint64_t u = 1; u < 0x7f800000ull; u += 101) {
        float x = from_bits((uint32_t)u), r = pl_sleef_logf(x);
        float want = (float)log((double)x);
        int32_t d = (int32_t)bits(r) - (int32_t)bits(want);
        if (r < 0) d = -d;
        far += d > 1 || d < -1;
        count++;
        double xd = (double)x * 1.2345678901234567, rd = pl_sleef_log(xd);
        double wd = log(xd);
        far += fabs(rd - wd) > 2.3e-16 * fabs(wd) + 5e-324;
    }
    printf("sleef log: %lld values, %lld beyond 1 ulp\n", count, far);
    CHECK(far == 0);
    CHECK(pl_sleef_logf(1.0f) == 0.0f && pl_sleef_logf(0.0f) == -INFINITY);
    CHECK(pl_sleef_logf(INFINITY) == INFINITY && isnan(pl_sleef_logf(-1.0f)));
    CHECK(isnan(pl_sleef_logf(NAN)) && pl_sleef_logf(-0.0f) == -INFINITY);
    CHECK(pl_sleef_log(1.0) == 0.0 && pl_sleef_log(0.0) == -INFINITY);
    CHECK(pl_sleef_log(INFINITY) == INFINITY && isnan(pl_sleef_log(-2.0)));
    CHECK(fabs(pl_sleef_log(4.9e-324) - log(4.9e-324)) < 1e-12);
}

int
main(void)
{
    exp_shift_matches();
    sleef_log_close();
    silu_lambdas();
    sweep();
    edges();
    sweep_f64();
    edges_f64();
    const int64_t sizes[] = {1, 15, 16, 31, 32, 33, 47, 100, 32767, 32768, 65537, 100003};
    for (int cap = PL_ATEN_DEFAULT; cap <= PL_ATEN_AVX512; cap++)
        for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++)
            for (int threads = 1; threads <= 2; threads++) {
                int ok = layout_matches(cap, sizes[k], threads);
                int ok64 = layout_matches_f64(cap, sizes[k], threads);
                if (!ok || !ok64)
                    fprintf(stderr, "layout %d, n %lld, %d threads: float32 %d, float64 %d\n",
                            cap, (long long)sizes[k], threads, ok, ok64);
                CHECK(ok && ok64);
            }
    if (failures) {
        printf("%d failures\n", failures);
        return 1;
    }
    printf("all ok\n");
    return 0;
}
