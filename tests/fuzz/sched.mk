# libFuzzer target for the WFQ run queue (kernel/sched/wfq.c) against the reference
# model of the host test, with a bounded smoke run in `make test`
# (tests/fuzz/wfq_fuzz_smoke.py, 8 s).
WFQ_FUZZ := $(BUILD)/fuzz/wfq_fuzz
WFQ_FUZZ_SRCS := kernel/sched/wfq.c tests/host/kernel/wfq_model.c tests/fuzz/wfq_fuzz.c
$(patsubst %.c,$(BUILD)/fuzz/%.o,$(WFQ_FUZZ_SRCS)): FUZZ_CFLAGS += -Ikernel/include
$(WFQ_FUZZ): $(patsubst %.c,$(BUILD)/fuzz/%.o,$(WFQ_FUZZ_SRCS))
	@mkdir -p $(@D)
	$(CC) $(FUZZ_SAN) -o $@ $^

ALL_TARGETS += $(WFQ_FUZZ)
TEST_DEPS   += $(WFQ_FUZZ)
TEST_SUITES += tests/fuzz/wfq_fuzz_smoke.py
