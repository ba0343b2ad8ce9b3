# One place for warning flags: every first-party target links dim_warnings.
add_library(dim_warnings INTERFACE)
target_compile_options(dim_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow=local -Wnon-virtual-dtor
  -Wno-unused-parameter)
if(DIMCTL_DEVELOPER)
  target_compile_options(dim_warnings INTERFACE -Werror)
endif()
