"""Reference for omni's chat-template interpreter: Jinja2 in the environment Hugging Face
transformers renders chat templates with, compared byte for byte against omni's jinja_render.

The environment (as transformers' apply_chat_template builds it):
  ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True) with the loopcontrols
  extension and a {% generation %} block; `tojson` is json.dumps(x, ensure_ascii=False,
  indent=None, separators=None, sort_keys=False); globals raise_exception(message) and
  strftime_now(format), the latter fixed to the time in conversations.json so outputs are
  reproducible. The template sees messages, tools (None when absent), documents (None),
  add_generation_prompt, bos_token, eos_token and the conversation's extra variables.

Every (template, conversation) pair is rendered by both; they agree when the outputs are
identical or when both raise (e.g. a template that rejects a conversation's roles). Exit status
1 on any disagreement, listing the pair and the first differing position.

Usage:
  render_chat_templates.py --templates DIR --conversations FILE
      [--template NAME]... [--no-templates] [--snippets FILE]
      [--render JINJA_RENDER --workdir DIR] [--out DIR]

Without --render it only renders the references (into --out, if given).
"""

import argparse
import json
import os
import subprocess
import sys
from datetime import datetime

import jinja2
import jinja2.ext
import jinja2.nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment


class GenerationBlock(jinja2.ext.Extension):
    """transformers' {% generation %}...{% endgeneration %}: renders its body in place."""

    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(("name:endgeneration",), drop_needle=True)
        return jinja2.nodes.Scope(body, lineno=lineno)


def make_environment(now):
    env = ImmutableSandboxedEnvironment(
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=[jinja2.ext.loopcontrols, GenerationBlock],
    )

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(
            x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys
        )

    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def strftime_now(fmt):
        return now.strftime(fmt)

    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = strftime_now
    return env


RESERVED = ("messages", "tools", "documents", "add_generation_prompt")


def chat_context(conv, tokens):
    ctx = {
        "messages": conv["messages"],
        "tools": conv.get("tools"),
        "documents": None,
        "add_generation_prompt": conv.get("add_generation_prompt", False),
        "bos_token": tokens.get("bos_token", ""),
        "eos_token": tokens.get("eos_token", ""),
    }
    for key, value in conv.get("extra", {}).items():
        if key in RESERVED:
            raise TypeError(f"extra variable {key!r} collides with a standard input")
        ctx[key] = value
    return ctx


def reference_render(env, source, ctx):
    """(True, text) or (False, error message)."""
    try:
        return True, env.from_string(source).render(**ctx)
    except Exception as e:  # the template raising is a result too
        return False, f"{type(e).__name__}: {e}"


def first_difference(a, b):
    n = min(len(a), len(b))
    for i in range(n):
        if a[i] != b[i]:
            return i
    return n


def describe_mismatch(label, ref, ours):
    lines = [f"MISMATCH {label}"]
    if ref[0] != ours[0]:
        lines.append("  jinja2: " + ("rendered " + repr(ref[1][:300]) if ref[0] else "raised " + ref[1]))
        lines.append("  omni:   " + ("rendered " + repr(ours[1][:300]) if ours[0] else "failed " + ours[1]))
        return "\n".join(lines)
    a, b = ref[1], ours[1]
    i = first_difference(a, b)
    line = a.count("\n", 0, i) + 1
    col = i - (a.rfind("\n", 0, i) + 1) + 1
    lines.append(
        f"  first difference at character {i} (line {line}, column {col}); "
        f"lengths {len(a)} (jinja2) vs {len(b)} (omni)"
    )
    lines.append(f"  jinja2: {a[max(0, i - 40):i + 60]!r}")
    lines.append(f"  omni:   {b[max(0, i - 40):i + 60]!r}")
    return "\n".join(lines)


