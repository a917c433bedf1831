/* backend_ifma.c - not yet written */
typedef int sg_placeholder_backend_ifma;
