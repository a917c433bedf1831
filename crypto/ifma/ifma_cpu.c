/* ifma_cpu.c - not yet written */
typedef int sg_placeholder_ifma_cpu;
