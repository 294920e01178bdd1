# Source formatting (style.md: "One .clang-format, applied by a check"). `make format`
# rewrites every tracked C file in place (commit such a change on its own, without
# logic changes); `make test` runs tests/format/format_check.py, which fails if any
# file differs. clang-format-14 is Debian 12's; deps.sh installs it.

.PHONY: format
format: | $(DEPS_STAMP)
	git ls-files '*.c' '*.h' | grep -v '^tools/capnpc-c/bootstrap/' | xargs clang-format-14 -i

TEST_SUITES += tests/format/format_check.py
