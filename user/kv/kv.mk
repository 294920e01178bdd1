# user/kv: the KeyValue service of the demo graph (docs/demo.md).
$(eval $(call user_program,kv,user/kv/main.c))
