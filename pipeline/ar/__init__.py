"""NHN's address register (AR): the snapshot under ``partners/ar/`` and how it is kept in step.

- ``pipeline.ar.paths``        where each AR answer lives in the snapshot (one place)
- ``pipeline.ar.shapes``       the API's shapes: v1 ``CommunicationParty``, ``Certificate``, the legacy model
- ``pipeline.ar.jsontext``     strict JSON with positions, and the canonical form the snapshot is written in
- ``pipeline.ar.certificates`` certificates parsed with ``cryptography``: subject, validity, key usage, thumbprint
- ``pipeline.ar.snapshot``     every file under ``partners/ar/`` -> a typed snapshot, or problems at file:line:col
- ``pipeline.ar.auth``         the HelseID token (never stored), and how to get one with DPoP
- ``pipeline.ar.dpop``         the DPoP proof each call carries
- ``pipeline.ar.client``       NHN's CommunicationParty API over HTTP (I/O)
- ``pipeline.ar.mirror``       ``ar sync`` and ``ar import``: fetch or read, validate, write the mirrored files (I/O)

``paths``, ``shapes``, ``jsontext``, ``certificates`` and ``snapshot`` are pure (bytes in, values
out); ``auth`` and ``dpop`` read the token and the key; ``client`` and ``mirror`` touch the network
and the file system.
"""
