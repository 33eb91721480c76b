// The cost of AMX-INT8 tile instructions in the pattern of the amx table's tiles
// (src/kernels/x86/kernels_amx.cpp), without the AVX-512 work around them: what bounds those
// tiles on a CPU with AMX. Each benchmark's time is per 16 x 16 x 32 block product (8192
// multiply-adds, one 32-element block of 16 tokens and 16 weight rows):
//   AmxTiles/Product         tdpbssd alone, four independent accumulators
//   AmxTiles/BlockProduct    load A (16 rows, strided as activation rows are) and B, zero C,
//                            tdpbssd, store C: two tile sets alternating, as the kernel does
//   AmxTiles/BlockProduct2x2 two A and two B tiles per block, four C tiles: 32 tokens x 32 rows
// Skipped, with a message, where the CPU or the OS does not offer AMX.
// Run: build/bin/bench_amx_tiles
#include <benchmark/benchmark.h>
#include <immintrin.h>

#include <cstdint>

#include "kernels/cpu_features.h"

namespace {

struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

alignas(64) int8_t g_buf[256 << 10];

// C 16 x 64 bytes, A 16 x 32 bytes, B 8 x 64 bytes, for the given tile numbers.
void shape(TileConfig& c, int ct, int at, int bt) {
  c.colsb[ct] = 64;
  c.rows[ct] = 16;
  c.colsb[at] = 32;
  c.rows[at] = 16;
  c.colsb[bt] = 64;
  c.rows[bt] = 8;
}

bool skip_without_amx(benchmark::State& state) {
  if (omni::amx_permitted()) return false;
  state.SkipWithError("no AMX-INT8 on this CPU, or the OS did not grant the tile state");
  return true;
}

__attribute__((target("amx-tile,amx-int8"))) void product(benchmark::State& state) {
  if (skip_without_amx(state)) return;
  TileConfig c;
  shape(c, 0, 1, 2);
  shape(c, 3, 4, 5);
  c.colsb[6] = c.colsb[7] = 64;
  c.rows[6] = c.rows[7] = 16;
  _tile_loadconfig(&c);
  _tile_loadd(1, g_buf, 64);
  _tile_loadd(2, g_buf, 64);
  _tile_loadd(4, g_buf, 64);
  _tile_loadd(5, g_buf, 64);
  for (auto _ : state) {
    _tile_dpbssd(0, 1, 2);
    _tile_dpbssd(3, 4, 5);
    _tile_dpbssd(6, 1, 5);
    _tile_dpbssd(7, 4, 2);
  }
  _tile_release();
  state.SetItemsProcessed(int64_t(state.iterations()) * 4);
}

__attribute__((target("amx-tile,amx-int8"))) void block_product(benchmark::State& state) {
  if (skip_without_amx(state)) return;
  TileConfig c;
  shape(c, 0, 1, 2);
  shape(c, 3, 4, 5);
  _tile_loadconfig(&c);
  constexpr size_t kActStride = 2176;  // a Q8_0 activation row of 2048 elements
  int j = 0;
  for (auto _ : state) {
    const int8_t* b = g_buf + (j & 63) * 1024;
    const int8_t* a = g_buf + 65536 + (j & 63) * 68;
    _tile_loadd(2, b, 64);
    _tile_loadd(1, a, kActStride);
    _tile_zero(0);
    _tile_loadd(5, b + 512, 64);
    _tile_loadd(4, a + 34, kActStride);
    _tile_zero(3);
    _tile_dpbssd(0, 1, 2);
    _tile_dpbssd(3, 4, 5);
    _tile_stored(0, g_buf + 200704, 64);
    _tile_stored(3, g_buf + 201728, 64);
    ++j;
  }
  _tile_release();
  state.SetItemsProcessed(int64_t(state.iterations()) * 2);
}

__attribute__((target("amx-tile,amx-int8"))) void block_product_2x2(benchmark::State& state) {
  if (skip_without_amx(state)) return;
  TileConfig c;
  for (int i = 0; i < 4; ++i) {
    c.colsb[i] = 64;
    c.rows[i] = 16;
  }
  c.colsb[4] = c.colsb[5] = 32;
  c.rows[4] = c.rows[5] = 16;
  c.colsb[6] = c.colsb[7] = 64;
  c.rows[6] = c.rows[7] = 8;
  _tile_loadconfig(&c);
  constexpr size_t kActStride = 2176;
  int j = 0;
  for (auto _ : state) {
    const int8_t* b = g_buf + (j & 63) * 1024;
    const int8_t* a = g_buf + 65536 + (j & 63) * 68;
    _tile_loadd(6, b, 64);
    _tile_loadd(7, b + 512, 64);
    _tile_loadd(4, a, kActStride);
    _tile_loadd(5, a + 16 * kActStride, kActStride);
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
    _tile_dpbssd(0, 4, 6);
    _tile_dpbssd(1, 4, 7);
    _tile_dpbssd(2, 5, 6);
    _tile_dpbssd(3, 5, 7);
    _tile_stored(0, g_buf + 200704, 64);
    _tile_stored(1, g_buf + 201728, 64);
    _tile_stored(2, g_buf + 202752, 64);
    _tile_stored(3, g_buf + 203776, 64);
    ++j;
  }
  _tile_release();
  state.SetItemsProcessed(int64_t(state.iterations()) * 4);
}

}  // namespace

BENCHMARK(product)->Name("AmxTiles/Product");
BENCHMARK(block_product)->Name("AmxTiles/BlockProduct");
BENCHMARK(block_product_2x2)->Name("AmxTiles/BlockProduct2x2");
BENCHMARK_MAIN();
