/*
 * NAME
 *   keys_testutil.h - helpers for the tests of control/keys/
 *
 * SUMMARY
 *   kt_tmpdir() makes a fresh folder under $TMPDIR (or /tmp) and
 *   kt_rmtree() removes it; tests never touch /run or /var.
 *   struct kt_clock is a clock the test moves (kt_clock(&c) gives the
 *   struct sg_clock). kt_config(dir, body) parses a signet.conf text with
 *   the real parser, relative paths taken from dir, and a control block
 *   whose state_dir is DIR/state. kt_key(path, type, bits, mode) generates
 *   a key and writes it at path (folders made) with the given mode.
 *   struct kt_log collects what the keys module logs (kt_log_has).
 *   kt_cell(table, row, column-name) reads a cell of an answer table.
 *   kt_record_of(key, testing, dk) is the key's DNS TXT record.
 *   struct kt_store is a key store under test: kt_store_new(conf) makes
 *   the folder, parses conf and sets the clock (2026-11-22T10:00:00Z);
 *   the test writes key files (kt_store_key_path) and calls
 *   kt_store_open for the sg_keys; kt_store_free (kt_store_teardown as a
 *   cmocka teardown) undoes it all. kt_store_run(f, line) runs a command
 *   that must succeed (answer in f->t); kt_store_refused(f, line, code)
 *   one that must fail with code, and returns its message.
 *   Header-only: included once per test program.
 */
#ifndef SIGNET_TEST_KEYS_TESTUTIL_H
#define SIGNET_TEST_KEYS_TESTUTIL_H

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "dnsrecord.h"
#include "key.h"
#include "keys.h"
#include "proto.h"
#include "testutil.h"

struct kt_clock {
	int64_t t;
};

static inline int64_t kt_clock_now(void *env)
{
	return ((struct kt_clock *)env)->t;
}

static inline struct sg_clock kt_clock(struct kt_clock *c)
{
	return (struct sg_clock){ kt_clock_now, c };
}

static inline char *kt_tmpdir(void)
{
	const char *base = getenv("TMPDIR");
	char *dir = malloc(4096);

	assert_non_null(dir);
	snprintf(dir, 4096, "%s/signet-keys-XXXXXX", base && *base ? base : "/tmp");
	assert_non_null(mkdtemp(dir));
	return dir;
}

static inline int kt_rm_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static inline void kt_rmtree(char *dir)
{
	if (dir == NULL)
		return;
	nftw(dir, kt_rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
}

/* Parses body (scopes) after a control block that keeps state in DIR/state. */
static inline struct sg_config *kt_config_extra(const char *dir, const char *control_extra,
						const char *body)
{
	char *text = malloc(65536);
	struct sg_config *conf = NULL;
	struct sg_error err;

	assert_non_null(text);
	snprintf(text, 65536, "control {\n  state_dir = \"state\"\n  socket = \"ctl.sock\"\n"
		 "  %s\n}\n%s", control_extra ? control_extra : "", body);
	sg_error_clear(&err);
	if (sg_config_parse(text, strlen(text), "test.conf", dir, &conf, &err) != SG_OK)
		fail_msg("config does not parse: %s\n%s", err.msg, text);
	free(text);
	return conf;
}

static inline struct sg_config *kt_config(const char *dir, const char *body)
{
	return kt_config_extra(dir, NULL, body);
}

static inline void kt_mkdirs(const char *path)
{
	char buf[4096];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		(void)mkdir(buf, 0700);
		*p = '/';
	}
}

/* Writes a new key at path with mode; returns it (caller frees). */
static inline struct sg_privkey *kt_key(const char *path, enum sg_keytype type, unsigned bits,
					mode_t mode)
{
	struct sg_privkey *k = NULL;
	struct sg_error err;

	sg_error_clear(&err);
	kt_mkdirs(path);
	if (sg_privkey_generate(type, bits, &k, &err) != SG_OK ||
	    sg_privkey_write(k, path, &err) != SG_OK)
		fail_msg("cannot make key %s: %s", path, err.msg);
	assert_int_equal(chmod(path, mode), 0);
	return k;
}

static inline void kt_key_file(const char *path, enum sg_keytype type, unsigned bits)
{
	sg_privkey_free(kt_key(path, type, bits, 0600));
}

struct kt_log {
	char lines[32][512];
	size_t n;
};

static inline void kt_log_fn(void *env, const char *line)
{
	struct kt_log *log = env;

	snprintf(log->lines[log->n % 32], sizeof(log->lines[0]), "%s", line);
	log->n++;
}

static inline bool kt_log_has(const struct kt_log *log, const char *needle)
{
	for (size_t i = 0; i < log->n && i < 32; i++) {
		if (strstr(log->lines[i], needle) != NULL)
			return true;
	}
	return false;
}

static inline size_t kt_col(const struct sg_table *t, const char *name)
{
	for (size_t i = 0; i < t->ncols; i++) {
		if (strcmp(t->col_name[i], name) == 0)
			return i;
	}
	fail_msg("no column %s in table %s", name, t->title);
	return 0;
}

static inline const char *kt_cell(const struct sg_table *t, size_t row, const char *col)
{
	assert_true(row < t->nrows);
	return t->cells[row * t->ncols + kt_col(t, col)];
}

