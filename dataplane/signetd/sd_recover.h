/*
 * NAME
 *   sd_recover.h - getting the spool folders ready before any worker
 *                  starts, and what a restart after a crash has to undo
 *
 * SUMMARY
 *   sd_recover_open(in, out, retire_delete, &dirs, &err):
 *     - opens IN_DIR (must exist) and OUT_DIR (created 0755 if missing,
 *       its parent must exist), each O_DIRECTORY; the same folder under
 *       two names is refused;
 *     - takes an exclusive flock on IN_DIR/.signetd.lock and on
 *       OUT_DIR/.signetd.lock (non-blocking): a second signetd on the same
 *       input or output folder is refused with a clear error, so the
 *       temp-file cleanup below never removes another process's files;
 *     - creates IN_DIR/.failed/ and (unless retire_delete) IN_DIR/.done/;
 *     - deletes every SD_TMP_PREFIX file in OUT_DIR and in .failed/: what a
 *       killed run left half written (its input is still in IN_DIR and
 *       is done again). *removed counts them;
 *     - notes which of the two folders live in memory (dirs.in_memory,
 *       dirs.out_memory: fstatfs says tmpfs or ramfs).
 *   The other crash points need nothing here: an output that was renamed
 *   into place is complete (fsync came first) and is recognised when its
 *   input is taken again (sd_spool.h step 2); an input already retired is
 *   not in IN_DIR any more.
 *   sd_recover_close closes the folders and releases the locks.
 */
#ifndef SIGNET_SIGNETD_SD_RECOVER_H
#define SIGNET_SIGNETD_SD_RECOVER_H

#include <stddef.h>
#include "sd_spool.h"
#include "status.h"

struct sd_spool_folders {
	struct sd_spool_dirs dirs;
	int in_lock, out_lock;
	size_t removed;			/* temp files deleted at open */
};

SG_MUST_CHECK enum sg_err sd_recover_open(const char *in, const char *out, bool retire_delete,
					  struct sd_spool_folders *f, struct sg_error *err);
void sd_recover_close(struct sd_spool_folders *f);
/* Deletes the SD_TMP_PREFIX files of the folder dir_fd; how many, or -1
 * (errno set) when the folder cannot be read. */
long sd_recover_remove_tmp(int dir_fd);

#endif
