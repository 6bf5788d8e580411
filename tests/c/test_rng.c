/* test_rng.c — plain C tests of the core's random streams (csrc/core/rng*.c).
 *
 * Build and run from the repository root:
 *   cc -std=c11 -O2 -ffp-contract=off -pthread -Icsrc tests/c/test_rng.c csrc/core/*.c csrc/core/ops/*.c \
 *      -lm -o test_rng && ./test_rng
 * With no argument it runs self-checks (standard mt19937 values, word counts derived from the
 * algorithms, state round trips, argument errors) and exits non-zero on failure.
 * `./test_rng print` prints sample streams as hex, one line per case, which
 * tests/parity/test_random_parity.py compares against torch.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/rng.h"
#include "core/tensor.h"

static int failures = 0;

#define CHECK(cond, ...)                                                                      \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            failures++;                                                                       \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                              \
            fprintf(stderr, __VA_ARGS__);                                                     \
            fprintf(stderr, "\n");                                                            \
        }                                                                                     \
    } while (0)

/* Number of 32-bit words g has consumed since (seed) — by replaying a fresh engine. */
static int64_t
words_used(const pl_generator *g, uint64_t seed)
{
    pl_generator probe;
    pl_generator_manual_seed(&probe, seed);
    for (int64_t n = 0; n < 1000000; n++) {
        if (probe.left == g->left && probe.next == g->next &&
            memcmp(probe.state, g->state, sizeof probe.state) == 0)
            return n;
        pl_generator_random(&probe);
    }
    return -1;
}

static void
test_engine(void)
{
    pl_generator g;
    /* The C++ standard requires the 10000th output of mt19937 seeded 5489 to be 4123659995. */
    pl_generator_manual_seed(&g, 5489);
    uint32_t w = 0;
    for (int i = 0; i < 10000; i++)
        w = pl_generator_random(&g);
    CHECK(w == 4123659995u, "mt19937 10000th word %u", w);
    pl_generator_manual_seed(&g, 0);
    CHECK(pl_generator_random(&g) == 2357136044u, "seed 0 first word");
    /* only the low 32 bits of the seed reach the engine; initial_seed keeps all 64 */
    pl_generator a, b;
    pl_generator_manual_seed(&a, 5);
    pl_generator_manual_seed(&b, 5 + (UINT64_C(1) << 40));
    CHECK(pl_generator_random64(&a) == pl_generator_random64(&b), "low 32 bits");
    CHECK(pl_generator_initial_seed(&b) == 5 + (UINT64_C(1) << 40), "initial seed");
    pl_generator_init(&a);
    CHECK(pl_generator_initial_seed(&a) == UINT64_C(67280421310721), "default seed");
    /* random64: first word is the high half */
    pl_generator_manual_seed(&a, 9);
    pl_generator_manual_seed(&b, 9);
    uint64_t hi = pl_generator_random(&a), lo = pl_generator_random(&a);
    CHECK(pl_generator_random64(&b) == ((hi << 32) | lo), "random64 order");
}

static void
test_state(void)
{
    pl_generator g, h;
    uint8_t st[PL_RNG_STATE_SIZE];
    pl_generator_manual_seed(&g, 1234);
    int64_t shape[1] = {3};
    pl_tensor *t = pl_tensor_empty(1, shape, PL_FLOAT64);
    CHECK(pl_normal_(t, 0.0, 1.0, &g) == PL_OK, "normal");
    CHECK(g.normal_cache_valid, "odd scalar normal count leaves a cached sample");
    pl_generator_get_state(&g, st);
    pl_generator_init(&h);
    CHECK(pl_generator_set_state(&h, st, PL_RNG_STATE_SIZE) == PL_OK, "set_state");
    CHECK(h.normal_cache_valid && h.normal_cache == g.normal_cache, "cache survives");
    for (int i = 0; i < 1000; i++)
        CHECK(pl_generator_random(&g) == pl_generator_random(&h), "stream after set_state");
    CHECK(pl_generator_set_state(&h, st, 10) == PL_ERR_RUNTIME, "short state rejected");
    st[8] = 0; /* left = 0 */
    memset(st + 8, 0, 4);
    CHECK(pl_generator_set_state(&h, st, PL_RNG_STATE_SIZE) == PL_ERR_RUNTIME &&
              strcmp(pl_error_message(), "Invalid mt19937 state") == 0,
          "invalid state rejected: %s", pl_error_message());
    pl_tensor_release(t);
}

