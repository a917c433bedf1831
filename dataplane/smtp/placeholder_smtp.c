typedef int sg_placeholder_smtp;
