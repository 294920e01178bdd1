# user/sesschild: sesstest's child holding a copy of a bundle cap across a logout.
$(eval $(call user_program,sesschild,user/sesschild/main.c))
