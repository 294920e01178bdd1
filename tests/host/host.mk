# Host unit tests that belong to no single library (the ABI headers).
$(eval $(call host_test,error,tests/host/error_test.c))
