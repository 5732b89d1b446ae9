"""Run a command under a pseudo-terminal and answer its MFA prompts.

Usage: python3 pty_mfa.py CODE TIMEOUT_SECONDS COMMAND [ARG...]

The AWS CLI v1 reads MFA codes with getpass, which opens /dev/tty: a pipe on
stdin is not enough. Here the command gets a pty as its controlling terminal;
every "Enter MFA code for ..." prompt is answered with CODE. Everything the
command wrote (prompts, stdout and stderr, with CRLF line ends) is printed on
stdout when it exits; the exit status is the command's. On timeout the
command is killed and the status is 124.
"""

import os
import pty
import select
import signal
import sys
import time

PROMPT = b"Enter MFA code for "


def main() -> int:
    code, timeout, argv = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)
    output = b""
    answered = 0
    deadline = time.monotonic() + timeout
    timed_out = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            os.kill(pid, signal.SIGKILL)
            break
        ready, _, _ = select.select([fd], [], [], min(left, 0.5))
        if not ready:
            continue
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the command exited and closed the terminal
            break
        if not chunk:
            break
        output += chunk
        if output.count(PROMPT) > answered:
            answered += 1
            os.write(fd, code.encode() + b"\n")
    _, status = os.waitpid(pid, 0)
    sys.stdout.write(output.decode("utf-8", "replace"))
    sys.stdout.flush()
    if timed_out:
        sys.stderr.write("pty_mfa: timed out after %.0f s\n" % timeout)
        return 124
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