def run_omni(render_bin, workdir, jobs, tag):
    os.makedirs(workdir, exist_ok=True)
    jobs_path = os.path.join(workdir, f"jobs-{tag}-{os.getpid()}.json")
    with open(jobs_path, "w", encoding="utf-8") as f:
        json.dump(jobs, f, ensure_ascii=False)
    try:
        proc = subprocess.run(
            [render_bin, "--batch", jobs_path], capture_output=True, timeout=600, check=False
        )
    finally:
        os.remove(jobs_path)
    if proc.returncode != 0:
        sys.exit(f"{render_bin} failed ({proc.returncode}): {proc.stderr.decode(errors='replace')}")
    results = json.loads(proc.stdout.decode("utf-8"))
    if len(results) != len(jobs):
        sys.exit(f"{render_bin} returned {len(results)} results for {len(jobs)} jobs")
    return [(r["ok"], r["text"] if r["ok"] else r["error"]) for r in results]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--templates", required=True, help="directory of NAME.jinja files")
    ap.add_argument("--conversations", required=True, help="conversations.json")
    ap.add_argument("--template", action="append", default=[], help="only these templates")
    ap.add_argument("--no-templates", action="store_true", help="skip the chat templates")
    ap.add_argument("--snippets", help="JSON list of {name, source, context} to compare too")
    ap.add_argument("--render", help="omni's jinja_render binary; compare against it")
    ap.add_argument("--workdir", default=".", help="scratch directory for --render")
    ap.add_argument("--out", help="write the reference outputs here (NAME/CONVERSATION.txt)")
    args = ap.parse_args()

    with open(args.conversations, encoding="utf-8") as f:
        doc = json.load(f)
    now_text = doc["now"]
    now = datetime.strptime(now_text, "%Y-%m-%dT%H:%M:%S")
    env = make_environment(now)

    labels, refs, jobs = [], [], []
    names = []
    if not args.no_templates:
        names = args.template or sorted(
            f[: -len(".jinja")] for f in os.listdir(args.templates) if f.endswith(".jinja")
        )
    for name in names:
        path = os.path.join(args.templates, name + ".jinja")
        with open(path, encoding="utf-8", newline="") as f:
            source = f.read()
        tokens = doc["special_tokens"].get(name, {})
        for conv in doc["conversations"]:
            try:
                ctx = chat_context(conv, tokens)
                ref = reference_render(env, source, ctx)
            except TypeError as e:
                ref = (False, f"TypeError: {e}")
            labels.append(f"{name} x {conv['name']}")
            refs.append(ref)
            inputs = {
                "messages": conv["messages"],
                "tools": conv.get("tools"),
                "add_generation_prompt": conv.get("add_generation_prompt", False),
                "bos_token": tokens.get("bos_token", ""),
                "eos_token": tokens.get("eos_token", ""),
                "extra": conv.get("extra", {}),
                "now": now_text,
            }
            jobs.append({"template": os.path.abspath(path), "inputs": inputs})
            if args.out:
                out_dir = os.path.join(args.out, name)
                os.makedirs(out_dir, exist_ok=True)
                suffix = ".txt" if ref[0] else ".error.txt"
                with open(os.path.join(out_dir, conv["name"] + suffix), "w", encoding="utf-8",
                          newline="") as f:
                    f.write(ref[1])

    if args.snippets:
        with open(args.snippets, encoding="utf-8") as f:
            snippets = json.load(f)
        for snip in snippets:
            labels.append(f"snippet {snip['name']}")
            refs.append(reference_render(env, snip["source"], snip.get("context", {})))
            jobs.append({"source": snip["source"], "context": snip.get("context", {}), "now": now_text})

    if not args.render:
        print(f"rendered {len(refs)} references")
        return 0

    tag = "snippets" if args.no_templates else "-".join(names) if len(names) == 1 else "all"
    ours = run_omni(args.render, args.workdir, jobs, tag)
    identical = both_failed = 0
    mismatches = []
    for label, ref, mine in zip(labels, refs, ours):
        if ref[0] and mine[0] and ref[1] == mine[1]:
            identical += 1
        elif not ref[0] and not mine[0]:
            both_failed += 1
        else:
            mismatches.append(describe_mismatch(label, ref, mine))
    for m in mismatches:
        print(m)
    what = f"{len(names)} template(s) x {len(doc['conversations'])} conversations" if names else ""
    if args.snippets:
        what = (what + " + " if what else "") + "snippets"
    print(
        f"{what}: {len(refs)} renders, {identical} byte-identical, {both_failed} raised in both, "
        f"{len(mismatches)} mismatched"
    )
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
