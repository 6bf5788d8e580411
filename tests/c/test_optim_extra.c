/* test_optim_extra.c — plain C tests of the group updates of csrc/core/optim_extra.c: Rprop
 * and ASGD against hand-computed dyadic values (exact in float32), version bumps, a group
 * whose last parameter is invalid (nothing written), the vector build against the reference
 * on a length that leaves a tail. (The Python tests compare every rule and option with torch.)
 *
 * Build and run from the repository root:
 *   cc -std=c11 -O2 -ffp-contract=off -Icsrc tests/c/test_optim_extra.c \
 *      $(find csrc/core -name '*.c') -lm -ldl -pthread -o test_optim_extra && ./test_optim_extra
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/optim.h"
#include "core/optim_extra.h"
#include "core/tensor.h"

static int failures = 0;

#define CHECK(cond)                                                                            \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);          \
            failures++;                                                                        \
        }                                                                                      \
    } while (0)

static pl_tensor *
vec_f32(const float *values, int64_t n)
{
    pl_tensor *t = pl_tensor_empty(1, &n, PL_FLOAT32);
    memcpy(pl_tensor_data(t), values, (size_t)n * sizeof(float));
    return t;
}

static const float *
f32(const pl_tensor *t)
{
    return (const float *)pl_tensor_data(t);
}

static void
test_rprop_exact(void)
{
    /* etas (0.5, 2), step sizes in [1/64, 1], all step sizes 0.25, prev 0.
     * step 1, g = [1, -1, 0]: sign(g * prev) = 0 -> factor 1; p -= sign(g) * 0.25
     *         p = [0.75, -1.75, 0.5], prev = g
     * step 2, g = [2, 1, -1]: signs [+, -, 0] -> factors [2, 0.5, 1] -> sizes [0.5, 0.125, 0.25]
     *         the flipped element is zeroed: g = [2, 0, -1]; p = [0.25, -1.75, 0.75] */
    const float p0[] = {1.0f, -2.0f, 0.5f}, zero[] = {0, 0, 0}, q[] = {0.25f, 0.25f, 0.25f};
    const float g1[] = {1.0f, -1.0f, 0.0f}, g2[] = {2.0f, 1.0f, -1.0f};
    pl_tensor *p = vec_f32(p0, 3), *prev = vec_f32(zero, 3), *size = vec_f32(q, 3);
    pl_tensor *ga = vec_f32(g1, 3), *gb = vec_f32(g2, 3);
    pl_rprop_config cfg = {0.5, 2.0, 1.0 / 64, 1.0, false};
    uint32_t vp = p->storage->version, vs = size->storage->version;
    CHECK(pl_rprop_step(&p, &ga, &prev, &size, 1, &cfg) == PL_OK);
    CHECK(f32(p)[0] == 0.75f && f32(p)[1] == -1.75f && f32(p)[2] == 0.5f);
    CHECK(pl_rprop_step(&p, &gb, &prev, &size, 1, &cfg) == PL_OK);
    CHECK(f32(p)[0] == 0.25f && f32(p)[1] == -1.75f && f32(p)[2] == 0.75f);
    CHECK(f32(size)[0] == 0.5f && f32(size)[1] == 0.125f && f32(size)[2] == 0.25f);
    CHECK(f32(prev)[0] == 2.0f && f32(prev)[1] == 0.0f && f32(prev)[2] == -1.0f);
    /* torch: param.addcmul_ once, step_size.mul_().clamp_() twice, per step */
    CHECK(p->storage->version == vp + 2 && size->storage->version == vs + 4);
    pl_tensor *all[] = {p, prev, size, ga, gb};
    for (int i = 0; i < 5; i++) {
        pl_tensor_release(all[i]);
    }
}

