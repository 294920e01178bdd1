# user/hello: demo program for the shell's `run` (greets, reads a name on stdin).
$(eval $(call user_program,hello,user/hello/main.c))
