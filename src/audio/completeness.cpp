#include "audio/completeness.h"

#include <cstring>

namespace omni {
namespace {

uint32_t le32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

// Bytes of the MPEG audio frame whose header starts at p, or 0 if p holds no valid header
// (including free-format frames, whose length the header does not give).
size_t mpeg_frame_bytes(const uint8_t* p) {
  if (p[0] != 0xff || (p[1] & 0xe0) != 0xe0) return 0;
  const int version = (p[1] >> 3) & 3;  // 0 MPEG-2.5, 1 reserved, 2 MPEG-2, 3 MPEG-1
  const int layer = (p[1] >> 1) & 3;    // 1 layer III, 2 layer II, 3 layer I, 0 reserved
  const int bitrate_index = p[2] >> 4;
  const int rate_index = (p[2] >> 2) & 3;
  const int padding = (p[2] >> 1) & 1;
  if (version == 1 || layer == 0 || bitrate_index == 0 || bitrate_index == 15 || rate_index == 3) {
    return 0;
  }
  // kbit/s by [table][bitrate_index]: MPEG-1 layer I, II, III; MPEG-2/2.5 layer I; II and III.
  static const int kBitrates[5][15] = {
      {0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448},
      {0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384},
      {0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320},
      {0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256},
      {0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160},
  };
  static const int kRates[3] = {44100, 48000, 32000};
  const bool mpeg1 = version == 3;
  const int rate = kRates[rate_index] >> (mpeg1 ? 0 : version == 2 ? 1 : 2);
  const int table = mpeg1 ? 3 - layer : (layer == 3 ? 3 : 4);
  const size_t bitrate = size_t(kBitrates[table][bitrate_index]) * 1000;
  if (layer == 3) return (12 * bitrate / size_t(rate) + size_t(padding)) * 4;  // layer I
  const size_t per_frame = (layer == 1 && !mpeg1) ? 72 : 144;
  return per_frame * bitrate / size_t(rate) + size_t(padding);
}

Status truncated(const std::string& label, const char* unit, size_t at, size_t needed,
                 size_t held) {
  return Corrupt("%s: truncated: the %s at byte %zu needs %zu bytes but the file holds %zu",
                 label.c_str(), unit, at, needed, held);
}

}  // namespace

// Data chunk sizes 0 and 0xffffffff mean "unknown" (written by streaming encoders).
Status check_wav_complete(const uint8_t* data, size_t size, const std::string& label) {
  if (size < 12 || std::memcmp(data, "RIFF", 4) != 0 || std::memcmp(data + 8, "WAVE", 4) != 0) {
    return Status::Ok();
  }
  size_t pos = 12;
  while (pos + 8 <= size) {
    const uint32_t chunk_bytes = le32(data + pos + 4);
    if (std::memcmp(data + pos, "data", 4) == 0) {
      if (chunk_bytes == 0 || chunk_bytes == 0xffffffffu) return Status::Ok();
      if (chunk_bytes > size - pos - 8) {
        return truncated(label, "WAV data chunk", pos, chunk_bytes, size - pos - 8);
      }
      return Status::Ok();
    }
    pos += 8 + size_t(chunk_bytes) + (chunk_bytes & 1);
  }
  return Status::Ok();
}

// A page: "OggS", version, flags, granule (8), serial (4), sequence (4), CRC (4), n_segments,
// the segment table, then the sum of the segment sizes in body bytes.
Status check_ogg_complete(const uint8_t* data, size_t size, const std::string& label) {
  size_t pos = 0;
  while (pos < size) {
    if (size - pos < 4 || std::memcmp(data + pos, "OggS", 4) != 0) return Status::Ok();
    if (size - pos < 27) return truncated(label, "Ogg page header", pos, 27, size - pos);
    const size_t n_segments = data[pos + 26];
    if (size - pos < 27 + n_segments) {
      return truncated(label, "Ogg page header", pos, 27 + n_segments, size - pos);
    }
    size_t page = 27 + n_segments;
    for (size_t i = 0; i < n_segments; ++i) page += data[pos + 27 + i];
    if (page > size - pos) return truncated(label, "Ogg page", pos, page, size - pos);
    pos += page;
  }
  return Status::Ok();
}

Status check_mpeg_complete(const uint8_t* data, size_t size, const std::string& label) {
  size_t pos = 0;
  // An ID3v2 tag: "ID3", version (2), flags, size as four 7-bit bytes; a footer adds 10.
  if (size >= 10 && std::memcmp(data, "ID3", 3) == 0) {
    const size_t tag = (size_t(data[6] & 0x7f) << 21) | (size_t(data[7] & 0x7f) << 14) |
                       (size_t(data[8] & 0x7f) << 7) | size_t(data[9] & 0x7f);
    pos = 10 + tag + ((data[5] & 0x10) ? 10 : 0);
  }
  while (pos + 4 <= size) {
    const size_t frame = mpeg_frame_bytes(data + pos);
    if (frame == 0) return Status::Ok();  // a trailing tag, junk, or free format: no judgement
    if (frame > size - pos) return truncated(label, "MPEG audio frame", pos, frame, size - pos);
    pos += frame;
  }
  return Status::Ok();
}

}  // namespace omni
