# user/stdiovanish: a StdIO server that exits mid-call (user/stdiotest's twin).
$(eval $(call user_program,stdiovanish,user/stdiovanish/main.c user/stdiotest/stdio_srv.c))
