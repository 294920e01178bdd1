# user/init: the init program embedded in the boot module (build/manifest.bin). It
# encodes Timer/VirtualMemory/BootPackage CALLs with the generated schema accessors and
# validates the manifest with lib/manifest (compiled here in the user class; the overlay
# merge is a build-time tool function and is left out).
$(eval $(call user_program,init,user/init/main.c user/init/manifest.c user/init/graph.c user/init/exec.c \
	$(filter-out lib/manifest/merge.c,$(MANIFEST_LIB_SRCS))))
