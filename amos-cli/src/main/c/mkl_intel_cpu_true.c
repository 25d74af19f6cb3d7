/*
 * The MKL fast-path shim of the amos launcher (docs/performance.md, "The GEMM path").
 *
 * libtorch 2.0.1 links Intel MKL statically and exports MKL's vendor check. On a CPU whose
 * vendor string is not GenuineIntel, MKL answers 0 here and runs its generic SGEMM kernels, about
 * half as fast as the AVX2/FMA kernels the CPU can run. Preloaded (LD_PRELOAD), this definition
 * interposes the exported one, so MKL picks its kernels by the CPU's feature bits alone. The
 * launcher preloads it only on non-Intel x86-64 CPUs that report avx2 and fma.
 *
 * Build: cc -shared -fPIC -O2 -o libamos-mkl-intel-cpu-true.so mkl_intel_cpu_true.c
 */
int mkl_serv_intel_cpu_true(void) { return 1; }
