typedef int sg_placeholder_core;
