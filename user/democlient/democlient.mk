# user/democlient: the client of the demo graph (docs/demo.md).
$(eval $(call user_program,democlient,user/democlient/main.c))
