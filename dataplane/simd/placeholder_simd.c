typedef int sg_placeholder_simd;
