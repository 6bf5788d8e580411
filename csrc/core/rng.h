/* rng.h — PyTorch's CPU random streams (mt19937 and its distributions), bit for bit.
 * (Filled in by the RNG work; this is the contract the rest of the core relies on.) */
#ifndef PL_RNG_H
#define PL_RNG_H

#include <stdbool.h>
#include <stdint.h>

#include "tensor.h"

typedef struct pl_generator {
    uint64_t seed;
    uint32_t state[624];
    int left;
    uint32_t next;
    double normal_cache; /* the SCALAR normal path's cached second sample */
    bool normal_cache_valid;
    float float_normal_cache; /* kept only for the get_rng_state layout */
    bool float_normal_cache_valid;
} pl_generator;

/* The process-wide default generator (borrowed). */
pl_generator *pl_default_generator(void);
void pl_generator_manual_seed(pl_generator *g, uint64_t seed);

/* In-place fills, in PyTorch's element order and arithmetic. g NULL means the default. */
pl_status pl_uniform_(pl_tensor *t, double from, double to, pl_generator *g);
pl_status pl_normal_(pl_tensor *t, double mean, double std, pl_generator *g);

#endif
