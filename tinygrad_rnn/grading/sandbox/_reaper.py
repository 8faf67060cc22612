"""Helpers that keep a learner's processes from outliving an exercise (Linux ``prctl``, ``/proc``).

Both ways of starting a learner's process use them: the warm starter
(:mod:`tinygrad_rnn.grading.sandbox._zygote`) and the cold path's watching parent
(:func:`tinygrad_rnn.grading.sandbox._child.supervise`). They live here, apart from both, so that
neither of those modules has to import the other to reach them.
"""

from __future__ import annotations

import os
import signal
import sys
import time

PR_SET_CHILD_SUBREAPER = 36  # from <linux/prctl.h>
PR_SET_DUMPABLE = 4
PR_SET_PDEATHSIG = 1
PROCESS_LIMIT = 64  # processes an exercise may have at once (its own included)


def prctl(option: int, value: int) -> bool:
    """Call Linux's ``prctl(option, value)``; ``False`` where that is impossible or fails."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(option, value, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def become_subreaper() -> bool:
    r"""Make this process the one that adopts the orphans among its descendants (Linux).

    Killing a learner's process group is not enough: code that forks twice and calls
    ``os.setsid()`` leaves the group, and its process would be adopted by ``init`` and live on
    after grading (burning CPU, or writing files such as ``grade-report.json`` later). A
    *child subreaper* adopts those orphans instead, so :func:`kill_descendants` can still
    find them. The flag is not inherited by forked children.

    Returns:
        ``True`` if this process is now a subreaper; ``False`` on other systems or failure.
    """
    return prctl(PR_SET_CHILD_SUBREAPER, 1)


def _live_children() -> dict[int, list[int]]:
    """Parent pid -> pids of its living (not zombie) children, read from ``/proc/*/stat``."""
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:  # it ended while we looked
            continue
        # "pid (command) state ppid ...": the command may contain spaces and parentheses.
        state, ppid = stat[stat.rfind(b")") + 2 :].split()[:2]
        if state not in (b"Z", b"X"):
            children.setdefault(int(ppid), []).append(int(name))
    return children


def _reap() -> None:
    """Collect the exit status of every child that has ended (zombies), without waiting."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_descendants(rounds: int = 200) -> int:
    """SIGKILL every living descendant of this process and reap them; the number killed.

    Call it only after this process collected the exit status it cares about: it reaps every
    ended child. Descendants that fork while being killed are orphaned to this process (a
    subreaper) and caught by the next round. Without ``/proc`` it does nothing.
    """
    me, killed = os.getpid(), 0
    for _ in range(rounds):
        _reap()
        try:
            tree = _live_children()
        except OSError:  # no /proc
            return killed
        found, stack = [], list(tree.get(me, ()))
        while stack:
            pid = stack.pop()
            found.append(pid)
            stack.extend(tree.get(pid, ()))
        if not found:
            return killed
        for pid in found:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        killed += len(found)
        time.sleep(0.001)  # SIGKILL is delivered asynchronously
    return killed


def _memory_kb(pid: int) -> int:
    """The memory of one process in kB: its proportional share (Pss), else its resident set.

    Pss splits pages shared between processes (a forked child shares the starter's libraries)
    among them, so the sum over a tree is what the tree really holds.
    """
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except (OSError, ValueError, IndexError):
        return 0


def tree_usage(root: int | None = None) -> tuple[int, int]:
    """``(processes, memory in MB)`` of every living descendant of ``root`` (default: us).

    Read from ``/proc``; ``(0, 0)`` where there is none. This is how the starter holds all of
    an exercise's processes together to one memory limit and one process count when no
    cgroup does it.
    """
    try:
        tree = _live_children()
    except OSError:
        return 0, 0
    found, stack = [], list(tree.get(os.getpid() if root is None else root, ()))
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(tree.get(pid, ()))
    return len(found), sum(_memory_kb(pid) for pid in found) // 1024
