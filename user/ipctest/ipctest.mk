# user/ipctest: endpoint IPC inside one process, started as init by the focused manifest
# tests/qemu/ipc/ipc.capnp (tests/qemu/ipc.mk, tests/qemu/ipc_tests.py).
$(eval $(call user_program,ipctest,user/ipctest/main.c))
