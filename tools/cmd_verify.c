/* cmd_verify.c - not yet written */
typedef int sg_placeholder_cmd_verify;
