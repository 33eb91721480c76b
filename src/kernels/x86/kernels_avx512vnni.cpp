// AVX-512 kernels with VNNI: the AVX-512 table's code, whose integer tiles add each lane's four
// byte products with vpdpbusd (kVnni in dot_tiles.inc). Compiled with the AVX-512 flags and
// -mavx512vnni; only reached when isa_supported(Isa::kAvx512Vnni).
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

namespace omni::avx512vnni {
namespace {

#include "kernels/x86/avx512_vocabulary.inc"

}  // namespace

#include "kernels/x86/simd_kernels.inc"

constinit const KernelTable kTable = make_table(Isa::kAvx512Vnni);

const KernelTable& table() {
  return kTable;
}

}  // namespace omni::avx512vnni
