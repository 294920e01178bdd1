# user/ipcpeer: the child of the two-process IPC tests (user/ipctest spawns it).
$(eval $(call user_program,ipcpeer,user/ipcpeer/main.c))
