#!/usr/bin/env python3
"""Drive a program through a real pseudo-terminal: wait for text, then type.

Usage: pty-drive.py SCRIPT.json -- COMMAND ARGS...
SCRIPT is a list of {"expect": "text", "send": "keys"} steps ("send" may be omitted);
escape sequences such as "\\u001b[A" (arrow up) and "\\r" (Enter) are sent as they are.
The transcript (ANSI codes left in) goes to stdout; the exit code is the program's, or
124 when an expected text did not appear within the step's timeout (default 60 s).
"""
import fcntl, json, os, pty, select, struct, sys, termios, time

def main():
    sep = sys.argv.index("--")
    steps = json.load(open(sys.argv[1]))
    cmd = sys.argv[sep + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.environ["COLUMNS"], os.environ["LINES"] = "160", "50"
        os.execvp(cmd[0], cmd)
    # A real terminal has a size; without one, full-screen renderers wrap at column 0.
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 50, 160, 0, 0))
    buf = b""
    def read(timeout):
        nonlocal buf
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            return False
        try:
            chunk = os.read(fd, 65536)
        except OSError:
            return None
        if not chunk:
            return None
        buf += chunk
        sys.stdout.buffer.write(chunk); sys.stdout.buffer.flush()
        return True
    seen = 0
    for step in steps:
        want = step["expect"].encode()
        deadline = time.time() + step.get("timeout", 60)
        while want not in buf[seen:]:
            if time.time() > deadline or read(0.2) is None:
                sys.stderr.write(f"pty-drive: did not see {step['expect']!r}\n")
                os.kill(pid, 9)
                sys.exit(124)
        seen = buf.index(want, seen) + len(want)
        if "send" in step:
            time.sleep(step.get("delay", 0.3))
            os.write(fd, step["send"].encode())
    while read(1) is not None:
        pass
    _, status = os.waitpid(pid, 0)
    sys.exit(os.waitstatus_to_exitcode(status))

main()
