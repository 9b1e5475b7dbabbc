/* fuzz_pem.c: the PEM walker on arbitrary bytes.  Invariants: it never reads out of
 * bounds, every object it reports fits the buffer and has a NUL-terminated label of at
 * most PEM_LABEL_MAX bytes, a bad line number lies inside the input, and walking the same
 * input twice gives the same objects. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/pem.h"

static unsigned char der[4096];
static size_t count, total;

static int object(void *ctx, const char *label, const unsigned char *p, size_t len)
{
	(void) ctx;
	if (strlen(label) > PEM_LABEL_MAX || p != der || len > sizeof der)
		abort();
	count++;
	total += len;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t bad = 0, c1, t1, lines = 1;
	int k1, k2;

	for (size_t i = 0; i < size; i++)
		lines += data[i] == '\n';
	count = total = 0;
	k1 = pem_each(data, size, der, sizeof der, object, NULL, &bad);
	if (k1 != 0 && k1 != -EBADMSG)
		abort();
	if (k1 == -EBADMSG && (bad == 0 || bad > lines))
		abort();
	c1 = count;
	t1 = total;
	count = total = 0;
	k2 = pem_each(data, size, der, sizeof der, object, NULL, &bad);
	if (k1 != k2 || c1 != count || t1 != total)
		abort();
	return 0;
}
