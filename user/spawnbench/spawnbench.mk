# user/spawnbench: init of the spawn benchmark manifest (system/spawnbench.capnp),
# timing spawn + wait of user/truemin (bench/spawn/spawn_bench.py).
$(eval $(call user_program,spawnbench,user/spawnbench/main.c))
