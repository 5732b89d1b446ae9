#!/usr/bin/env python3
"""Run a command in a pseudo-terminal and script it, for the picker tests.

Usage: pty-run.py SPEC_JSON
SPEC: {"argv": [...], "env": {...}, "steps": [{"expect": "text", "send": "keys"}], "timeout": 20}
Each step waits until `expect` appears in the terminal output (ANSI sequences
removed) after the previous step's match, then types `send`. Prints JSON:
{"output": "<everything written to the terminal, ANSI removed>", "exit": code, "timedOut": bool}.
"""
import json, os, pty, re, select, sys, time

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[=>]|\r")

def main():
    spec = json.loads(sys.argv[1])
    deadline = time.time() + spec.get("timeout", 20)
    pid, fd = pty.fork()
    if pid == 0:
        os.execvpe(spec["argv"][0], spec["argv"], spec["env"])
    raw = b""
    steps = list(spec.get("steps", []))
    searched_from = 0
    timed_out = False
    while True:
        if time.time() > deadline:
            timed_out = True
            os.kill(pid, 9)
            break
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                break
            if not chunk:
                break
            raw += chunk
        if steps:
            text = ANSI.sub("", raw.decode("utf-8", "replace"))
            at = text.find(steps[0]["expect"], searched_from)
            if at >= 0:
                searched_from = at + len(steps[0]["expect"])
                time.sleep(0.2)  # let the prompt finish drawing
                for ch in steps[0]["send"]:
                    os.write(fd, ch.encode())
                    time.sleep(0.03)
                steps.pop(0)
    _, status = os.waitpid(pid, 0)
    code = os.waitstatus_to_exitcode(status)
    print(json.dumps({"output": ANSI.sub("", raw.decode("utf-8", "replace")), "exit": code, "timedOut": timed_out, "pendingSteps": len(steps)}))

main()
