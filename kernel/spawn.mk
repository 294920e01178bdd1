# Process spawning: the ProcessSpawner / ProcessHandle kernel objects and the pure
# spawn request decoder (kernel/cap/spawner.c, spawn_decode.c; docs/spawn.md). Named
# to sort after kernel/kernel.mk, which sets KERNEL_SRCS.
KERNEL_SRCS += kernel/cap/spawn_decode.c kernel/cap/spawner.c
