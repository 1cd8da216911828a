# The suite leaves nothing running (tests/leftovers): every test carries POSDIAG_TEST_TAG in its
# environment and needs the fixture whose cleanup, leftovers.check, runs after the last of them
# and fails, naming them, if a process that inherited the tag is still alive. posdiag_add_test
# gives GoogleTest's discovered tests these properties; tests/leftovers, added last, gives them to
# every test that add_test made.
set(POSDIAG_TEST_TAG "posdiag-tests:${PROJECT_BINARY_DIR}")
set(POSDIAG_TEST_TAG_PROPERTIES ENVIRONMENT_MODIFICATION "POSDIAG_TEST_TAG=set:${POSDIAG_TEST_TAG}"
    FIXTURES_REQUIRED posdiag_leftovers)
