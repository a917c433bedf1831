/*
 * NAME
 *   keyfiles.h - helpers for the crypto unit tests (key files, base64, p=)
 *
 * SUMMARY
 *   kf_tmpdir makes a private scratch directory and kf_rmtree empties and
 *   removes it; kf_write / kf_copy create a file there with a given mode
 *   (the testdata folder is read-only and mode 0444, so tests copy keys
 *   when the mode matters). kf_load_testdata loads a testdata key with
 *   allow_unsafe (its mode is 0444) and fails the test on error.
 *   kf_b64 / kf_unb64 wrap the engine's base64; kf_record_p returns the p=
 *   value of a TXT record, either a whole file ("v=DKIM1; ... p=...") or
 *   the line of a keys.txt file whose NAME is given.
 *   Header-only, included once per test after testutil.h.
 */
#ifndef SIGNET_TEST_KEYFILES_H
#define SIGNET_TEST_KEYFILES_H

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base64.h"
#include "key.h"

static inline void kf_tmpdir(char *out, size_t cap)
{
	const char *base = getenv("TMPDIR");

	snprintf(out, cap, "%s/signet-crypto-XXXXXX", base ? base : "/tmp");
	assert_non_null(mkdtemp(out));
}

static inline void kf_rmtree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[4096];

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path) != 0)
			assert_int_equal(rmdir(path), 0);
	}
	closedir(d);
	assert_int_equal(rmdir(dir), 0);
}

static inline void kf_write(const char *path, const void *data, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(fchmod(fd, mode), 0);
	assert_int_equal(close(fd), 0);
}

static inline void kf_copy(const char *src, const char *dst, mode_t mode)
{
	size_t len;
	char *data = tu_read(src, &len);

	kf_write(dst, data, len, mode);
	free(data);
}

static inline struct sg_privkey *kf_load_testdata(const char *rel)
{
	struct sg_privkey *k = NULL;
	struct sg_error err;

	sg_error_clear(&err);
	if (sg_privkey_load(tu_testdata(rel), true, &k, &err) != SG_OK)
		fail_msg("loading %s: %s", rel, err.msg);
	assert_non_null(k);
	return k;
}

/* malloc'd base64 of data. */
static inline char *kf_b64(const uint8_t *data, size_t n)
{
	char *out = malloc(sg_base64_encoded_len(n) + 1);

	assert_non_null(out);
	sg_base64_encode(data, n, out);
	return out;
}

/* Decodes s into out (cap bytes); returns the length. */
static inline size_t kf_unb64(const char *s, uint8_t *out, size_t cap)
{
	struct sg_error err;
	size_t n = 0;

	if (sg_base64_decode(s, strlen(s), out, cap, &n, &err) != SG_OK)
		fail_msg("bad base64 in test data: %s", err.msg);
	return n;
}

/* p= of the record in file rel (whole file, or the line starting "NAME "). */
static inline char *kf_record_p(const char *rel, const char *name)
{
	char *text = tu_read(tu_testdata(rel), NULL), *rec = text, *p, *end, *out;

	if (name != NULL) {
		size_t n = strlen(name);

		while (rec != NULL && !(strncmp(rec, name, n) == 0 && rec[n] == ' ')) {
			rec = strchr(rec, '\n');
			if (rec != NULL)
				rec++;
		}
		if (rec == NULL)
			fail_msg("no record %s in %s", name, rel);
		rec += n + 1;
	}
	for (p = rec; (p = strstr(p, "p=")) != NULL; p += 2) {
		if (p == rec || p[-1] == ' ' || p[-1] == ';')
			break;
	}
	if (p == NULL)
		fail_msg("no p= in %s", rel);
	p += 2;
	end = p + strcspn(p, "; \r\n");
	out = strndup(p, (size_t)(end - p));
	assert_non_null(out);
	free(text);
	return out;
}

#endif
