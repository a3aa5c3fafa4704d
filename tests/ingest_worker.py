"""A writer process for the concurrency tests and eval/faults.py: reads one JSON command a line
({"paths": [...], "delay": seconds}), waits, ingests, answers one JSON line."""

import json
import sys
import time

from assistant import Assistant
from assistant.errors import AssistantError


def main() -> None:
    index_dir, chroma_url = sys.argv[1], (sys.argv[2] if len(sys.argv) > 2 else None)
    assistant = Assistant(index_dir=index_dir, corpus=[], chroma_url=chroma_url)
    assistant.embedder.embed(["warm-up"])
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        command = json.loads(line)
        time.sleep(command.get("delay", 0))
        try:
            report = assistant.ingest(command["paths"])
            answer = {"added": len(report.added), "updated": len(report.updated),
                      "unchanged": len(report.unchanged), "skipped": [s.reason for s in report.skipped]}
        except AssistantError as e:
            answer = {"error": str(e)}
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
