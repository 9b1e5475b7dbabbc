/* pem.h: the objects of a PEM file, as CA bundles write them (RFC 7468). */
#ifndef BS_PEM_H
#define BS_PEM_H

#include <stddef.h>

#define PEM_LABEL_MAX 64

typedef int pem_fn(void *ctx, const char *label, const unsigned char *der, size_t len);

/* Call fn for each object of in[0..len): a "-----BEGIN L-----" line, base64 lines, a
 * "-----END L-----" line, decoded into der[0..cap).  Text outside objects is skipped (bundles
 * carry comments), so are blanks around lines, CRs and RFC 1421 header lines ("Name: value").
 * An object that does not fit cap is skipped, and so is one cut off by the end of the input.
 * 0 at the end; fn's negative value stops the walk and is returned; -EBADMSG with *bad_line
 * (1-based) for bad base64 or an END line whose label is not the BEGIN line's. */
int pem_each(const unsigned char *in, size_t len, unsigned char *der, size_t cap, pem_fn *fn, void *ctx,
	     size_t *bad_line);

#endif
