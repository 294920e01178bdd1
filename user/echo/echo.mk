# user/echo: the Echo service of the demo graph (docs/demo.md).
$(eval $(call user_program,echo,user/echo/main.c))
