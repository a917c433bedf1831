/* base64.c - not yet written */
typedef int sg_placeholder_base64;
