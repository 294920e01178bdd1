# user/spin: demo program for the shell's Ctrl-C (a tick line every 200 ms, forever).
$(eval $(call user_program,spin,user/spin/main.c))
