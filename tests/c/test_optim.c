/* test_optim.c — plain C tests of the core's fused update rules (csrc/core/optim.c):
 * SGD against hand-computed dyadic values (exact in float32), the reference kernels against
 * the FMA build, version bumps, and argument errors.
 *
 * Build and run from the repository root:
 *   cc -std=c11 -O2 -ffp-contract=off -Icsrc tests/c/test_optim.c \
 *      $(find csrc/core -name '*.c') -lm -ldl -pthread -o test_optim && ./test_optim
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/optim.h"
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

static void
test_sgd_momentum_exact(void)
{
    /* p = [1, -2], g1 = [0.5, 1], g2 = [1, -0.5], lr = 0.25, momentum = 0.5, dampening 0.5
     * step 1: buf = g1 = [0.5, 1];                 p = [0.875, -2.25]
     * step 2: buf = 0.5*buf + 0.5*g2 = [0.75, 0.25]; p = [0.6875, -2.3125] */
    const float p0[] = {1.0f, -2.0f}, g1[] = {0.5f, 1.0f}, g2[] = {1.0f, -0.5f};
    pl_tensor *p = vec_f32(p0, 2), *ga = vec_f32(g1, 2), *gb = vec_f32(g2, 2);
    pl_tensor *buf = NULL;
    pl_sgd_config cfg = {0.25, 0.5, 0.5, 0.0, false, false};
    uint32_t v0 = p->storage->version;
    CHECK(pl_sgd_step(&p, &ga, &buf, 1, &cfg) == PL_OK);
    CHECK(buf != NULL);
    CHECK(p->storage->version == v0 + 1);
    const float *d = (const float *)pl_tensor_data(p);
    CHECK(d[0] == 0.875f && d[1] == -2.25f);
    pl_tensor *held = buf;
    CHECK(pl_sgd_step(&p, &gb, &buf, 1, &cfg) == PL_OK);
    CHECK(buf == held); /* an existing buffer is updated in place */
    const float *b = (const float *)pl_tensor_data(buf);
    CHECK(b[0] == 0.75f && b[1] == 0.25f);
    CHECK(d[0] == 0.6875f && d[1] == -2.3125f);
    pl_tensor_release(buf);
    pl_tensor_release(p);
    pl_tensor_release(ga);
    pl_tensor_release(gb);
}

static void
test_reference_equals_fast(void)
{
    enum { N = 1003 };
    float pv[N], gv[N];
    uint32_t s = 12345u;
    for (int i = 0; i < N; i++) {
        s = s * 1664525u + 1013904223u;
        pv[i] = (float)((int32_t)s) / 2147483648.0f;
        s = s * 1664525u + 1013904223u;
        gv[i] = (float)((int32_t)s) / 1073741824.0f;
    }
    float out[2][N];
    for (int ref = 0; ref < 2; ref++) {
        pl_optim_force_reference(ref == 1);
        pl_tensor *p = vec_f32(pv, N), *g = vec_f32(gv, N), *buf = NULL;
        pl_sgd_config cfg = {0.01, 0.9, 0.0, 1e-4, true, false};
        for (int k = 0; k < 3; k++) {
            CHECK(pl_sgd_step(&p, &g, &buf, 1, &cfg) == PL_OK);
        }
        memcpy(out[ref], pl_tensor_data(p), sizeof out[ref]);
        pl_tensor_release(p);
        pl_tensor_release(g);
        pl_tensor_release(buf);
    }
    pl_optim_force_reference(false);
    CHECK(memcmp(out[0], out[1], sizeof out[0]) == 0);
}

static void
test_errors(void)
{
    const float one[] = {1.0f, 2.0f, 3.0f};
    pl_tensor *p = vec_f32(one, 2), *g = vec_f32(one, 3);
    pl_sgd_config cfg = {0.1, 0.0, 0.0, 0.0, false, false};
    CHECK(pl_sgd_step(&p, &g, NULL, 1, &cfg) == PL_ERR_RUNTIME);
    CHECK(strstr(pl_error_message(), "shape") != NULL);
    CHECK(((const float *)pl_tensor_data(p))[0] == 1.0f); /* nothing written */
    int64_t n = 2;
    pl_tensor *gi = pl_tensor_zeros(1, &n, PL_INT64);
    CHECK(pl_sgd_step(&p, &gi, NULL, 1, &cfg) == PL_ERR_RUNTIME);
    pl_tensor_release(gi);
    pl_tensor_release(p);
    pl_tensor_release(g);
}

int
main(void)
{
    test_sgd_momentum_exact();
    test_reference_equals_fast();
    test_errors();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("test_optim: ok\n");
    return 0;
}
