/*
 * NAME
 *   sd_names.h - the file names of the spool: which inputs are taken, what
 *                the output, temporary and reason files are called
 *
 * SUMMARY
 *   Inputs are IN_DIR/NAME with NAME ending in ".eml" (ASCII case-blind),
 *   not starting with '.', at most SD_NAME_MAX bytes, without control
 *   bytes. Names that are not *.eml or start with '.' are not the spool's
 *   and are left alone (the .done/ and .failed/ folders, the lock file,
 *   files still being written under another name); a *.eml name that is
 *   refused for its length or its bytes is reported (sd_name_refusal says
 *   why) rather than skipped in silence.
 *   Output candidates: candidate 0 is NAME itself; candidate k >= 1 is
 *   STEM~k.eml (STEM = NAME without ".eml"): used only when OUT_DIR already
 *   holds an unrelated file of the earlier name (sd_spool.h step 2; an
 *   input that is itself called STEM~k.eml is told apart by content).
 *   Temporary files are ".signetd-tmp.W.FINAL" (W = worker number, FINAL
 *   the name the file gets: a candidate or a reason file) in the
 *   folder where the final file goes; a restart deletes every file whose
 *   name starts with SD_TMP_PREFIX there, because only signetd writes them.
 *   The reason for a failed input is .failed/NAME.reason.
 *   Every function writes a NUL-terminated name into out (cap bytes) and
 *   returns false when it does not fit or the input name is not valid.
 */
#ifndef SIGNET_SIGNETD_SD_NAMES_H
#define SIGNET_SIGNETD_SD_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#define SD_NAME_MAX 200			/* input names; room for suffixes in 255 */
#define SD_NAME_BUF 256			/* any name built here fits */
#define SD_TMP_PREFIX ".signetd-tmp."
#define SD_DONE_DIR ".done"
#define SD_FAILED_DIR ".failed"
#define SD_LOCK_FILE ".signetd.lock"
#define SD_CANDIDATES_MAX 100		/* NAME, STEM~1.eml .. STEM~99.eml */

bool sd_name_is_input(const char *name);
/* For a *.eml name that is not hidden but not an input: why ("the name is
 * longer than 200 bytes", "control byte 0x01 in the name"); NULL for
 * inputs and for names that are not the spool's at all. */
const char *sd_name_refusal(const char *name);
/* A copy for logs: control bytes and DEL become '?' (cut to cap). */
void sd_name_printable(const char *name, char *out, size_t cap);
bool sd_name_is_tmp(const char *name);
bool sd_name_candidate(const char *name, unsigned k, char *out, size_t cap);
bool sd_name_tmp(const char *name, unsigned worker, char *out, size_t cap);
bool sd_name_reason(const char *name, char *out, size_t cap);

#endif
