/*
 * arena.c -- see arena.h.
 */
#include "arena.h"

#include <stdlib.h>

#define ARENA_CHUNK (256 * 1024)

struct sip_arena_chunk {
	sip_arena_chunk *next;
	size_t size, used;
	_Alignas(8) unsigned char data[];
};

void sip_arena_init(sip_arena *a)
{
	a->head = a->spare = NULL;
	a->used = 0;
}

void *sip_arena_alloc(sip_arena *a, size_t n)
{
	sip_arena_chunk *c = a->head;
	size_t need = (n + 7) & ~(size_t)7;

	if (need < n)
		return NULL;
	if (!c || c->size - c->used < need) {
		size_t size = need > ARENA_CHUNK ? need : ARENA_CHUNK;
		if (a->spare && a->spare->size >= need) {
			c = a->spare;
			a->spare = NULL;
		} else if (!(c = malloc(sizeof *c + size))) {
			return NULL;
		} else {
			c->size = size;
		}
		c->used = 0;
		c->next = a->head;
		a->head = c;
	}
	c->used += need;
	a->used += need;
	return c->data + c->used - need;
}

void sip_arena_reset(sip_arena *a)
{
	sip_arena_chunk *c = a->head, *next;

	for (; c; c = next) {
		next = c->next;
		if (!a->spare && c->size == ARENA_CHUNK) {
			a->spare = c;
			c->next = NULL;
		} else {
			free(c);
		}
	}
	a->head = NULL;
	a->used = 0;
}

void sip_arena_release(sip_arena *a)
{
	sip_arena_reset(a);
	free(a->spare);
	a->spare = NULL;
}
