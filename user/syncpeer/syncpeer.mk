# user/syncpeer: the child of the sync boot test (user/synctest); its role follows its
# CapSet.
$(eval $(call user_program,syncpeer,user/syncpeer/main.c))
