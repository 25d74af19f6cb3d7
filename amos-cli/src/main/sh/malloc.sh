# glibc malloc's tunables for the launchers (./amos and amos-spark/launch.sh source this file;
# docs/performance.md, "Tensor memory"). amos_malloc DEFAULT NAME: unless the caller set any
# MALLOC_* variable, AMOS_MALLOC (default DEFAULT) picks
#   heap: every tensor from malloc's heap, freed memory kept there (MALLOC_MMAP_MAX_=0, a 16 GiB
#         trim threshold, one arena: the main heap, since other arenas' 64 MiB heaps are
#         unmapped when they empty): no mmap, munmap and page faults per large tensor; the
#         training loop and amos embed call malloc_trim so that RSS stays flat;
#   mmap: every allocation of 1 MiB or more mapped and returned to the OS (lower RSS).
# NAME prefixes the one error line (exit 2) for any other value.
amos_malloc() {
  if env | grep -q '^MALLOC_'; then return; fi
  case "${AMOS_MALLOC:-$1}" in
    heap) export MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=17179869184 MALLOC_ARENA_MAX=1 ;;
    mmap) export MALLOC_MMAP_THRESHOLD_=1048576 ;;
    *) echo "$2: AMOS_MALLOC: expected heap or mmap, got \"$AMOS_MALLOC\"" >&2; exit 2 ;;
  esac
}
