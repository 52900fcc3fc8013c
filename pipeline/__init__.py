"""oppkobling: the regional onboarding routine for e-health messaging, as code.

The pure core runs load -> model -> rules -> plan -> render:

- ``pipeline.model.loader``      YAML text -> plain data with positions (S1 safety limits)
- ``pipeline.model.models``      pydantic declarations (the single source of truth for schemas)
- ``pipeline.model.declarations`` a loaded set of HF and kommune declarations
- ``pipeline.rules``       one module per routine area; each rule named by its RULES.md id
- ``pipeline.routine``     the routine's dates: T-14, T-7, T 09:00 Europe/Oslo
- ``pipeline.agreements``  step K4: ebXML CPA partner agreements and the per-HF index
- ``pipeline.fixtures``    steps K5/H2 and K6/H4: test messages and their schedule

I/O lives at the edges (``pipeline.io.partners``, ``pipeline.output``, ``pipeline.gitio``)
and the command line is thin glue (``pipeline.cli``).
"""

__version__ = "0.1.0"
