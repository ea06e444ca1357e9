/*
 * arena.h -- allocations that are all freed at once.
 */
#ifndef SIP_ARENA_H
#define SIP_ARENA_H

#include <stddef.h>

/*
 * A per-batch arena (after Git's mem_pool): allocations are carved from
 * chunks that never move, so slices into it stay valid until
 * sip_arena_reset/_release.  Small value type; init with sip_arena_init.
 */
typedef struct sip_arena_chunk sip_arena_chunk;
typedef struct sip_arena {
	sip_arena_chunk *head;   /* current chunk, chained to older ones */
	sip_arena_chunk *spare;  /* one kept chunk reused after a reset */
	size_t used;             /* bytes handed out since the last reset */
} sip_arena;

void sip_arena_init(sip_arena *a);
/* n bytes (8-aligned), or NULL when out of memory. */
void *sip_arena_alloc(sip_arena *a, size_t n);
/* Forget every allocation; keeps one chunk for reuse. */
void sip_arena_reset(sip_arena *a);
void sip_arena_release(sip_arena *a);

#endif
