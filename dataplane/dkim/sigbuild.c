/* sigbuild.c - not yet written */
typedef int sg_placeholder_sigbuild;
