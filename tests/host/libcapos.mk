# Host tests of libcapos's pure pieces (TLS placement, program break), compiled
# unmodified for the host with ASan/UBSan. The rest of libcapos runs in
# tests/user (user_tests.py) against the real newlib.
$(eval $(call host_test,libcapos_tls,lib/libcapos/tls.c tests/host/libcapos/tls_test.c))
$(eval $(call host_test,libcapos_heap,lib/libcapos/heap.c tests/host/libcapos/heap_test.c))
