"""`omni transcribe` end to end on a random-weight Whisper model of the test shape (1.28 s
windows): every output format parses, the formats agree on the segments, times are ordered and
inside the audio, the progress line appears for audio longer than a window, and errors exit 1
with a message. The weights are random, so no words are checked.

    transcribe_cli_test.py --omni OMNI --workdir DIR --audio jfk.wav
"""

import argparse
import json
import os
import re
import subprocess
import sys

DURATION = 11.0  # jfk.wav


def run(cmd, expect=0):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != expect:
        sys.exit(f"{' '.join(cmd)}: exit {p.returncode}, expected {expect}\n{p.stderr}")
    return p


def seconds(stamp, mark):
    h, m, rest = stamp.split(":")
    s, ms = rest.split(mark)
    return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000


def parse_cues(text, mark, numbered):
    """[(start, end, text)] from SubRip or WebVTT cues."""
    cues = []
    blocks = [b for b in text.strip().split("\n\n") if b]
    pattern = re.compile(r"^(\d\d:\d\d:\d\d" + re.escape(mark) + r"\d\d\d) --> (\d\d:\d\d:\d\d"
                         + re.escape(mark) + r"\d\d\d)$")
    for i, block in enumerate(blocks):
        lines = block.split("\n")
        if numbered:
            assert lines[0] == str(i + 1), f"cue {i + 1} numbered {lines[0]!r}"
            lines = lines[1:]
        m = pattern.match(lines[0])
        assert m, f"bad cue timing line {lines[0]!r}"
        cues.append((seconds(m.group(1), mark), seconds(m.group(2), mark), "\n".join(lines[1:])))
    return cues


def check_times(spans, label):
    last = 0.0
    for start, end in spans:
        assert last - 1e-3 <= start <= end <= DURATION + 1e-3, f"{label}: {start}..{end} after {last}"
        last = start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--omni", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--audio", required=True)
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    model = os.path.join(a.workdir, "whisper-test.bin")
    run([a.omni, "model", "synth", "--arch", "whisper", "--preset", "test", "--type", "f32",
         "--scale", "0.3", "--seed", "7", "-o", model])
    base = [a.omni, "transcribe", "-m", model, a.audio, "--beam", "1", "--no-fallback", "-n", "10",
            "-t", "2", "--language", "en"]

    out = {}
    for fmt in ["txt", "srt", "vtt", "json", "verbose_json"]:
        path = os.path.join(a.workdir, "out." + fmt)
        p = run(base + ["--format", fmt, "-o", path])
        out[fmt] = open(path, encoding="utf-8").read()
        if fmt == "srt":
            # 11 s of audio is many 1.28 s windows: a progress line, ending at 100%.
            lines = [l for l in re.split(r"[\r\n]", p.stderr) if l.startswith("transcribe: 00:")]
            assert lines, f"no progress line in {p.stderr!r}"
            assert re.fullmatch(r"transcribe: 00:00:\d\d / 00:00:11 \(\d+%\)", lines[0]), lines[0]
            assert lines[-1].endswith("(100%)"), lines[-1]

    verbose = json.loads(out["verbose_json"])
    for key in ["task", "language", "duration", "text", "segments"]:
        assert key in verbose, f"verbose_json lacks {key}"
    assert verbose["task"] == "transcribe" and verbose["language"] == "en"
    assert abs(verbose["duration"] - DURATION) < 1e-6, verbose["duration"]
    segments = verbose["segments"]
    assert segments, "no segments"
    for i, s in enumerate(segments):
        for key in ["id", "seek", "start", "end", "text", "tokens", "temperature", "avg_logprob",
                    "compression_ratio", "no_speech_prob"]:
            assert key in s, f"segment {i} lacks {key}"
        assert s["id"] == i
        assert 0 <= s["no_speech_prob"] <= 1 and s["avg_logprob"] <= 0
    check_times([(s["start"], s["end"]) for s in segments], "verbose_json")
    assert verbose["text"] == "".join(s["text"] for s in segments)
    assert json.loads(out["json"])["text"] == verbose["text"]
    assert out["txt"].strip() == verbose["text"].strip()

    srt = parse_cues(out["srt"], ",", numbered=True)
    assert out["vtt"].startswith("WEBVTT\n\n")
    vtt = parse_cues(out["vtt"][len("WEBVTT\n\n"):], ".", numbered=False)
    for label, cues in [("srt", srt), ("vtt", vtt)]:
        assert len(cues) == len(segments), f"{label}: {len(cues)} cues, {len(segments)} segments"
        check_times([(c[0], c[1]) for c in cues], label)
        for c, s in zip(cues, segments):
            assert abs(c[0] - s["start"]) < 1e-3 and abs(c[1] - s["end"]) < 1e-3, (label, c, s)
            assert c[2] == s["text"].strip(), (label, c[2], s["text"])

    # Errors: a message and exit 1.
    p = run(base + ["--format", "docx"], expect=1)
    assert "--format" in p.stderr, p.stderr
    p = run([a.omni, "transcribe", "-m", model, os.path.join(a.workdir, "missing.wav")], expect=1)
    assert "error" in p.stderr, p.stderr
    p = run(base[:-2] + ["--language", "xx"], expect=1)
    assert "unknown language" in p.stderr, p.stderr
    print(f"ok: {len(segments)} segments in every format")


if __name__ == "__main__":
    main()
