# Host tests for kboot's pure code: the formatter (lib/fmt).
$(eval $(call host_test,fmt,lib/fmt/fmt.c tests/host/kboot/fmt_test.c))
