/* cmd_keygen.c - not yet written */
typedef int sg_placeholder_cmd_keygen;
