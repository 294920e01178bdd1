# user/sysinfo: the SystemInfo service over the kernel's SystemStatus cap
# (docs/sessions.md).
$(eval $(call user_program,sysinfo,user/sysinfo/main.c))
