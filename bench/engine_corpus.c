/*
 * NAME
 *   engine_corpus.c - the messages and the key of an engine benchmark run
 *
 * SUMMARY
 *   engine_corpus_generate makes messages 0..n-1 of a corpus.h corpus in
 *   memory. engine_corpus_load reads every "*.eml" file of a folder, in
 *   name order, with LF line ends made CRLF (both signers then see the same
 *   CRLF bytes). engine_setup_init loads the key (--key FILE, PEM) or makes
 *   a new RSA-2048 key, and derives its PEM text and DKIM TXT record.
 *
 * UNTRUSTED INPUT
 *   Files of the corpus folder and the key file. Limits: ENGINE_FILE_MAX
 *   bytes a message, ENGINE_CORPUS_MAX bytes and ENGINE_FILES_MAX files in
 *   all; a file over a limit is named in the error. Keys: sg_privkey_load
 *   (64 KiB, RSA only here).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsrecord.h"
#include "engine.h"

#define ENGINE_FILE_MAX (64u << 20)
#define ENGINE_CORPUS_MAX (2ull << 30)
#define ENGINE_FILES_MAX 1000000u

static bool grow(struct engine_corpus *c, size_t *cap)
{
	size_t ncap = *cap ? *cap * 2 : 64;
	char **msgs = realloc(c->msgs, ncap * sizeof(*msgs));
	size_t *lens;

	if (msgs == NULL)
		return false;
	c->msgs = msgs;
	lens = realloc(c->lens, ncap * sizeof(*lens));
	if (lens == NULL)
		return false;
	c->lens = lens;
	*cap = ncap;
	return true;
}

/* Takes the bytes of buf as the next message (buf is emptied). */
static bool adopt(struct engine_corpus *c, size_t *cap, struct sg_buf *buf)
{
	if (c->count == *cap && !grow(c, cap))
		return false;
	c->msgs[c->count] = buf->data;
	c->lens[c->count] = buf->len;
	c->bytes += buf->len;
	c->count++;
	sg_buf_init(buf, buf->limit);
	return true;
}

bool engine_corpus_generate(struct engine_corpus *c, const char *label,
			    const struct corpus_params *p, size_t n, char *why)
{
	struct sg_buf buf;
	size_t cap = 0;

	memset(c, 0, sizeof(*c));
	c->label = label;
	sg_buf_init(&buf, CORPUS_MAX_BYTES * 2);
	for (size_t i = 0; i < n; i++) {
		if (!corpus_message(p, i, &buf) || !adopt(c, &cap, &buf)) {
			snprintf(why, ENGINE_WHY_MAX, "out of memory generating %s", label);
			sg_buf_free(&buf);
			return false;
		}
	}
	return true;
}

static int eml_only(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && strcmp(d->d_name + n - 4, ".eml") == 0;
}

/* Appends the file at path to buf, bare LF made CRLF. */
static bool read_message(const char *path, struct sg_buf *buf, char *why)
{
	FILE *f = fopen(path, "rb");
	int ch, prev = 0;
	bool fits = true, ok;

	if (f == NULL) {
		snprintf(why, ENGINE_WHY_MAX, "cannot open %.160s: %s", path, strerror(errno));
		return false;
	}
	while (fits && (ch = getc(f)) != EOF) {
		if (ch == '\n' && prev != '\r')
			fits = sg_buf_putc(buf, '\r') == SG_OK;
		fits = fits && sg_buf_putc(buf, (char)ch) == SG_OK;
		prev = ch;
	}
	ok = fits && !ferror(f);
	if (ferror(f))
		snprintf(why, ENGINE_WHY_MAX, "cannot read %.160s: %s", path, strerror(errno));
	else if (!fits)
		snprintf(why, ENGINE_WHY_MAX, "%.160s: larger than %u bytes (or out of memory)", path,
			 ENGINE_FILE_MAX);
	fclose(f);
	return ok;
}

bool engine_corpus_load(struct engine_corpus *c, const char *dir, char *why)
{
	struct dirent **names = NULL;
	int n = scandir(dir, &names, eml_only, alphasort);
	struct sg_buf buf;
	size_t cap = 0;
	bool ok = n > 0;

	memset(c, 0, sizeof(*c));
	c->label = "corpus";
	if (n <= 0)
		snprintf(why, ENGINE_WHY_MAX, "%.160s: %s", dir, n < 0 ? strerror(errno) :
			 "no *.eml files");
	sg_buf_init(&buf, ENGINE_FILE_MAX);
	for (int i = 0; ok && i < n; i++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		ok = read_message(path, &buf, why);
		if (ok && ((unsigned)i >= ENGINE_FILES_MAX ||
			   c->bytes + buf.len > ENGINE_CORPUS_MAX)) {
			snprintf(why, ENGINE_WHY_MAX, "%.160s: corpus over %u files or %llu bytes",
				 path, ENGINE_FILES_MAX, ENGINE_CORPUS_MAX);
			ok = false;
		}
		if (ok && !adopt(c, &cap, &buf)) {
			snprintf(why, ENGINE_WHY_MAX, "out of memory at %.160s", path);
			ok = false;
		}
	}
	sg_buf_free(&buf);
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ok;
}

void engine_corpus_free(struct engine_corpus *c)
{
	for (size_t i = 0; i < c->count; i++)
		free(c->msgs[i]);
	free(c->msgs);
	free(c->lens);
	memset(c, 0, sizeof(*c));
}

static bool key_of(const char *keyfile, struct sg_privkey **key, char *why)
{
	struct sg_error err = { 0 };

	if (keyfile == NULL ? sg_privkey_generate(SG_KEY_RSA, 2048, key, &err) != SG_OK :
	    sg_privkey_load(keyfile, true, key, &err) != SG_OK) {
		snprintf(why, ENGINE_WHY_MAX, "%.200s: %s", keyfile ? keyfile : "RSA-2048 key",
			 err.msg);
		return false;
	}
	if (sg_privkey_type(*key) != SG_KEY_RSA) {
		snprintf(why, ENGINE_WHY_MAX, "%s: not an RSA key (the benchmark signs "
			 "rsa-sha256)", keyfile);
		return false;
	}
	return true;
}

bool engine_setup_init(struct engine_setup *s, const char *keyfile, int64_t now, char *why)
{
	struct sg_error err = { 0 };

	memset(s, 0, sizeof(*s));
	sg_buf_init(&s->pem_buf, SIZE_MAX);
	sg_buf_init(&s->record_buf, SIZE_MAX);
	s->timestamp = now;
	if (!key_of(keyfile, &s->key, why))
		return false;
	if (sg_privkey_export_pem(s->key, &s->pem_buf, &err) != SG_OK ||
	    sg_dns_record(s->key, false, false, &s->record_buf, &err) != SG_OK) {
		snprintf(why, ENGINE_WHY_MAX, "key: %s", err.msg);
		return false;
	}
	s->key_pem = sg_buf_cstr(&s->pem_buf);
	s->key_pem_len = s->pem_buf.len;
	s->record = sg_buf_cstr(&s->record_buf);
	return true;
}

void engine_setup_free(struct engine_setup *s)
{
	sg_privkey_free(s->key);
	sg_buf_free(&s->pem_buf);	/* zeroes the PEM text */
	sg_buf_free(&s->record_buf);
	memset(s, 0, sizeof(*s));
}
