/*
 * NAME
 *   keytable.h - struct sg_key_lookup from a "NAME TXT-VALUE" table file
 *
 * SUMMARY
 *   The file has one record per line: a DNS name (no trailing dot, case-
 *   insensitive), one or more SP/HTAB, then the TXT value to the end of the
 *   line (character-strings already joined). Empty lines and lines starting
 *   with '#' are ignored; CRLF line ends are accepted. A name that appears
 *   more than once keeps its first value. A name absent from the table is
 *   SG_LOOKUP_NOTFOUND. Errors name the file and line.
 *
 * UNTRUSTED INPUT
 *   The table file: at most 16 MiB, lines of at most 64 KiB.
 */
#ifndef SIGNET_DNS_KEYTABLE_H
#define SIGNET_DNS_KEYTABLE_H

#include "status.h"
#include "verifier.h"

struct sg_keytable;

SG_MUST_CHECK enum sg_err sg_keytable_load(const char *path, struct sg_keytable **out,
					   struct sg_error *err);
SG_MUST_CHECK enum sg_err sg_keytable_parse(const char *text, size_t len,
					    struct sg_keytable **out, struct sg_error *err);
/* Adds or replaces one record. */
SG_MUST_CHECK enum sg_err sg_keytable_set(struct sg_keytable *t, const char *name,
					  const char *value);
void sg_keytable_free(struct sg_keytable *t);
/* A lookup that answers from t (t must outlive it). */
struct sg_key_lookup sg_keytable_lookup(struct sg_keytable *t);

#endif
