// What the CPU we run on can execute, read once with cpuid (and xgetbv for the OS's consent to
// save the wide registers).
#pragma once

#include <cstddef>
#include <string>

namespace omni {

struct CpuFeatures {
  bool avx2 = false, fma = false, f16c = false;
  bool avx512f = false, avx512bw = false, avx512vl = false, avx512dq = false;
  bool avx512vnni = false, avx512bf16 = false, avx512fp16 = false, avx_vnni = false;
  bool amx_tile = false, amx_int8 = false, amx_bf16 = false;
  std::string brand;
};

const CpuFeatures& cpu_features();
// Whether this process may use AMX tiles: the CPU has AMX-TILE and AMX-INT8, and Linux granted the
// tile data state (arch_prctl ARCH_REQ_XCOMP_PERM, asked once; without it the first tile
// instruction faults).
bool amx_permitted();
// The L2 cache of one core in bytes, from the C library (512 KiB where it does not say).
size_t l2_cache_bytes();
// "avx2 fma f16c avx512f ..." for logs and bench reports.
std::string cpu_features_string(const CpuFeatures& f);

}  // namespace omni
