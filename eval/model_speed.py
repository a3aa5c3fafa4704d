"""How fast the local model is on this machine, beside the raw speed of the same build.

For the CPU variant llama.cpp runs here (assistant/llama_cpu.py) and, as the peer, the portable
AVX2 variant (haswell) of the same build, each in a process of its own (a process holds one
variant): raw prompt reading (1,000 tokens of a seed article) and generation (64 tokens), in
tokens/s; then, for the chosen variant, the assistant's time to first token and whole verified
answer on the seeds' questions (extractive refusals, which never call the model, left out).
Figures and ratios, never pass/fail: the machine is shared.

Usage: .venv/bin/python eval/model_speed.py [--questions 20]
Writes eval/reports/model_speed.json and eval/reports/model_speed.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REPORTS = HERE / "reports"

_RAW = """
import json, sys, time
from pathlib import Path
from assistant import llama_cpu
from assistant.config import Settings
from assistant.evaluation.metrics import percentile
from assistant.local_model import model_path
model = model_path(Settings.from_env())
wanted = sys.argv[1]
if wanted == "best":
    level = llama_cpu.cpu_backend(model)
else:
    [variant] = [v for v in llama_cpu.variants() if llama_cpu.level(v) == wanted]
    level = llama_cpu.load_cpu_backend(model, [variant])
from llama_cpp import Llama
llama = Llama(str(model), n_ctx=2048, n_threads=2, verbose=False)
tokens = llama.tokenize(Path(sys.argv[2]).read_text().encode())[:1000]
reads = []
for _ in range(3):
    llama.reset(); t = time.perf_counter(); llama.eval(tokens); reads.append(len(tokens) / (time.perf_counter() - t))
llama.reset(); llama.eval(tokens[:100]); t = time.perf_counter()
for _ in range(64):  # one token at a time, as an answer is written
    llama.eval([llama.sample(temp=0.0)])
generate = 64 / (time.perf_counter() - t)
print(json.dumps({"level": level, "prompt_tokens_per_s": percentile(reads, 50), "generate_tokens_per_s": generate}))
"""


def raw(level: str) -> dict:
    article = next((ROOT / "seeds").glob("001_*.txt"))
    done = subprocess.run([sys.executable, "-c", _RAW, level, str(article)], capture_output=True, text=True,
                          timeout=900, cwd=ROOT)
    if done.returncode != 0:
        return {"level": level, "error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def answers(n: int) -> dict:
    from assistant import Assistant
    from assistant.evaluation.metrics import percentile
    from assistant.evaluation.questions import load_questions

    questions = [q for q in load_questions(ROOT / "eval" / "questions.jsonl") if not q.history][:n]
    with tempfile.TemporaryDirectory() as tmp:
        assistant = Assistant(index_dir=tmp, corpus=[ROOT / "seeds"])
        assistant.ask(questions[0].question, mode="local")  # loads the model and fills the KV cache of the fixed prefix
        first, total = [], []
        for q in questions:
            answer = assistant.ask(q.question, mode="local")
            if "first_token" in answer.timings:
                first.append(answer.timings["first_token"])
                total.append(answer.timings["total"])
    return {"questions": len(first),
            "first_token_p50_s": percentile(first, 50), "first_token_p95_s": percentile(first, 95),
            "total_p50_s": percentile(total, 50), "total_p95_s": percentile(total, 95)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=20, choices=range(1, 1000), metavar="N")
    args = parser.parse_args()
    best, portable = raw("best"), raw("haswell")
    report = {"created": datetime.now(UTC).isoformat(timespec="seconds"), "best": best, "portable": portable,
              "prompt_speedup": (best.get("prompt_tokens_per_s", 0) / portable["prompt_tokens_per_s"]
                                 if portable.get("prompt_tokens_per_s") else None),
              "answers": answers(args.questions)}
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "model_speed.json").write_text(json.dumps(report, indent=1))
    a = report["answers"]
    rows = [f"# Local model speed ({report['created']})", "",
            "| CPU variant | prompt reading, tokens/s | generation, tokens/s |", "|---|---:|---:|"]
    for name, r in (("chosen", best), ("portable (peer)", portable)):
        rows.append(f"| {name}: {r['level']} | {r.get('prompt_tokens_per_s', 0):.0f} "
                    f"| {r.get('generate_tokens_per_s', 0):.1f} |"
                    if "error" not in r else f"| {name}: {r['level']} | {r['error']} | |")
    if report["prompt_speedup"]:
        rows += ["", f"Prompt reading, chosen / portable: {report['prompt_speedup']:.2f}x."]
    if a["questions"]:
        rows += ["", f"Answers on the chosen variant ({a['questions']} seed questions the model answered):",
                 f"first token p50 {a['first_token_p50_s']:.2f} s, p95 {a['first_token_p95_s']:.2f} s; "
                 f"whole verified answer p50 {a['total_p50_s']:.2f} s, p95 {a['total_p95_s']:.2f} s."]
    (REPORTS / "model_speed.md").write_text("\n".join(rows) + "\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
