# Warnings for poolsim's own targets (not for third-party headers). The project builds warning-free with g++ 12.
add_library(poolsim_warnings INTERFACE)
target_compile_options(poolsim_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Woverloaded-virtual -Wimplicit-fallthrough
  $<$<BOOL:${POOLSIM_WERROR}>:-Werror>)
