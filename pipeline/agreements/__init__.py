"""Step K4: the partner agreements in the message servers, with all three HFs (``routine.steps.K4``).

- ``pipeline.agreements.states``    the state of each agreement (pending ... active), from status and evidence
- ``pipeline.agreements.agreement`` which agreements exist; cpaid, Start/End policy
- ``pipeline.agreements.cpa``       one ebXML CPA (OASIS CPPA 2.0) per HF and communication party
- ``pipeline.agreements.index``     the per-HF partner index (``schemas/partner-index.xsd``): built, and read
                                    back to say which agreements change state
- ``pipeline.agreements.reader``    a CPA or CPP read as one party, the way NHN's reference client reads it
- ``pipeline.agreements.reading``   what the reader returns (counterparty, roles, message functions) and
                                    the reference client's lookups
- ``pipeline.agreements.compare``   what differs between two readings (ours and a deployed or NHN's CPA)

NHN's process catalogue, which names every process, role, service and package in a CPA, is
``pipeline.model.processes`` (``data/processes.yaml``).

The ``agreements`` generator (``pipeline.render.agreements``) writes the CPAs and the indexes.
"""
