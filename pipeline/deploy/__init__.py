"""Deploying ``generated/<hf-key>/`` to the message server an HF reads from.

- ``pipeline.deploy.target``  the ``Target`` protocol, target specs (``dir:PATH``, ``sftp://...``),
  the layout every target shares (``releases/<id>/``, ``current``, ``deploy.lock``)
- ``pipeline.deploy.dirtarget`` a directory (file share): ``current`` is a symlink swapped atomically
- ``pipeline.deploy.sftp``    the same over SFTP: ``current`` is a marker file renamed into place last
- ``pipeline.deploy.lock``    the lock record and when it counts as stale
- ``pipeline.deploy.engine``  plan, apply, drift and rollback, written once against ``Target``
- ``pipeline.deploy.index``   optional: agreement state changes read from the per-HF index
- ``pipeline.deploy.local``   the work-tree edge: the release to deploy, git commit and dirtiness, freshness

A release is complete once its deployed manifest (``.oppkobling-deploy.json``) is written, which
happens after every file and before the switch; a reader only ever follows ``current``.
"""
