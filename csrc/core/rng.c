/* rng.c — PyTorch's CPU generator: the mt19937 engine, seeding, the default generator and
 * the serialised state (torch.get_rng_state's byte layout). The distributions live in
 * rng_continuous.c and rng_discrete.c.
 */
#include "rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ------------------------------------------------------------------------------------------
 * mt19937 engine
 * ---------------------------------------------------------------------------------------- */

#define MT_M 397
#define MT_MATRIX_A 0x9908B0DFu
#define MT_UPPER 0x80000000u
#define MT_LOWER 0x7FFFFFFFu

void
pl_generator_manual_seed(pl_generator *g, uint64_t seed)
{
    g->seed = seed;
    g->seeded = true;
    g->state[0] = (uint32_t)(seed & 0xFFFFFFFFu);
    for (uint32_t j = 1; j < PL_MT_N; j++) {
        uint32_t prev = g->state[j - 1];
        g->state[j] = 1812433253u * (prev ^ (prev >> 30)) + j;
    }
    g->left = 1;
    g->next = 0;
    g->normal_cache = 0.0;
    g->normal_cache_valid = false;
    g->float_normal_cache = 0.0f;
    g->float_normal_cache_valid = false;
}

void
pl_generator_init(pl_generator *g)
{
    pl_generator_manual_seed(g, PL_RNG_DEFAULT_SEED);
}

static void
mt_twist(pl_generator *g)
{
    /* in place, k = 0 .. N-1 in order: st[k] from st[k], st[(k + 1) % N], st[(k + M) % N],
     * the wrapped indices reading words this pass already rewrote; split into three loops so
     * that no index needs a modulo */
    uint32_t *st = g->state;
#define MT_STEP(k, k1, km)                                                                 \
    do {                                                                                   \
        uint32_t m_ = (st[k] & MT_UPPER) | (st[k1] & MT_LOWER);                            \
        st[k] = st[km] ^ (m_ >> 1) ^ ((st[k1] & 1u) ? MT_MATRIX_A : 0u);                   \
    } while (0)
    int k = 0;
    for (; k < PL_MT_N - MT_M; k++) MT_STEP(k, k + 1, k + MT_M);
    for (; k < PL_MT_N - 1; k++) MT_STEP(k, k + 1, k + MT_M - PL_MT_N);
    MT_STEP(PL_MT_N - 1, 0, MT_M - 1);
#undef MT_STEP
    g->left = PL_MT_N;
    g->next = 0;
}

