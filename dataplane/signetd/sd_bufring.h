/*
 * NAME
 *   sd_bufring.h - a ring of receive buffers the kernel picks from
 *                  (io_uring provided buffers), so that an idle connection
 *                  holds no receive buffer
 *
 * SUMMARY
 *   sd_bufring_new registers count buffers of size octets (count a power
 *   of two) as buffer group bgid of a ring. sd_bufring_prep_recv turns an
 *   SQE into a receive that takes its buffer from the group when data
 *   arrives. For its completion, sd_bufring_take gives the buffer it used
 *   (or NULL: none, e.g. -ENOBUFS when all are in use); the caller reads
 *   it and gives it back with sd_bufring_recycle as soon as possible (the
 *   relay copies what it cannot use at once). Not shared between threads.
 */
#ifndef SIGNET_SIGNETD_SD_BUFRING_H
#define SIGNET_SIGNETD_SD_BUFRING_H

#include <liburing.h>
#include <stddef.h>
#include "status.h"

struct sd_bufring;

SG_MUST_CHECK enum sg_err sd_bufring_new(struct io_uring *ring, unsigned short bgid,
					 unsigned count, size_t size, struct sd_bufring **out,
					 struct sg_error *err);
void sd_bufring_prep_recv(const struct sd_bufring *b, struct io_uring_sqe *sqe, int fd);
/* The buffer cqe used (its id in *bid), or NULL. */
char *sd_bufring_take(const struct sd_bufring *b, const struct io_uring_cqe *cqe,
		      unsigned *bid);
void sd_bufring_recycle(struct sd_bufring *b, unsigned bid);
size_t sd_bufring_size(const struct sd_bufring *b);
/* After io_uring_queue_exit, or with the ring still open (unregisters). */
void sd_bufring_free(struct sd_bufring *b, struct io_uring *ring);

#endif
