/*
 * NAME
 *   config_doc.h - the configuration reference, generated from the keyword
 *                  table: docs/config.md and signet.conf(5)
 *
 * SUMMARY
 *   sg_conf_doc_markdown and sg_conf_doc_man append the whole document to
 *   a buffer: an introduction and the syntax, then every block in table
 *   order with the keywords first allowed there (type, default, where
 *   allowed, help); keywords shared with an earlier block are named with a
 *   pointer to it. The output depends on nothing but the table and the
 *   project version, so a test can compare it with the committed files.
 *   gen_config_doc (not installed) prints either to stdout.
 */
#ifndef SIGNET_CONTROL_CONFIG_DOC_H
#define SIGNET_CONTROL_CONFIG_DOC_H

#include "buf.h"
#include "status.h"

#define SG_CONF_DOC_REGENERATE \
	"ninja -C BUILD control/config/gen_config_doc && " \
	"BUILD/control/config/gen_config_doc markdown > docs/config.md && " \
	"BUILD/control/config/gen_config_doc man > docs/man/signet.conf.5"

SG_MUST_CHECK enum sg_err sg_conf_doc_markdown(struct sg_buf *out);
SG_MUST_CHECK enum sg_err sg_conf_doc_man(struct sg_buf *out);

#endif