/* Word counts follow from the algorithms: uniform f32 one word, f64 two; the normal fills
 * draw n (+16 if n % 16) uniforms; the scalar normal path draws 4 words per pair. */
static void
test_word_counts(void)
{
    struct {
        pl_dtype dtype;
        int64_t n;
        int kind; /* 0 uniform, 1 normal */
        int64_t words;
    } cases[] = {
        {PL_FLOAT32, 17, 0, 17}, {PL_FLOAT64, 17, 0, 34},  {PL_FLOAT32, 17, 1, 33},
        {PL_FLOAT64, 17, 1, 66}, {PL_FLOAT32, 5, 1, 12},   {PL_FLOAT64, 16, 1, 32},
        {PL_FLOAT32, 32, 1, 32}, {PL_FLOAT32, 1, 1, 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pl_generator g;
        pl_generator_manual_seed(&g, 7);
        int64_t shape[1] = {cases[i].n};
        pl_tensor *t = pl_tensor_empty(1, shape, cases[i].dtype);
        pl_status st = cases[i].kind == 0 ? pl_uniform_(t, 0.0, 1.0, &g)
                                          : pl_normal_(t, 0.0, 1.0, &g);
        CHECK(st == PL_OK, "fill");
        int64_t used = words_used(&g, 7);
        CHECK(used == cases[i].words, "case %zu: %" PRId64 " words, expected %" PRId64, i, used,
              cases[i].words);
        pl_tensor_release(t);
    }
}

static void
test_ranges_and_errors(void)
{
    pl_generator g;
    pl_generator_manual_seed(&g, 3);
    int64_t shape[1] = {1000};
    pl_tensor *t = pl_tensor_empty(1, shape, PL_FLOAT32);
    CHECK(pl_uniform_(t, -2.0, 3.0, &g) == PL_OK, "uniform");
    const float *d = (const float *)pl_tensor_data(t);
    for (int i = 0; i < 1000; i++)
        CHECK(d[i] >= -2.0f && d[i] < 3.0f, "uniform range %g", d[i]);
    CHECK(pl_uniform_(t, 1.0, 0.0, &g) == PL_ERR_RUNTIME, "from > to");
    CHECK(pl_normal_(t, 0.0, -1.0, &g) == PL_ERR_RUNTIME, "negative std");
    CHECK(pl_bernoulli_scalar_(t, 1.5, &g) == PL_ERR_RUNTIME, "p > 1");
    CHECK(pl_geometric_(t, 1.0, &g) == PL_ERR_RUNTIME, "p = 1");
    pl_tensor *li = pl_tensor_empty(1, shape, PL_INT64);
    CHECK(pl_random_from_to_(li, 5, true, 5, &g) == PL_ERR_RUNTIME &&
              strcmp(pl_error_message(), "random_ expects 'from' to be less than 'to', but got "
                                         "from=5 >= to=5") == 0,
          "random_ message: %s", pl_error_message());
    CHECK(pl_random_from_to_(li, -3, true, 4, &g) == PL_OK, "random_");
    const int64_t *v = (const int64_t *)pl_tensor_data(li);
    for (int i = 0; i < 1000; i++)
        CHECK(v[i] >= -3 && v[i] < 4, "random_ range %" PRId64, v[i]);
    CHECK(pl_uniform_(li, 0.0, 1.0, &g) == PL_ERR_NOTIMPL, "uniform_ on int64");
    pl_tensor *perm = pl_randperm(50, PL_INT64, &g);
    CHECK(perm != NULL, "randperm");
    int seen[50] = {0};
    for (int i = 0; i < 50; i++)
        seen[((int64_t *)pl_tensor_data(perm))[i]]++;
    for (int i = 0; i < 50; i++)
        CHECK(seen[i] == 1, "randperm is a permutation");
    pl_tensor_release(perm);
    pl_tensor_release(li);
    pl_tensor_release(t);
}

/* Gamma, Dirichlet, Poisson, binomial (rng_gamma.c, rng_count.c): ranges, the cases that draw
 * nothing, and dtype errors. */
static void
test_gamma_family(void)
{
    pl_generator g;
    pl_generator_manual_seed(&g, 11);
    int64_t shape[2] = {50, 4};
    pl_tensor *alpha = pl_tensor_full(2, shape, PL_FLOAT32, 0.25);
    pl_tensor *x = pl_standard_gamma(alpha, &g);
    CHECK(x != NULL && x->dtype == PL_FLOAT32 && x->numel == 200, "standard_gamma");
    for (int64_t i = 0; x != NULL && i < x->numel; i++)
        CHECK(((const float *)pl_tensor_data(x))[i] >= 0x1p-126f, "gamma >= FLT_MIN");
    pl_tensor *dir = pl_sample_dirichlet(alpha, &g);
    CHECK(dir != NULL, "sample_dirichlet");
    for (int64_t r = 0; dir != NULL && r < 50; r++) {
        const float *row = (const float *)pl_tensor_data(dir) + 4 * r;
        double sum = (double)row[0] + row[1] + row[2] + row[3];
        CHECK(fabs(sum - 1.0) < 1e-5, "dirichlet row %" PRId64 " sums to %g", r, sum);
    }
    /* alpha 0 gives FLT_MIN without a draw, like a rate-0 Poisson and a p=0 / p=1 binomial */
    pl_tensor *zero = pl_tensor_zeros(2, shape, PL_FLOAT64);
    pl_tensor *one = pl_tensor_full(2, shape, PL_FLOAT64, 1.0);
    pl_tensor *count = pl_tensor_full(2, shape, PL_FLOAT64, 7.0);
    pl_generator_manual_seed(&g, 12);
    pl_tensor *g0 = pl_standard_gamma(zero, &g);
    pl_tensor *p0 = pl_poisson(zero, &g);
    pl_tensor *b0 = pl_binomial(count, zero, &g);
    pl_tensor *b1 = pl_binomial(count, one, &g);
    CHECK(words_used(&g, 12) == 0, "degenerate samplers draw no words");
    CHECK(g0 != NULL && p0 != NULL && b0 != NULL && b1 != NULL, "degenerate samplers");
    if (g0 != NULL && p0 != NULL && b0 != NULL && b1 != NULL) {
        CHECK(((const double *)pl_tensor_data(g0))[5] == 0x1p-1022, "gamma(0)");
        CHECK(((const double *)pl_tensor_data(p0))[5] == 0.0, "poisson(0)");
        CHECK(((const double *)pl_tensor_data(b0))[5] == 0.0, "binomial(7, 0)");
        CHECK(((const double *)pl_tensor_data(b1))[5] == 7.0, "binomial(7, 1)");
    }
    pl_tensor *ints = pl_tensor_zeros(2, shape, PL_INT64);
    CHECK(pl_standard_gamma(ints, &g) == NULL && pl_error_status() == PL_ERR_NOTIMPL,
          "gamma on int64");
    pl_tensor *neg = pl_tensor_full(2, shape, PL_FLOAT64, -1.0);
    CHECK(pl_poisson(neg, &g) == NULL && pl_error_status() == PL_ERR_RUNTIME, "negative rate");
    pl_tensor *scalar = pl_tensor_scalar(1.0, PL_FLOAT64);
    CHECK(pl_sample_dirichlet(scalar, &g) == NULL && pl_error_status() == PL_ERR_INDEX,
          "dirichlet of a 0-dim tensor");
    pl_tensor *ts[] = {alpha, x, dir, zero, one, count, g0, p0, b0, b1, ints, neg, scalar};
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++)
        pl_tensor_release(ts[i]);
}

