/*
 * NAME
 *   sd_bufring.c - io_uring provided receive buffers (see sd_bufring.h)
 *
 * SUMMARY
 *   The ring of buffer descriptors is page-aligned memory shared with the
 *   kernel (IORING_REGISTER_PBUF_RING); the buffers are one allocation.
 *   A recycled buffer is put back at the tail and published at once.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sd_bufring.h"

struct sd_bufring {
	struct io_uring_buf_ring *br;
	char *mem;
	unsigned count;
	size_t size;
	unsigned short bgid;
	int mask;
	bool registered;
};

enum sg_err sd_bufring_new(struct io_uring *ring, unsigned short bgid, unsigned count,
			   size_t size, struct sd_bufring **out, struct sg_error *err)
{
	struct sd_bufring *b = calloc(1, sizeof(*b));
	struct io_uring_buf_reg reg;
	int ret;

	*out = NULL;
	if (count == 0 || count > 32768 || (count & (count - 1)) != 0 || size == 0) {
		free(b);
		return sg_error_set(err, SG_E_ARG, 0, 0, "buffer ring: %u buffers", count);
	}
	if (b == NULL || posix_memalign((void **)&b->br, 4096,
					count * sizeof(struct io_uring_buf)) != 0 ||
	    (b->mem = malloc(count * size)) == NULL) {
		sd_bufring_free(b, NULL);
		return sg_error_set(err, SG_E_NOMEM, 0, 0, "out of memory");
	}
	b->count = count;
	b->size = size;
	b->bgid = bgid;
	b->mask = io_uring_buf_ring_mask(count);
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (unsigned long)(uintptr_t)b->br;
	reg.ring_entries = count;
	reg.bgid = bgid;
	io_uring_buf_ring_init(b->br);
	ret = io_uring_register_buf_ring(ring, &reg, 0);
	if (ret < 0) {
		sd_bufring_free(b, NULL);
		return sg_error_set(err, SG_E_IO, 0, 0, "io_uring_register_buf_ring: %s",
				    strerror(-ret));
	}
	b->registered = true;
	for (unsigned i = 0; i < count; i++)
		io_uring_buf_ring_add(b->br, b->mem + i * size, (unsigned)size,
				      (unsigned short)i, b->mask, (int)i);
	io_uring_buf_ring_advance(b->br, (int)count);
	*out = b;
	return SG_OK;
}

void sd_bufring_prep_recv(const struct sd_bufring *b, struct io_uring_sqe *sqe, int fd)
{
	io_uring_prep_recv(sqe, fd, NULL, b->size, 0);
	sqe->flags |= IOSQE_BUFFER_SELECT;
	sqe->buf_group = b->bgid;
}

char *sd_bufring_take(const struct sd_bufring *b, const struct io_uring_cqe *cqe,
		      unsigned *bid)
{
	if (!(cqe->flags & IORING_CQE_F_BUFFER))
		return NULL;
	*bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
	if (*bid >= b->count)
		return NULL;
	return b->mem + (size_t)*bid * b->size;
}

void sd_bufring_recycle(struct sd_bufring *b, unsigned bid)
{
	io_uring_buf_ring_add(b->br, b->mem + (size_t)bid * b->size, (unsigned)b->size,
			      (unsigned short)bid, b->mask, 0);
	io_uring_buf_ring_advance(b->br, 1);
}

size_t sd_bufring_size(const struct sd_bufring *b)
{
	return b->size;
}

void sd_bufring_free(struct sd_bufring *b, struct io_uring *ring)
{
	if (b == NULL)
		return;
	if (b->registered && ring != NULL)
		(void)io_uring_unregister_buf_ring(ring, b->bgid);
	free(b->br);
	free(b->mem);
	free(b);
}
