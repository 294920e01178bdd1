# user/upper: demo program for the shell's `run` (stdin upper-cased to stdout).
$(eval $(call user_program,upper,user/upper/main.c))