/* The first row whose column col equals value, or -1. */
static inline long kt_find_row(const struct sg_table *t, const char *col, const char *value)
{
	for (size_t r = 0; r < t->nrows; r++) {
		if (strcmp(kt_cell(t, r, col), value) == 0)
			return (long)r;
	}
	return -1;
}

/* Runs a console command line through the real command table. */
static inline enum sg_err kt_command(struct sg_keys *k, const char *line, struct sg_table *out,
				     struct sg_error *err)
{
	char buf[1024], *argv[SG_CMD_MAX_ARGS], *save = NULL, why[256];
	struct sg_cmd_params p;
	size_t argc = 0;

	snprintf(buf, sizeof(buf), "%s", line);
	for (char *w = strtok_r(buf, " ", &save); w && argc < SG_CMD_MAX_ARGS;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	if (!sg_command_match(argc, (const char *const *)argv, &p, why, sizeof(why)))
		fail_msg("command \"%s\" does not match: %s", line, why);
	memset(out, 0, sizeof(*out));
	sg_error_clear(err);
	return sg_keys_command(k, &p, out, err);
}

/* kt_command that must succeed; fails the test with the error line. */
static inline void kt_run(struct sg_keys *k, const char *line, struct sg_table *out)
{
	struct sg_error err;
	enum sg_err rc = kt_command(k, line, out, &err);

	if (rc != SG_OK)
		fail_msg("\"%s\" failed (%s): %s", line, sg_err_name(rc), err.msg);
}

/* A command with hand-made parameters (bypassing sg_command_match, to
 * check that the keys module checks them again). */
static inline enum sg_err kt_raw(struct sg_keys *k, enum sg_cmd_id id, const char *name,
				 const char *domain, struct sg_table *out, struct sg_error *err)
{
	struct sg_cmd_params p;
	size_t n;
	const struct sg_command *cmds = sg_commands(&n);

	memset(&p, 0, sizeof(p));
	for (size_t i = 0; i < n && p.cmd == NULL; i++) {
		if (cmds[i].id == id)
			p.cmd = &cmds[i];
	}
	assert_non_null(p.cmd);
	snprintf(p.name, sizeof(p.name), "%s", name ? name : "");
	snprintf(p.domain, sizeof(p.domain), "%s", domain ? domain : "");
	memset(out, 0, sizeof(*out));
	sg_error_clear(err);
	return sg_keys_command(k, &p, out, err);
}

/* A key store under test (see the SUMMARY). */
struct kt_store {
	char *dir;
	struct kt_clock clock;
	struct kt_log log;
	struct sg_config *conf;
	struct sg_keys *keys;
	struct sg_table t;		/* the last answer */
	struct sg_error err;		/* the last refusal */
};

/* DIR/keys/DOMAIN/SEL.key; the two latest results stay valid. */
static inline const char *kt_store_key_path(const struct kt_store *f, const char *domain,
					    const char *sel)
{
	static char buf[2][4096];
	static int slot;
	char *p = buf[slot++ & 1];

	snprintf(p, 4096, "%s/keys/%s/%s.key", f->dir, domain, sel);
	return p;
}

static inline struct kt_store *kt_store_new(const char *conf)
{
	struct kt_store *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->dir = kt_tmpdir();
	f->clock.t = 1795341600;	/* 2026-11-22T10:00:00Z */
	f->conf = kt_config(f->dir, conf);
	return f;
}

static inline void kt_store_open(struct kt_store *f)
{
	struct sg_error err;

	if (sg_keys_new(f->conf, kt_clock(&f->clock), &f->keys, &err) != SG_OK)
		fail_msg("%s", err.msg);
}

static inline int kt_store_free(struct kt_store *f)
{
	sg_table_free(&f->t);
	sg_keys_free(f->keys);
	sg_config_free(f->conf);
	kt_rmtree(f->dir);
	free(f);
	return 0;
}

/* The DNS TXT record of k (malloc'd; free it): t=y when testing, the
 * DomainKeys form when dk. */
static inline char *kt_record_of(const struct sg_privkey *k, bool testing, bool dk)
{
	struct sg_buf b;

	sg_buf_init(&b, 8192);
	assert_int_equal(sg_dns_record(k, testing, dk, &b, NULL), SG_OK);
	return b.data;
}

/* A cmocka group teardown for a struct kt_store in *state. */
static inline int kt_store_teardown(void **state)
{
	return kt_store_free(*state);
}

/* Runs line, which must succeed; the answer is in f->t (the previous one
 * freed). */
static inline void kt_store_run(struct kt_store *f, const char *line)
{
	sg_table_free(&f->t);
	kt_run(f->keys, line, &f->t);
}

/* Runs line expecting code; returns the error message (in f->err). */
static inline const char *kt_store_refused(struct kt_store *f, const char *line,
					   enum sg_err code)
{
	enum sg_err rc;

	sg_table_free(&f->t);
	rc = kt_command(f->keys, line, &f->t, &f->err);
	if (rc != code)
		fail_msg("\"%s\": %s (%s), expected %s", line, sg_err_name(rc), f->err.msg,
			 sg_err_name(code));
	return f->err.msg;
}

#endif
