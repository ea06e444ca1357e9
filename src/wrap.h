/*
 * wrap.h -- word wrapping for the terminal and text reports.
 */
#ifndef SIP_WRAP_H
#define SIP_WRAP_H

#include <stddef.h>

#include "buf.h"
#include "err.h"

/*
 * Append text word-wrapped: each line starts with indent and is at most
 * width columns (a word longer than a line is put on a line of its own);
 * the text's own newlines start new lines.  Ends with a newline.
 */
int sip_wrap(sip_buf *b, const char *text, size_t width, const char *indent);

#endif
