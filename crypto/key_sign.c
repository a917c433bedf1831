/* key_sign.c - not yet written */
typedef int sg_placeholder_key_sign;
