/*
 * NAME
 *   gen_config_doc.c - prints the configuration reference generated from
 *                      the keyword table (built, not installed)
 *
 * SUMMARY
 *   gen_config_doc markdown   docs/config.md
 *   gen_config_doc man        docs/man/signet.conf.5
 *   The unit test test_config_doc.c fails when the committed files differ
 *   from this output; regenerate them with the commands in config_doc.h.
 */
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "config_doc.h"

int main(int argc, char **argv)
{
	struct sg_buf out;
	enum sg_err rc;

	if (argc != 2 || (strcmp(argv[1], "markdown") != 0 && strcmp(argv[1], "man") != 0)) {
		fprintf(stderr, "usage: gen_config_doc markdown|man\n");
		return 2;
	}
	sg_buf_init(&out, 1024 * 1024);
	rc = strcmp(argv[1], "man") == 0 ? sg_conf_doc_man(&out) : sg_conf_doc_markdown(&out);
	if (rc != SG_OK) {
		fprintf(stderr, "gen_config_doc: %s\n", sg_err_name(rc));
		sg_buf_free(&out);
		return 1;
	}
	fwrite(out.data, 1, out.len, stdout);
	sg_buf_free(&out);
	return fflush(stdout) == 0 ? 0 : 1;
}
