"""The declarations as data: from bytes to typed, positioned models (the pure core's input).

- ``loader``       safe YAML (event by event) with the position of every key and value
- ``models``       the pydantic models: what a declaration may hold (the source of schemas/)
- ``declarations`` a set of loaded declarations, each with its file and positions
- ``catalogue``    the message types and versions (``data/message_types.yaml``), with NHN's processes
- ``processes``    NHN's process catalogue (``data/processes.yaml``): how each version is named in a CPA
- ``kommuner``     the kommune register (``data/kommuner.csv``): numbers, names, org numbers
"""
