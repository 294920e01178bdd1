# user/termtest: init of the TerminalSession test manifest (system/tests/term.capnp),
# driven through COM2 by tests/qemu/term_tests.py (harness.Terminal).
$(eval $(call user_program,termtest,user/termtest/main.c))
