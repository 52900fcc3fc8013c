"""oppkobling: the regional onboarding routine for e-health messaging, as code.

The pure core runs load -> model -> rules -> plan -> render and knows nothing of the command
line, the file system or git:

- ``pipeline.routine``    the routine as one table (steps, quotes, offsets), its calendar, its evidence, the
                          lifecycle of each agreement, the timeline
- ``pipeline.model``      YAML with positions, the pydantic models, declarations, catalogue, kommune register
- ``pipeline.rules``      one module per rule of RULES.md, named by its step (``k3_address_register``), one table
- ``pipeline.plan``       what a pull request does at each HF
- ``pipeline.agreements`` step K4: which agreements exist, their states and how they move, the CPA, the partner index
- ``pipeline.fixtures``   steps K5/H2 and K6/H4: the test messages and their schedule, re-tests included
- ``pipeline.ar``         step K3: NHN's address register as ``partners/ar/`` mirrors it (its API's shapes,
                          the parties, their certificates); its sync client is at the edge
- ``pipeline.receipts``   what comes back: AppRecs, transport receipts, answers; kodeverk 8221; matching
- ``pipeline.render``     every generator in one table, one jinja environment, escaping, the manifest
- ``pipeline.layout``     every path and file name; ``pipeline.changes`` the one Change type
- ``pipeline.i18n``       the languages (nb first, en): the catalog in ``pipeline/locale/``, the language in force
- ``pipeline.findings``   the Finding value; ``pipeline.errors`` the one error hierarchy; ``pipeline.collector``
                          the garbage collector paused; ``pipeline.environment``
                          the environment variables read
- data the package ships: ``pipeline/data/`` (kommune register, catalogue, NHN's processes) and
  ``pipeline/templates/`` (the jinja templates)

Around it: ``pipeline.app`` (the use cases), ``pipeline.io`` (git, partners/, the atomic writer,
the one model of generated/, the cache, receipts from files and mailboxes), ``pipeline.deploy``
(targets and the engine), ``pipeline.reporters`` (every output format) and ``pipeline.cli`` (thin:
arguments in, exit code out).
"""

__version__ = "0.1.0"
