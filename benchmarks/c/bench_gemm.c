/* bench_gemm.c — times pl_sgemm / pl_dgemm on a few shapes (best of several runs).
 * Usage: bench_gemm [path] [threads] [d] [MxNxK[t]...]   ('t' suffix: B transposed) */
#define _POSIX_C_SOURCE 199309L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/gemm.h"
#include "core/parallel.h"

static double
now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void
bench(int dbl, long M, long N, long K, int tb)
{
    size_t es = dbl ? sizeof(double) : sizeof(float);
    void *A = malloc(es * (size_t)(M * K)), *B = malloc(es * (size_t)(K * N));
    void *C = malloc(es * (size_t)(M * N));
    for (long i = 0; i < M * K; i++) {
        if (dbl) ((double *)A)[i] = (double)(i % 7) - 3;
        else ((float *)A)[i] = (float)(i % 7) - 3;
    }
    for (long i = 0; i < K * N; i++) {
        if (dbl) ((double *)B)[i] = (double)(i % 5) - 2;
        else ((float *)B)[i] = (float)(i % 5) - 2;
    }
    double flop = 2.0 * (double)M * (double)N * (double)K;
    long reps = (long)(2e8 / flop) + 1;
    double best = 1e30;
    for (int r = 0; r < 7; r++) {
        double t = now();
        for (long i = 0; i < reps; i++) {
            if (dbl)
                pl_dgemm(0, tb, M, N, K, 1.0, A, K, B, tb ? K : N, 0.0, C, N);
            else
                pl_sgemm(0, tb, M, N, K, 1.0f, A, K, B, tb ? K : N, 0.0f, C, N);
        }
        t = (now() - t) / (double)reps;
        if (t < best) best = t;
    }
    printf("%s %s threads=%d %ldx%ldx%ld%s: %10.2f us  %7.1f GFLOP/s\n", pl_gemm_get_path(),
           dbl ? "dgemm" : "sgemm", pl_parallel_get_num_threads(), M, N, K, tb ? " (B^T)" : "",
           best * 1e6, flop / best * 1e-9);
    free(A);
    free(B);
    free(C);
}

int
main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "-") != 0 && !pl_gemm_set_path(argv[1])) {
        fprintf(stderr, "path %s not supported\n", argv[1]);
        return 1;
    }
    if (argc > 2) pl_parallel_set_num_threads(atoi(argv[2]));
    int dbl = argc > 3 && strcmp(argv[3], "d") == 0;
    for (int i = 4; i < argc; i++) {
        long M, N, K;
        char t = 0;
        if (sscanf(argv[i], "%ldx%ldx%ld%c", &M, &N, &K, &t) >= 3) bench(dbl, M, N, K, t == 't');
    }
    return 0;
}