/* ---- print mode: hex streams for the parity test ---- */

static void
print_tensor(const char *name, pl_tensor *t)
{
    printf("%s", name);
    const char *base = pl_tensor_data(t);
    for (int64_t i = 0; i < t->numel; i++) {
        if (t->dtype == PL_FLOAT32)
            printf(" %a", (double)((const float *)base)[i]);
        else if (t->dtype == PL_FLOAT64)
            printf(" %a", ((const double *)base)[i]);
        else
            printf(" %" PRId64, ((const int64_t *)base)[i]);
    }
    printf("\n");
}

static void
print_cases(void)
{
    static const int64_t sizes[] = {1, 15, 16, 17, 1000, 1001};
    static const pl_dtype dtypes[] = {PL_FLOAT32, PL_FLOAT64};
    for (int di = 0; di < 2; di++) {
        for (int si = 0; si < 6; si++) {
            int64_t shape[1] = {sizes[si]};
            const char *dn = dtypes[di] == PL_FLOAT32 ? "float32" : "float64";
            char name[64];
            pl_generator g;
            pl_tensor *t = pl_tensor_empty(1, shape, dtypes[di]);
            pl_generator_manual_seed(&g, 0);
            pl_uniform_(t, -0.5, 2.0, &g);
            snprintf(name, sizeof name, "uniform %s %" PRId64, dn, sizes[si]);
            print_tensor(name, t);
            pl_generator_manual_seed(&g, 0);
            pl_normal_(t, 0.3, 1.7, &g);
            snprintf(name, sizeof name, "normal %s %" PRId64, dn, sizes[si]);
            print_tensor(name, t);
            pl_generator_manual_seed(&g, 0);
            pl_exponential_(t, 1.5, &g);
            snprintf(name, sizeof name, "exponential %s %" PRId64, dn, sizes[si]);
            print_tensor(name, t);
            pl_tensor_release(t);
        }
    }
    pl_generator g;
    pl_generator_manual_seed(&g, 0);
    pl_tensor *p = pl_randperm(20, PL_INT64, &g);
    print_tensor("randperm int64 20", p);
    pl_tensor_release(p);
    /* samplers with a parameter tensor: every element the same parameter, 300 of them */
    for (int di = 0; di < 2; di++) {
        const char *dn = dtypes[di] == PL_FLOAT32 ? "float32" : "float64";
        int64_t shape[2] = {100, 3};
        pl_tensor *a = pl_tensor_full(2, shape, dtypes[di], 0.7);
        pl_tensor *r = pl_tensor_full(2, shape, dtypes[di], 12.5);
        pl_tensor *n = pl_tensor_full(2, shape, dtypes[di], 40.0);
        pl_tensor *q = pl_tensor_full(2, shape, dtypes[di], 0.35);
        char name[64];
        struct {
            const char *kind;
            pl_tensor *(*one)(const pl_tensor *, pl_generator *);
        } unary[] = {{"gamma", pl_standard_gamma}, {"dirichlet", pl_sample_dirichlet},
                     {"poisson", pl_poisson}};
        for (size_t k = 0; k < 3; k++) {
            pl_generator_manual_seed(&g, 0);
            pl_tensor *t = unary[k].one(k == 2 ? r : a, &g);
            snprintf(name, sizeof name, "%s %s 300", unary[k].kind, dn);
            print_tensor(name, t);
            pl_tensor_release(t);
        }
        pl_generator_manual_seed(&g, 0);
        pl_tensor *t = pl_binomial(n, q, &g);
        snprintf(name, sizeof name, "binomial %s 300", dn);
        print_tensor(name, t);
        pl_tensor_release(t);
        pl_tensor_release(a);
        pl_tensor_release(r);
        pl_tensor_release(n);
        pl_tensor_release(q);
    }
}

int
main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "print") == 0) {
        print_cases();
        return 0;
    }
    test_engine();
    test_state();
    test_word_counts();
    test_ranges_and_errors();
    test_gamma_family();
    if (failures) {
        fprintf(stderr, "%d failure(s)\n", failures);
        return 1;
    }
    printf("test_rng: all passed\n");
    return 0;
}
