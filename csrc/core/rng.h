/* rng.h — PyTorch's CPU random streams (mt19937 and its distributions), bit for bit.
 *
 * A pl_generator is PyTorch's CPU generator: an mt19937 engine seeded from the low 32 bits
 * of a 64-bit seed, plus the cached second sample of the double Box-Muller transform.
 * Every fill below draws words in PyTorch's order and does PyTorch's arithmetic, so the
 * same seed gives the same numbers as torch on CPU.
 *
 * Element order: a contiguous tensor is filled in linear order; any other tensor in
 * PyTorch's TensorIterator order (dimensions sorted by stride, smallest stride fastest).
 *
 * Ownership: every pl_generator * argument is borrowed; NULL means the default generator.
 * Tensors are borrowed; fills write in place and bump the tensor's version counter.
 * Functions returning pl_tensor * return a NEW reference, or NULL with an error set.
 * pl_status results: PL_OK, or an error recorded with pl_error_set (error.h).
 * Generators are not locked: callers serialise access (the binding holds the GIL).
 */
#ifndef PL_RNG_H
#define PL_RNG_H

#include <stdbool.h>
#include <stdint.h>

#include "tensor.h"

#define PL_MT_N 624
/* Size in bytes of a serialised generator state (PyTorch's get_rng_state layout). */
#define PL_RNG_STATE_SIZE 5056
/* The older layout without the float cache, still accepted by set_state. */
#define PL_RNG_STATE_SIZE_LEGACY 5048
/* The seed a freshly constructed Generator starts from (PyTorch's default_rng_seed_val). */
#define PL_RNG_DEFAULT_SEED UINT64_C(67280421310721)

typedef struct pl_generator {
    uint64_t seed;
    uint32_t state[624];
    int left;
    uint32_t next;
    double normal_cache; /* the SCALAR normal path's cached second sample */
    bool normal_cache_valid;
    float float_normal_cache; /* kept only for the get_rng_state layout */
    bool float_normal_cache_valid;
    bool seeded; /* stored in the state layout; no effect on output */
} pl_generator;

/* ---- generators ---- */
/* The process-wide default generator (borrowed). Seeded nondeterministically on first use. */
pl_generator *pl_default_generator(void);
/* Initialises g as a new Generator: seed PL_RNG_DEFAULT_SEED. */
void pl_generator_init(pl_generator *g);
/* Reseeds g (only the low 32 bits reach the engine) and drops the cached normal samples. */
void pl_generator_manual_seed(pl_generator *g, uint64_t seed);
/* Reseeds g from the OS entropy source; returns the seed used. */
uint64_t pl_generator_seed(pl_generator *g);
uint64_t pl_generator_initial_seed(const pl_generator *g);
/* One 32-bit word; and two words, the first one as the high half. */
uint32_t pl_generator_random(pl_generator *g);
uint64_t pl_generator_random64(pl_generator *g);
/* n words into out[0..n), the same words as n calls of pl_generator_random (in bulk). */
void pl_generator_fill(pl_generator *g, uint32_t *out, int64_t n);
/* Serialises g into out[PL_RNG_STATE_SIZE] (PyTorch's byte layout). */
void pl_generator_get_state(const pl_generator *g, uint8_t *out);
/* Loads a state of PL_RNG_STATE_SIZE or PL_RNG_STATE_SIZE_LEGACY bytes; PL_ERR_RUNTIME with
 * PyTorch's message on a wrong size or an invalid state (g is then unchanged). */
pl_status pl_generator_set_state(pl_generator *g, const uint8_t *in, int64_t nbytes);

/* ---- in-place fills (g NULL: the default generator) ---- */
/* float dtypes only */
pl_status pl_uniform_(pl_tensor *t, double from, double to, pl_generator *g);
pl_status pl_normal_(pl_tensor *t, double mean, double std, pl_generator *g);
pl_status pl_exponential_(pl_tensor *t, double lambd, pl_generator *g);
pl_status pl_cauchy_(pl_tensor *t, double median, double sigma, pl_generator *g);
pl_status pl_log_normal_(pl_tensor *t, double mean, double std, pl_generator *g);
/* float and int64 */
pl_status pl_geometric_(pl_tensor *t, double p, pl_generator *g);
/* any dtype */
/* random_(): [0, 2^mantissa] for floats, [0, 2^63) for int64, {0, 1} for bool. */
pl_status pl_random_(pl_tensor *t, pl_generator *g);
/* random_(from, to): [from, to); has_to false means to = 2^63 (one past INT64_MAX, as torch's
 * `to=None`). Range checks and messages are PyTorch's. */
pl_status pl_random_from_to_(pl_tensor *t, int64_t from, bool has_to, int64_t to,
                             pl_generator *g);
pl_status pl_bernoulli_scalar_(pl_tensor *t, double p, pl_generator *g);
/* p: float32/float64 tensor broadcastable to t's shape, values in [0, 1]. */
pl_status pl_bernoulli_tensor_(pl_tensor *t, const pl_tensor *p, pl_generator *g);

/* ---- samplers returning new tensors ---- */
/* A random permutation of 0..n-1 of dtype int64/float32/float64 (1-D, contiguous). */
pl_tensor *pl_randperm(int64_t n, pl_dtype dtype, pl_generator *g);
/* Indices (int64) sampled from the rows of probs (1-D or 2-D float tensor): shape (n,) or
 * (rows, n). */
pl_tensor *pl_multinomial(const pl_tensor *probs, int64_t num_samples, bool replacement,
                          pl_generator *g);
/* torch._standard_gamma(alpha): one Gamma(alpha, 1) sample per element of a float tensor,
 * same shape and dtype, contiguous (rng_gamma.c). */
pl_tensor *pl_standard_gamma(const pl_tensor *alpha, pl_generator *g);
/* torch._sample_dirichlet(alpha): Dirichlet samples over alpha's last dim (rng_gamma.c). */
pl_tensor *pl_sample_dirichlet(const pl_tensor *alpha, pl_generator *g);
/* torch.poisson(rate): one Poisson(rate) count per element of a float tensor, as floats of its
 * dtype (rng_count.c). */
pl_tensor *pl_poisson(const pl_tensor *rate, pl_generator *g);
/* torch.binomial(count, prob): Binomial(count, prob) counts; count and prob are float tensors
 * of one dtype and shape (rng_count.c). */
pl_tensor *pl_binomial(const pl_tensor *count, const pl_tensor *prob, pl_generator *g);

#endif
