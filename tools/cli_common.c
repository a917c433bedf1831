/* cli_common.c - not yet written */
typedef int sg_placeholder_cli_common;
