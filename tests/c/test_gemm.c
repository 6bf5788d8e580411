/* test_gemm.c — checks every GEMM kernel path (ref, generic, avx2, avx512 where the CPU has
 * it) against a double-precision reference on many shapes, transpositions, strides, alpha
 * and beta; also the threaded split, concurrent callers and use after fork().
 * Prints each failure and exits non-zero if any check fails.
 * Usage: test_gemm                  all paths, shapes, threads, fork
 *        test_gemm --large-only     1024^3 products on the best path
 *        test_gemm --print-path     the path chosen from PYTORCHLITE_GEMM */
#define _GNU_SOURCE
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/gemm.h"
#include "core/parallel.h"

static int failures;
static unsigned long long rng_state = 88172645463325252ULL;

static double
urand(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) / 9007199254740992.0 * 2.0 - 1.0;
}

typedef struct shape {
    int64_t M, N, K;
} shape;

/* One product in float (dbl = 0) or double (dbl = 1), checked element-wise against
 * C = alpha * op(A) op(B) + beta * C0 computed in double with an error bound that scales
 * with K and the magnitudes involved. `pad` widens lda/ldb/ldc; padding must stay intact. */
static void
check_one(int dbl, int ta, int tb, shape s, double alpha, double beta, int64_t pad,
          const char *path)
{
    const int64_t M = s.M, N = s.N, K = s.K;
    const int64_t ar = ta ? K : M, ac = ta ? M : K, br = tb ? N : K, bc = tb ? K : N;
    const int64_t lda = ac + pad, ldb = bc + pad, ldc = N + pad;
    double *A = malloc(sizeof(double) * (size_t)(ar * lda));
    double *B = malloc(sizeof(double) * (size_t)(br * ldb));
    double *C0 = malloc(sizeof(double) * (size_t)(M * ldc));
    double *R = malloc(sizeof(double) * (size_t)(M * ldc));
    double *Aa = malloc(sizeof(double) * (size_t)(ar * lda));
    double *Ba = malloc(sizeof(double) * (size_t)(br * ldb));
    double *Bound = malloc(sizeof(double) * (size_t)(M * ldc));
    for (int64_t i = 0; i < ar * lda; i++) Aa[i] = fabs(A[i] = urand());
    for (int64_t i = 0; i < br * ldb; i++) Ba[i] = fabs(B[i] = urand());
    for (int64_t i = 0; i < M * ldc; i++) C0[i] = urand();
    /* reference and |alpha| |op(A)| |op(B)| + |beta C0| in double */
    memcpy(R, C0, sizeof(double) * (size_t)(M * ldc));
    pl_dgemm_ref(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, R, ldc);
    for (int64_t i = 0; i < M * ldc; i++) Bound[i] = fabs(beta * C0[i]);
    pl_dgemm_ref(ta, tb, M, N, K, fabs(alpha), Aa, lda, Ba, ldb, 1.0, Bound, ldc);
    const double eps = dbl ? 1.1102230246251565e-16 : 5.960464477539063e-08;
    const double tol = 4.0 * (double)(K + 4) * eps;

    int bad = 0;
    double worst = 0;
    if (dbl) {
        double *C = malloc(sizeof(double) * (size_t)(M * ldc));
        for (int64_t i = 0; i < M * ldc; i++) C[i] = beta == 0 && i % ldc < N ? NAN : C0[i];
        pl_dgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        for (int64_t i = 0; i < M * ldc; i++) {
            double want = i % ldc < N ? R[i] : C0[i];
            double err = fabs(C[i] - want);
            double lim = i % ldc < N ? tol * Bound[i] + 1e-300 : 0;
            if (!(err <= lim)) bad++;
            if (err / (Bound[i] + 1e-300) > worst) worst = err / (Bound[i] + 1e-300);
        }
        free(C);
    } else {
        float *Af = malloc(sizeof(float) * (size_t)(ar * lda));
        float *Bf = malloc(sizeof(float) * (size_t)(br * ldb));
        float *C = malloc(sizeof(float) * (size_t)(M * ldc));
        /* the inputs as floats, and the reference recomputed from the rounded inputs */
        for (int64_t i = 0; i < ar * lda; i++) A[i] = Af[i] = (float)A[i];
        for (int64_t i = 0; i < br * ldb; i++) B[i] = Bf[i] = (float)B[i];
        for (int64_t i = 0; i < M * ldc; i++) C0[i] = (float)C0[i];
        memcpy(R, C0, sizeof(double) * (size_t)(M * ldc));
        pl_dgemm_ref(ta, tb, M, N, K, (float)alpha, A, lda, B, ldb, (float)beta, R, ldc);
        for (int64_t i = 0; i < M * ldc; i++)
            C[i] = beta == 0 && i % ldc < N ? NAN : (float)C0[i];
        pl_sgemm(ta, tb, M, N, K, (float)alpha, Af, lda, Bf, ldb, (float)beta, C, ldc);
        for (int64_t i = 0; i < M * ldc; i++) {
            double want = i % ldc < N ? R[i] : C0[i];
            double err = fabs((double)C[i] - want);
            double lim = i % ldc < N ? tol * Bound[i] + 1e-30 : 0;
            if (!(err <= lim)) bad++;
            if (err / (Bound[i] + 1e-30) > worst) worst = err / (Bound[i] + 1e-30);
        }
        free(Af);
        free(Bf);
        free(C);
    }
    if (bad) {
        failures++;
        printf("FAIL %s %s M=%lld N=%lld K=%lld ta=%d tb=%d alpha=%g beta=%g pad=%lld: "
               "%d bad elements, worst relative error %.3g (tol %.3g)\n",
               path, dbl ? "dgemm" : "sgemm", (long long)M, (long long)N, (long long)K, ta, tb,
               alpha, beta, (long long)pad, bad, worst, tol);
    }
    free(A);
    free(B);
    free(C0);
    free(R);
    free(Aa);
    free(Ba);
    free(Bound);
}

