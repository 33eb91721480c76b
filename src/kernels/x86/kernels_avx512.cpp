// AVX-512 (F, BW, VL, DQ) kernels (512-bit vectors). Compiled with -mavx512f -mavx512bw
// -mavx512vl -mavx512dq; only reached when isa_supported(Isa::kAvx512).
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <type_traits>
#include <utility>

#include "kernels/kernels.h"
#include "kernels/reference_ops.h"
#include "kernels/tile_by_dots.h"
#include "tensor/block_unpack.h"

namespace omni::avx512 {
namespace {

#include "kernels/x86/avx512_vocabulary.inc"

}  // namespace

#include "kernels/x86/simd_kernels.inc"

constinit const KernelTable kTable = make_table(Isa::kAvx512);

const KernelTable& table() {
  return kTable;
}

}  // namespace omni::avx512
