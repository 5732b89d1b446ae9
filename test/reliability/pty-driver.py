# Drives a command under a pseudo-terminal for test/reliability/signals.test.ts:
# waits for a text on the terminal, types bytes (e.g. \x03 = Ctrl-C), and reports
# the exit code and what the terminal showed as JSON on stdout. The command's
# stdout goes to a file (argv[2]) so the test can check that nothing reached it.
# mode "stdin-tty": stdin and stderr are the terminal; "dev-tty": stdin is
# /dev/null and stderr a file (argv[3]), so only /dev/tty reaches the terminal.
import fcntl, json, os, pty, select, subprocess, sys, termios, time

spec = json.loads(sys.argv[1])
stdout_path, stderr_path = sys.argv[2], sys.argv[3]
master, slave = pty.openpty()

def make_controlling_tty():
    os.setsid()
    fcntl.ioctl(slave, termios.TIOCSCTTY, 0)

out = open(stdout_path, "wb")
err = open(stderr_path, "wb")
stdin = slave if spec["mode"] == "stdin-tty" else subprocess.DEVNULL
stderr = slave if spec["mode"] == "stdin-tty" else err
p = subprocess.Popen(spec["argv"], env=spec["env"], stdin=stdin, stdout=out, stderr=stderr, preexec_fn=make_controlling_tty, pass_fds=(slave,))
seen = b""
deadline = time.time() + spec.get("timeout", 20)

def pump(wait):
    global seen
    r, _, _ = select.select([master], [], [], wait)
    if r:
        try:
            seen += os.read(master, 65536)
        except OSError:
            return False
    return True

while spec["waitFor"].encode() not in seen and time.time() < deadline and p.poll() is None:
    pump(0.1)
saw = spec["waitFor"].encode() in seen
time.sleep(spec.get("delay", 0.3))
os.write(master, spec["type"].encode())
while p.poll() is None and time.time() < deadline + 10:
    pump(0.1)
if p.poll() is None:
    p.kill()
    p.wait()
os.close(slave)
while pump(0.05) and select.select([master], [], [], 0)[0]:
    pass
print(json.dumps({"code": p.returncode, "saw": saw, "tty": seen.decode("utf-8", "replace")}))
