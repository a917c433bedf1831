/* cmd_sign.c - not yet written */
typedef int sg_placeholder_cmd_sign;