uint32_t
pl_generator_random(pl_generator *g)
{
    if (--g->left == 0)
        mt_twist(g);
    uint32_t y = g->state[g->next++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9D2C5680u;
    y ^= (y << 15) & 0xEFC60000u;
    y ^= y >> 18;
    return y;
}

void
pl_generator_fill(pl_generator *g, uint32_t *out, int64_t n)
{
    while (n > 0) {
        if (g->left == 1) { /* the next word needs a twist, as pl_generator_random does */
            *out++ = pl_generator_random(g);
            n--;
            continue;
        }
        /* words state[next .. next + left - 2] are ready without a twist */
        int64_t run = g->left - 1 < n ? g->left - 1 : n;
        const uint32_t *st = g->state + g->next;
        for (int64_t k = 0; k < run; k++) {
            uint32_t y = st[k];
            y ^= y >> 11;
            y ^= (y << 7) & 0x9D2C5680u;
            y ^= (y << 15) & 0xEFC60000u;
            y ^= y >> 18;
            out[k] = y;
        }
        g->next += (uint32_t)run;
        g->left -= (int)run;
        out += run;
        n -= run;
    }
}

uint64_t
pl_generator_random64(pl_generator *g)
{
    uint64_t hi = pl_generator_random(g);
    uint64_t lo = pl_generator_random(g);
    return (hi << 32) | lo;
}

uint64_t
pl_generator_initial_seed(const pl_generator *g)
{
    return g->seed;
}

/* A nondeterministic 64-bit seed, as torch's default generator and Generator.seed() use. */
static uint64_t
entropy_seed(void)
{
    uint64_t s = 0;
    FILE *f = fopen("/dev/urandom", "rb");
    if (f != NULL) {
        size_t got = fread(&s, sizeof s, 1, f);
        fclose(f);
        if (got == 1)
            return s;
    }
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    s = (uint64_t)ts.tv_sec * UINT64_C(1000000007) ^ (uint64_t)ts.tv_nsec;
    s ^= (uint64_t)(uintptr_t)&s;
    return s;
}

uint64_t
pl_generator_seed(pl_generator *g)
{
    uint64_t s = entropy_seed();
    pl_generator_manual_seed(g, s);
    return s;
}

pl_generator *
pl_default_generator(void)
{
    static pl_generator gen;
    static bool ready = false;
    if (!ready) {
        pl_generator_manual_seed(&gen, entropy_seed());
        ready = true;
    }
    return &gen;
}

/* ------------------------------------------------------------------------------------------
 * Serialised state: PyTorch's legacy POD layout, little-endian, 5056 bytes.
 *   0 u64 seed | 8 i32 left | 12 i32 seeded | 16 u64 next | 24 u64 state[624]
 *   5016 f64 normal_x | 5024 f64 normal_y | 5032 f64 normal_rho | 5040 i32 normal_is_valid
 *   5048 f32 float cache | 5052 u8 float cache valid | padding (zero)
 * ---------------------------------------------------------------------------------------- */

enum {
    ST_SEED = 0,
    ST_LEFT = 8,
    ST_SEEDED = 12,
    ST_NEXT = 16,
    ST_WORDS = 24,
    ST_NORMAL_Y = 5024,
    ST_NORMAL_VALID = 5040,
    ST_FLOAT_CACHE = 5048,
    ST_FLOAT_VALID = 5052,
};

void
pl_generator_get_state(const pl_generator *g, uint8_t *out)
{
    memset(out, 0, PL_RNG_STATE_SIZE);
    uint64_t next = g->next;
    int32_t left = g->left, seeded = g->seeded ? 1 : 0;
    memcpy(out + ST_SEED, &g->seed, 8);
    memcpy(out + ST_LEFT, &left, 4);
    memcpy(out + ST_SEEDED, &seeded, 4);
    memcpy(out + ST_NEXT, &next, 8);
    for (int i = 0; i < PL_MT_N; i++) {
        uint64_t w = g->state[i];
        memcpy(out + ST_WORDS + 8 * i, &w, 8);
    }
    if (g->normal_cache_valid) {
        int32_t valid = 1;
        memcpy(out + ST_NORMAL_Y, &g->normal_cache, 8);
        memcpy(out + ST_NORMAL_VALID, &valid, 4);
    }
    if (g->float_normal_cache_valid) {
        memcpy(out + ST_FLOAT_CACHE, &g->float_normal_cache, 4);
        out[ST_FLOAT_VALID] = 1;
    }
}

pl_status
pl_generator_set_state(pl_generator *g, const uint8_t *in, int64_t nbytes)
{
    if (nbytes != PL_RNG_STATE_SIZE)
        return pl_error_set(PL_ERR_RUNTIME,
                            "Expected a CPUGeneratorImplState of size %d but found the input "
                            "RNG state size to be %lld",
                            PL_RNG_STATE_SIZE, (long long)nbytes);
    uint64_t seed, next;
    int32_t left, seeded, normal_valid;
    memcpy(&seed, in + ST_SEED, 8);
    memcpy(&left, in + ST_LEFT, 4);
    memcpy(&seeded, in + ST_SEEDED, 4);
    memcpy(&next, in + ST_NEXT, 8);
    memcpy(&normal_valid, in + ST_NORMAL_VALID, 4);
    if (seeded == 0 || left < 1 || left > PL_MT_N || next > PL_MT_N)
        return pl_error_set(PL_ERR_RUNTIME, "Invalid mt19937 state");
    g->seed = seed;
    g->seeded = true;
    g->left = left;
    g->next = (uint32_t)next;
    for (int i = 0; i < PL_MT_N; i++) {
        uint64_t w;
        memcpy(&w, in + ST_WORDS + 8 * i, 8);
        g->state[i] = (uint32_t)w;
    }
    g->normal_cache_valid = normal_valid != 0;
    g->normal_cache = 0.0;
    if (g->normal_cache_valid)
        memcpy(&g->normal_cache, in + ST_NORMAL_Y, 8);
    g->float_normal_cache_valid = in[ST_FLOAT_VALID] != 0;
    g->float_normal_cache = 0.0f;
    if (g->float_normal_cache_valid)
        memcpy(&g->float_normal_cache, in + ST_FLOAT_CACHE, 4);
    return PL_OK;
}
