/* backend_evp.c - not yet written */
typedef int sg_placeholder_backend_evp;
