/* alloc.h — memory blocks for tensor storage, with a cache of large blocks.
 *
 * Large blocks (>= 64 KiB) are kept on a small free list when released and handed out again
 * for requests of a similar size, so that a training loop allocating the same activations and
 * gradients every step does not pay the kernel's page faults every step. Small blocks go
 * straight to malloc. Blocks are 64-byte aligned. Thread-safe.
 */
#ifndef PL_ALLOC_H
#define PL_ALLOC_H

#include <stddef.h>

/* A block of at least *bytes bytes; *bytes is set to its real capacity (pass it back to
 * pl_block_free). NULL when out of memory. */
void *pl_block_alloc(size_t *bytes);
void pl_block_free(void *block, size_t capacity);
/* Frees every cached block (the cache refills as tensors die). */
void pl_block_cache_clear(void);

#endif
