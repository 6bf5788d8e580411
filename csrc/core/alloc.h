/* alloc.h — memory blocks for tensor storage, with a cache of large blocks.
 *
 * Large blocks (>= 64 KiB) are kept on a small free list when released and handed out again
 * for requests of a similar size, so that a training loop allocating the same activations and
 * gradients every step does not pay the kernel's page faults every step. Small blocks go
 * straight to malloc. Blocks are 64-byte aligned. Thread-safe.
 *
 * With the environment variable PYTORCHLITE_NO_CACHE set (to anything but "" or "0") when the
 * module initialises, nothing is cached or recycled — neither large blocks here nor the small
 * tensors' free list (tensor.c) — and blocks have exactly the size asked for, so that a memory
 * checker (AddressSanitizer, tests/sanitize.sh) sees every use after free and every overrun.
 */
#ifndef PL_ALLOC_H
#define PL_ALLOC_H

#include <stdbool.h>
#include <stddef.h>

/* Reads PYTORCHLITE_NO_CACHE; call once before the first allocation (module initialisation). */
void pl_alloc_init(void);
/* Whether caching is off (see above). */
bool pl_alloc_caches_off(void);

/* A block of at least *bytes bytes; *bytes is set to its real capacity (pass it back to
 * pl_block_free). NULL when out of memory. */
void *pl_block_alloc(size_t *bytes);
void pl_block_free(void *block, size_t capacity);
/* Frees every cached block (the cache refills as tensors die). */
void pl_block_cache_clear(void);

#endif
