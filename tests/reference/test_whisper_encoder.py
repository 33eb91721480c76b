#!/usr/bin/python3
"""Cross-check omni's Whisper encoder and decoder against independent numpy ones
(whisper_reference.py).

Usage:
    /usr/bin/python3 test_whisper_encoder.py --omni build/bin/omni --workdir /tmp/enc \
        --audio ../shared/data/audio/jfk.wav [--real-shape]

For each model written by `omni model synth --arch whisper --preset P --type T --seed S` the
script runs `omni audio encode -m MODEL AUDIO -o ENC.npy --mel-out MEL.npy` and computes the
encoder in float64 from the file (read by whisper_reference's own ggml reader) and from MEL.npy
(the first window, whose values the mel reference test covers). Tolerance: max |diff| <= 1e-4
(measured: 5.6e-7 for the test preset in f32, 1.3e-6 for tiny in f16, outputs of magnitude ~4).
Then `omni audio decode ... --tokens IDS --enc-out ENC.npy -o LOGITS.npy` gives the decoder's
logits for the prompt <|startoftranscript|><|en|><|transcribe|><|notimestamps|> and three text
tokens; the reference decodes the same ids over omni's encoder output (so only the decoder is
compared). Tolerance: max |diff| <= 1e-4 over all n_vocab logits of every position.
It also checks the file's hyperparameters against the preset and the encoder output's shape.
Quantized files (q8_0, q5_0, q4_0, as whisper.cpp's quantize tool writes them) are read by the
reference through the GGUF reader's numpy dequantization and compared within 2e-2.
--real-shape adds the tiny preset (1500 x 384, 4 layers; the numpy side takes about a minute),
--base the base preset (1500 x 512, 6 layers; a few minutes of numpy).
The last line is "N passed, M failed"; exit status 1 on any failure.
"""

import argparse
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import whisper_reference as wr  # noqa: E402

TOLERANCE = 1e-4
# Block-quantized weights: the activations are quantized to 8 bits for the integer dot products
# (as llama.cpp and whisper.cpp do), so outputs differ from float64 on the dequantized weights by
# a few 1e-3 (measured on the test shape: encoder 2.6e-3, decoder logits 6.1e-3 for q8_0).
QUANTIZED_TOLERANCE = 2e-2
PRESETS = {  # n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer, n_mels
    "test": (64, 64, 2, 2, 80),
    "tiny": (1500, 384, 6, 4, 80),
    "base": (1500, 512, 8, 6, 80),
}


def run(cmd):
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stderr}")
    return proc.stderr.strip()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--omni", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--audio", required=True)
    ap.add_argument("--real-shape", action="store_true")
    ap.add_argument("--base", action="store_true",
                    help="also the base preset (1500 x 512, 6 layers; minutes of numpy)")
    args = ap.parse_args()
    os.makedirs(args.workdir, exist_ok=True)
    cases = [("test", "f32", 1), ("test", "f16", 2), ("test", "q8_0", 5), ("test", "q5_0", 6),
             ("test", "q4_0", 7)]
    if args.real_shape:
        cases.append(("tiny", "f16", 3))
    if args.base:
        cases.append(("base", "f16", 4))
    passed = failed = 0
    for preset, wtype, seed in cases:
        TOLERANCE = 1e-4 if wtype in ("f32", "f16") else QUANTIZED_TOLERANCE
        label = f"{preset} {wtype} seed {seed}"
        model = os.path.join(args.workdir, f"whisper-{preset}-{wtype}.bin")
        enc = os.path.join(args.workdir, f"enc-{preset}-{wtype}.npy")
        mel = os.path.join(args.workdir, f"mel-{preset}-{wtype}.npy")
        try:
            run([args.omni, "model", "synth", "--arch", "whisper", "--preset", preset, "--type",
                 wtype, "--seed", str(seed), "-o", model])
            timing = run([args.omni, "audio", "encode", "-m", model, args.audio, "-o", enc,
                          "--mel-out", mel, "-t", "2"])
        except RuntimeError as e:
            print(f"FAIL {label}: {e}")
            failed += 1
            continue
        m = wr.read_whisper_ggml(model)
        hp = m["hparams"]
        want_shape = PRESETS[preset]
        got_shape = (hp["n_audio_ctx"], hp["n_audio_state"], hp["n_audio_head"],
                     hp["n_audio_layer"], hp["n_mels"])
        got = np.load(enc)
        ref = wr.encoder(m, np.load(mel))
        err = float(np.max(np.abs(got.astype(np.float64) - ref))) if got.shape == ref.shape else None
        ok = (got_shape == want_shape and got.shape == (want_shape[0], want_shape[1])
              and err is not None and err <= TOLERANCE)
        print(f"{'PASS' if ok else 'FAIL'} {label}: hparams {got_shape}, output {got.shape}, "
              f"max |diff| {err if err is None else f'{err:.2e}'} (max |ref| "
              f"{np.max(np.abs(ref)):.3f}, tolerance {TOLERANCE:g}); {timing}", flush=True)
        passed += ok
        failed += not ok

        ids = [50258, 50259, 50359, 50363, 400, 370, 452]
        logits_path = os.path.join(args.workdir, f"logits-{preset}-{wtype}.npy")
        enc2 = os.path.join(args.workdir, f"enc2-{preset}-{wtype}.npy")
        try:
            run([args.omni, "audio", "decode", "-m", model, args.audio, "--tokens",
                 " ".join(map(str, ids)), "--enc-out", enc2, "-o", logits_path, "-t", "2"])
        except RuntimeError as e:
            print(f"FAIL {label} decoder: {e}")
            failed += 1
            continue
        logits = np.load(logits_path)
        ref_logits = wr.decoder(m, np.load(enc2), ids)
        ok = logits.shape == ref_logits.shape
        err = float(np.max(np.abs(logits.astype(np.float64) - ref_logits))) if ok else None
        ok = ok and err <= TOLERANCE
        print(f"{'PASS' if ok else 'FAIL'} {label} decoder: logits {logits.shape}, max |diff| "
              f"{err if err is None else f'{err:.2e}'} (max |ref| {np.max(np.abs(ref_logits)):.3f}, "
              f"tolerance {TOLERANCE:g}); greedy argmax agrees at "
              f"{int(np.sum(logits.argmax(-1) == ref_logits.argmax(-1)))}/{len(ids)} positions",
              flush=True)
        passed += ok
        failed += not ok
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
