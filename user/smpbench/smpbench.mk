# user/smpbench: the capOS side of the SMP scaling benchmark (bench/smp/, `make
# bench-smp`): init of system/smpbench.capnp and, spawned by itself, its workers. The
# job is bench/smp/smp_work.c, the same source as the Linux guest's. Two variants:
# smpbench (the benchmark's job) and smpcheck (a tiny job for the boot test
# tests/qemu/smp_bench_tests.py).
SMPBENCH_SRCS := user/smpbench/main.c user/smpbench/threads.c user/smpbench/park.c \
	bench/smp/smp_work.c
$(eval $(call user_program,smpbench,$(SMPBENCH_SRCS) user/smpbench/full.c))
$(eval $(call user_program,smpcheck,$(SMPBENCH_SRCS) user/smpbench/quick.c))

$(patsubst %.c,$(BUILD)/user/%.o,$(SMPBENCH_SRCS) user/smpbench/full.c user/smpbench/quick.c): \
	USER_CFLAGS += -Ibench/smp -Iuser/smpbench
