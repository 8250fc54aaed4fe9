#!/bin/sh
# Compiles each public header alone, as C11 and as C++17, with every
# warning an error, so a client program can include any one of them first
# and nothing else.  Usage: headertest.sh WORKDIR HEADER...
set -e
dir=$1; shift
mkdir -p "$dir"
fail=0
for h in "$@"; do
  base=$(basename "$h" .h)
  printf '#include <sanctrace/%s.h>\nint main(void) { return 0; }\n' "$base" > "$dir/$base.c"
  cp "$dir/$base.c" "$dir/$base.cpp"
  cc -std=c11 -Wall -Wextra -pedantic -Werror -Iinclude -fsyntax-only "$dir/$base.c" || { echo "headertest: $h does not compile alone as C" >&2; fail=1; }
  c++ -std=c++17 -Wall -Wextra -pedantic -Werror -Iinclude -fsyntax-only "$dir/$base.cpp" || { echo "headertest: $h does not compile alone as C++" >&2; fail=1; }
done
[ $fail -eq 0 ] && echo "headertest: $# public headers compile alone as C and C++"
exit $fail
