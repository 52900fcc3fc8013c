"""Step K4: "Partneravtale(r) i meldingstjeneren opprettes med alle 3 helseforetak i Midt".

- ``pipeline.agreements.states`` the state of each agreement (pending ... active), from status and evidence
- ``pipeline.agreements.agreement`` which agreements exist; cpaid, Start/End policy
- ``pipeline.agreements.cpa``    one ebXML CPA (OASIS CPPA 2.0) per HF and communication party
- ``pipeline.agreements.index``  the per-HF partner index (``schemas/partner-index.xsd``)
- ``pipeline.agreements.render`` the ``agreements`` generator: ``<hf-key>/cpa/*.xml`` and the index
"""
