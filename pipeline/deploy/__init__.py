"""Deploying ``generated/<hf-key>/`` to the message server an HF reads from.

- ``pipeline.deploy.target``      the ``Target`` protocol and target specs (``dir:PATH``, ``sftp://...``)
- ``pipeline.deploy.dir_target``  a directory (file share): ``current`` is a symlink swapped atomically
- ``pipeline.deploy.sftp_target`` the same over SFTP: ``current`` is a marker file renamed into place last
                                  (needs the optional ``oppkobling[sftp]`` extra, paramiko)
- ``pipeline.deploy.lock``        the lock record and when it counts as stale
- ``pipeline.deploy.engine``      preview, apply, drift and rollback, written once against ``Target``

What to deploy, and whether generated/ is what the declarations generate, is decided by the use
cases (``pipeline.app.deploy``) with ``pipeline.io.generated_tree``. A release is complete once
its deploy record (``.oppkobling-deploy.json``) is written, which happens after every file and
before the switch; a reader only ever follows ``current``.
"""