static const shape shapes[] = {
    {1, 1, 1},    {2, 3, 4},     {4, 4, 4},     {10, 2, 4},     {3, 5, 2},     {13, 1, 7},
    {1, 37, 19},  {7, 16, 1},    {12, 32, 8},   {17, 33, 65},   {31, 31, 31},  {64, 64, 64},
    {65, 129, 257}, {100, 50, 300}, {13, 200, 600}, {300, 70, 90}, {64, 256, 784},
    {25, 3100, 40}, {200, 300, 530}, {150, 3100, 20}, {5, 700, 600},
    {130, 45, 160}, {97, 70, 140},
    /* a few rows against B^T: the dot-product path (and its split over threads) */
    {1, 1024, 256}, {2, 9, 13}, {3, 1001, 259}, {4, 2050, 1030},
};

static void
check_path(const char *path)
{
    if (!pl_gemm_set_path(path)) {
        printf("skip %s: not supported on this CPU\n", path);
        return;
    }
    const double alphas[] = {1.0, -0.75};
    const double betas[] = {0.0, 1.0, 0.5};
    int before = failures;
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
        shape s = shapes[si];
        int big = s.M * s.N * s.K > 1000000;
        for (int dbl = 0; dbl < 2; dbl++)
            for (int t = 0; t < 4; t++)
                for (int ai = 0; ai < 2; ai++)
                    for (int bi = 0; bi < 3; bi++)
                        for (int64_t pad = 0; pad <= 3; pad += 3) {
                            /* large shapes: one alpha/beta/pad mix per transposition */
                            if (big && (ai != (t & 1) || bi != t % 3 || pad != 3 * (t >> 1)))
                                continue;
                            check_one(dbl, t & 1, t >> 1, s, alphas[ai], betas[bi], pad, path);
                        }
    }
    printf("%s: %s\n", path, failures == before ? "ok" : "FAILED");
}

/* Several threads calling sgemm at once (each its own C) while the pool is in use. */
static void *
concurrent_worker(void *arg)
{
    (void)arg;
    shape s = {150, 160, 170};
    check_one(0, 0, 1, s, 1.0, 0.0, 0, "concurrent");
    check_one(1, 1, 0, s, 0.5, 1.0, 1, "concurrent");
    return NULL;
}

static void
check_threads(void)
{
    pthread_t th[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, concurrent_worker, NULL);
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);

    /* the pool after fork: the child must be able to run parallel products */
    pid_t pid = fork();
    if (pid == 0) {
        int before = failures;
        shape s = {200, 300, 530};
        check_one(0, 0, 0, s, 1.0, 0.0, 0, "after-fork");
        _exit(failures == before ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        failures++;
        printf("FAIL after fork: child status %d\n", status);
    }
}

static void
check_empty(void)
{
    /* K == 0 and alpha == 0: C = beta * C, A and B not read */
    float C[6] = {1, 2, 3, 4, 5, 6};
    float Cn[6] = {NAN, NAN, NAN, NAN, NAN, NAN};
    float Anan[6] = {NAN, NAN, NAN, NAN, NAN, NAN};
    pl_sgemm(false, false, 2, 3, 0, 1.0f, NULL, 1, NULL, 3, 2.0f, C, 3);
    pl_sgemm(false, false, 2, 3, 2, 0.0f, Anan, 2, Anan, 3, 0.0f, Cn, 3);
    for (int i = 0; i < 6; i++) {
        if (C[i] != 2.0f * (float)(i + 1) || Cn[i] != 0.0f) {
            failures++;
            printf("FAIL empty / alpha=0 product at %d: %g %g\n", i, C[i], Cn[i]);
            break;
        }
    }
}

int
main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *mode = argc > 1 ? argv[1] : "";
    const char *paths[] = {"ref", "generic", "avx2", "avx512"};
    const char *best = pl_gemm_path_supported("avx512") ? "avx512"
                       : pl_gemm_path_supported("avx2") ? "avx2" : "generic";
    if (strcmp(mode, "--print-path") == 0) {
        /* the path chosen from the environment, whether the requested one is supported
         * here, and the best supported path */
        const char *env = getenv("PYTORCHLITE_GEMM");
        printf("%s\n%s\n%s\n", pl_gemm_get_path(),
               env && pl_gemm_path_supported(env) ? "supported" : "unsupported", best);
        return 0;
    }
    if (strcmp(mode, "--large-only") == 0) {
        shape s = {1024, 1024, 1024};
        check_one(0, 0, 0, s, 1.0, 0.0, 0, best);
        check_one(0, 1, 1, s, -0.5, 0.5, 0, best);
        check_one(1, 0, 1, s, 1.0, 0.0, 0, best);
        printf("%s (%d failures)\n", failures ? "FAILED" : "all ok", failures);
        return failures ? 1 : 0;
    }
    for (int threads = 1; threads <= 2; threads++) {
        pl_parallel_set_num_threads(threads);
        printf("threads=%d\n", threads);
        for (int p = threads == 1 ? 0 : 1; p < 4; p++) check_path(paths[p]);
    }
    /* the best path, threaded */
    pl_gemm_set_path(best);
    check_empty();
    check_threads();
    printf("%s (%d failures)\n", failures ? "FAILED" : "all ok", failures);
    return failures ? 1 : 0;
}
