// A module for module_test.cc: its one entry gives a number.
extern "C" __attribute__((visibility("default"))) const int* posdiag_test_module_v1() {
  static const int answer = 42;
  return &answer;
}

extern "C" __attribute__((visibility("default"))) const int* posdiag_test_module_null() {
  return nullptr;
}
