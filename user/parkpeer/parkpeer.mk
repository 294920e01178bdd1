# user/parkpeer: the child of the PARK/UNPARK boot tests (user/parktest); its behaviour
# follows its CapSet.
$(eval $(call user_program,parkpeer,user/parkpeer/main.c))