static void
test_asgd_scalar_state(void)
{
    /* eta = 0.5, mu = 1, lambd = 0.5: p = p * (1 - 0.25) - 0.5 * g; ax copies p (mu == 1);
     * then eta and mu take the caller's next values */
    const float p0[] = {2.0f, -4.0f}, g[] = {1.0f, 2.0f}, zero[] = {0, 0};
    pl_tensor *p = vec_f32(p0, 2), *gr = vec_f32(g, 2), *ax = vec_f32(zero, 2);
    pl_tensor *eta = pl_tensor_empty(0, NULL, PL_FLOAT32), *mu = pl_tensor_empty(0, NULL, PL_FLOAT32);
    *(float *)pl_tensor_data(eta) = 0.5f;
    *(float *)pl_tensor_data(mu) = 1.0f;
    const double new_eta = 0.1, new_mu = 0.25;
    pl_asgd_config cfg = {0.5, 0.0, false};
    CHECK(pl_asgd_step(&p, &gr, &ax, &eta, &mu, &new_eta, &new_mu, 1, &cfg) == PL_OK);
    CHECK(f32(p)[0] == 1.0f && f32(p)[1] == -4.0f);
    CHECK(f32(ax)[0] == 1.0f && f32(ax)[1] == -4.0f);
    CHECK(f32(eta)[0] == (float)0.1 && f32(mu)[0] == 0.25f);
    pl_tensor *all[] = {p, gr, ax, eta, mu};
    for (int i = 0; i < 5; i++) {
        pl_tensor_release(all[i]);
    }
}

static void
test_invalid_group_writes_nothing(void)
{
    const float v[] = {1.0f, 2.0f, 3.0f, 4.0f};
    pl_tensor *p[2] = {vec_f32(v, 4), vec_f32(v, 3)};
    pl_tensor *g[2] = {vec_f32(v, 4), vec_f32(v, 3)};
    pl_tensor *sq[2] = {vec_f32(v, 4), vec_f32(v, 4)}; /* the second has the wrong shape */
    pl_tensor *acc[2] = {vec_f32(v, 4), vec_f32(v, 3)};
    pl_adadelta_config cfg = {1.0, 0.9, 1e-6, 0.0, false};
    CHECK(pl_adadelta_step(p, g, sq, acc, 2, &cfg) == PL_ERR_RUNTIME);
    CHECK(strstr(pl_error_message(), "square_avg of parameter 1") != NULL);
    CHECK(memcmp(f32(p[0]), v, sizeof v) == 0 && memcmp(f32(sq[0]), v, sizeof v) == 0);
    CHECK(p[0]->storage->version == 0);
    for (int i = 0; i < 2; i++) {
        pl_tensor_release(p[i]);
        pl_tensor_release(g[i]);
        pl_tensor_release(sq[i]);
        pl_tensor_release(acc[i]);
    }
}

static void
test_vector_build_equals_reference(void)
{
    /* NAdam (a lane rule) over 1003 elements: 125 vectors of 8 and a tail of 3 */
    enum { N = 1003 };
    float pv[N], gv[N];
    uint32_t s = 777u;
    for (int i = 0; i < N; i++) {
        s = s * 1664525u + 1013904223u;
        pv[i] = (float)((int32_t)s) / 2147483648.0f;
        s = s * 1664525u + 1013904223u;
        gv[i] = (float)((int32_t)s) / 1073741824.0f;
    }
    float out[2][N];
    for (int ref = 0; ref < 2; ref++) {
        pl_optim_force_reference(ref == 1);
        float zeros[N] = {0};
        pl_tensor *p = vec_f32(pv, N), *g = vec_f32(gv, N);
        pl_tensor *m = vec_f32(zeros, N), *v = vec_f32(zeros, N);
        pl_tensor *mp = pl_tensor_empty(0, NULL, PL_FLOAT32);
        *(float *)pl_tensor_data(mp) = 1.0f;
        pl_nadam_config cfg = {2e-3, 0.9, 0.999, 1e-8, 0.1, true, false};
        for (int k = 1; k <= 3; k++) {
            double bc2 = 1 - pow(0.999, k), mu = 0.9 * (1 - 0.5 * pow(0.96, k * 4e-3));
            double mu_next = 0.9 * (1 - 0.5 * pow(0.96, (k + 1) * 4e-3));
            CHECK(pl_nadam_step(&p, &g, &m, &v, &mp, &bc2, &mu, &mu_next, 1, &cfg) == PL_OK);
        }
        memcpy(out[ref], pl_tensor_data(p), sizeof out[ref]);
        pl_tensor *all[] = {p, g, m, v, mp};
        for (int i = 0; i < 5; i++) {
            pl_tensor_release(all[i]);
        }
    }
    pl_optim_force_reference(false);
    CHECK(memcmp(out[0], out[1], sizeof out[0]) == 0);
}

int
main(void)
{
    test_rprop_exact();
    test_asgd_scalar_state();
    test_invalid_group_writes_nothing();
    test_vector_build_equals_reference();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("test_optim_extra: ok\n");
    return 0;
}
