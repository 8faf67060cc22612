"""Running learner code apart from the grader: processes, limits, isolation, the wire.

Nothing here knows about lessons or exercises; the course logic (:mod:`..runner`) hands it a
job (a lesson module, the inputs of every case) and gets back what the learner's process
wrote and how it ended.

* :mod:`.isolation`: a hand-in's throw-away workspace and, where bubblewrap works, the
  namespace it runs in (read-only package, private ``/tmp``, no network, own PID namespace).
* :mod:`.processes`: the grader's side, ``Launcher`` and ``HandIn``: warm starters per
  lesson, cold starts, time limits, waiting until every process is gone.
* :mod:`._zygote`: the warm starter (inside the sandbox): forks one process per exercise,
  stops it at its limits (time, memory of all its processes, their number).
* :mod:`._child`: the learner's process: per-process limits, imports, probes, the result.
* :mod:`._reaper`: Linux ``prctl``, the subreaper, killing and measuring process trees.
* :mod:`.wire`: the JSON that crosses, and :func:`.wire.clean_text` for learner text.

Imports point one way: ``processes`` uses ``isolation`` and (lazily) ``wire``; ``_zygote``
uses ``_reaper`` and ``_child``; ``_child`` uses ``_reaper`` and ``wire``. This package
imports nothing at load time, so the learner's process starts fast.
"""
