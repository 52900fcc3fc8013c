"""The use cases: one module per thing a coordinator does, each a function with typed, plain
parameters that returns a value (findings, a plan, a summary of what was written). The command
line (``pipeline.cli``) parses arguments, calls one of these and hands the result to a reporter;
the pure core and the I/O edges are called from here only.

- ``inputs``     what "today", the repository and the AR snapshot are, from options and environment
- ``loading``    read partners/, parse, run the rules; answered from the cache when nothing changed
- ``rendering``  what generated/ must hold: taken from the cache or rendered once, and written
- ``validate``, ``check``, ``build``, ``plan``, ``timeline``, ``status``, ``order``, ``new``,
  ``record``, ``schema``, ``schemas``: the commands of the same names
- ``targets``    which deploy target an HF has, opened, and who holds its lock
- ``deploy``, ``rollback``, ``drift``: the deploy commands
- ``agreements``: ``agreements show`` and ``agreements compare`` (a CPA as a message server reads it)
"""
