#!/usr/bin/python3
"""Cross-check omni's Whisper log-mel spectrogram against an independent numpy implementation.

Usage:
    /usr/bin/python3 test_whisper_mel.py --omni build/bin/omni --workdir /tmp/mel \
        --audio-dir ../shared/data/audio --ggml ../shared/data/models/whisper.cpp-for-tests-ggml-tiny.bin

The reference follows the definition of openai-whisper's log_mel_spectrogram, written here from
the spec in float64 with numpy only: its own RIFF/WAVE reader (PCM16), 30 s of zero padding,
reflect padding of n_fft/2 at both ends, frames of 400 samples every 160 under a periodic Hann
window, |numpy.fft.rfft|^2, the last frame dropped, a Slaney mel filterbank (librosa's
definition: Slaney mel scale, edges evenly spaced in mel from 0 to 8 kHz, triangles normalised
to unit area), log10 of max(mel, 1e-10), clamped below at (max - 8), then (x + 4) / 4.

Checks, each a line with its figure:
  * the 80-bin filterbank stored in the whisper.cpp ggml file (read by this script's own parser)
    equals this script's filterbank to float32 rounding (relative 1e-6);
  * `omni audio mel` on each WAV, for 80 and 128 bins, padded and not, and with the ggml file's
    filters, matches the reference to max |diff| <= 1e-4 (and has the same shape).
The last line is "N passed, M failed"; exit status 1 on any failure. A failing command is a
failure (its stderr is shown), never a skip.
"""

import argparse
import os
import struct
import subprocess
import sys

import numpy as np

SAMPLE_RATE = 16000
N_FFT = 400
HOP = 160
CHUNK_SAMPLES = 30 * SAMPLE_RATE
TOLERANCE = 1e-4


def read_wav_pcm16(path):
    """Mono PCM16 RIFF/WAVE -> float64 samples in [-1, 1) (s / 32768)."""
    data = open(path, "rb").read()
    if data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError(f"{path}: not RIFF/WAVE")
    pos, fmt, samples = 12, None, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        body = data[pos + 8:pos + 8 + size]
        if cid == b"fmt ":
            fmt = struct.unpack_from("<HHIIHH", body)
        elif cid == b"data":
            samples = body
        pos += 8 + size + (size & 1)
    tag, channels, rate, _, _, bits = fmt
    if tag != 1 or channels != 1 or bits != 16 or rate != SAMPLE_RATE:
        raise ValueError(f"{path}: expected 16 kHz mono PCM16, got {fmt}")
    return np.frombuffer(samples, dtype="<i2").astype(np.float64) / 32768.0


def hz_to_mel(f):
    f = np.asarray(f, dtype=np.float64)
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, np.log(6.4) / 27.0
    return np.where(f >= min_log_hz, min_log_mel + np.log(np.maximum(f, 1e-30) / min_log_hz) / logstep,
                    f / f_sp)


def mel_to_hz(m):
    m = np.asarray(m, dtype=np.float64)
    f_sp, min_log_hz = 200.0 / 3, 1000.0
    min_log_mel, logstep = min_log_hz / f_sp, np.log(6.4) / 27.0
    return np.where(m >= min_log_mel, min_log_hz * np.exp(logstep * (m - min_log_mel)), f_sp * m)


def slaney_filterbank(n_mels):
    """[n_mels, n_fft/2 + 1] float64 triangles with unit area in Hz."""
    fft_hz = np.arange(N_FFT // 2 + 1) * SAMPLE_RATE / N_FFT
    edges = mel_to_hz(np.linspace(hz_to_mel(0.0), hz_to_mel(SAMPLE_RATE / 2), n_mels + 2))
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    rising = (fft_hz[None, :] - lo) / (mid - lo)
    falling = (hi - fft_hz[None, :]) / (hi - mid)
    tri = np.maximum(0.0, np.minimum(rising, falling))
    return tri * (2.0 / (hi - lo))


def log_mel(samples, filters, pad):
    x = np.concatenate([samples, np.zeros(pad)]) if pad else samples
    x = np.pad(x, N_FFT // 2, mode="reflect")
    n_frames = 1 + (len(x) - N_FFT) // HOP
    idx = np.arange(N_FFT)[None, :] + HOP * np.arange(n_frames)[:, None]
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(N_FFT) / N_FFT)  # periodic Hann
    power = np.abs(np.fft.rfft(x[idx] * window, axis=1)) ** 2
    power = power[:-1]  # whisper drops the last frame
    mel = filters @ power.T
    logs = np.log10(np.maximum(mel, 1e-10))
    logs = np.maximum(logs, logs.max() - 8.0)
    return (logs + 4.0) / 4.0


def read_ggml_filters(path):
    data = open(path, "rb").read()
    magic, = struct.unpack_from("<I", data, 0)
    if magic != 0x67676D6C:
        raise ValueError(f"{path}: bad magic {magic:#x}")
    n_mel, n_bins = struct.unpack_from("<ii", data, 4 + 11 * 4)
    start = 4 + 11 * 4 + 8
    return np.frombuffer(data[start:start + n_mel * n_bins * 4], dtype="<f4").reshape(n_mel, n_bins)


def load_npy(path):
    return np.load(path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--omni", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--audio-dir", required=True)
    ap.add_argument("--ggml", required=True)
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    passed = failed = 0

    def report(ok, line):
        nonlocal passed, failed
        print(("PASS " if ok else "FAIL ") + line, flush=True)
        if ok:
            passed += 1
        else:
            failed += 1

    ggml = read_ggml_filters(args.ggml).astype(np.float64)
    ref80 = slaney_filterbank(80)
    rel = np.max(np.abs(ggml - ref80)) / np.max(np.abs(ref80))
    report(ggml.shape == ref80.shape and rel <= 1e-6,
           f"ggml filterbank {ggml.shape} vs reference: max relative difference {rel:.2e}")

    cases = []
    for wav in ["jfk.wav", "espeak_en_hello.wav", "espeak_ko_hello.wav"]:
        cases.append((wav, 80, True, None))
    cases += [("jfk.wav", 128, True, None), ("jfk.wav", 80, False, None),
              ("jfk.wav", 128, False, None), ("jfk.wav", 80, True, args.ggml)]
    for wav, n_mels, pad, filters_file in cases:
        path = os.path.join(args.audio_dir, wav)
        out = os.path.join(args.workdir, f"{wav}-{n_mels}-{int(pad)}-{int(bool(filters_file))}.npy")
        cmd = [args.omni, "audio", "mel", path, "-o", out, "--n-mels", str(n_mels), "-t", "2"]
        if not pad:
            cmd.append("--no-pad")
        if filters_file:
            cmd += ["--filters", filters_file]
        label = f"{wav} {n_mels} mels{'' if pad else ' unpadded'}{' ggml filters' if filters_file else ''}"
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            report(False, f"{label}: {' '.join(cmd)} failed:\n{proc.stderr}")
            continue
        got = load_npy(out)
        filters = ggml if filters_file else slaney_filterbank(n_mels)
        want = log_mel(read_wav_pcm16(path), filters, CHUNK_SAMPLES if pad else 0)
        if got.shape != want.shape or got.dtype != np.float32:
            report(False, f"{label}: shape {got.shape} {got.dtype}, reference {want.shape}")
            continue
        err = np.max(np.abs(got.astype(np.float64) - want))
        report(err <= TOLERANCE, f"{label}: {got.shape[0]} x {got.shape[1]}, max |diff| {err:.2e} "
               f"(tolerance {TOLERANCE:g}); {proc.stderr.strip()}")

    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
