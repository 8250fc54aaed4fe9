# noreserve.sh - noreserve_build DIR: tests/lib/noreserve.c built into
# DIR/noreserve.so, its path in NORESERVE, for LD_PRELOAD (a fallocate
# that reserves nothing, as ZFS's); the sanitizer build is told to start
# with it preloaded ahead of its runtime.  Fails when there is no C
# compiler (the caller says it skips).
noreserve_build() {
  command -v cc >/dev/null || return 1
  cc -shared -fPIC -o "$1/noreserve.so" tests/lib/noreserve.c || return 1
  NORESERVE=$1/noreserve.so
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
}
