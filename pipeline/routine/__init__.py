"""The regional routine as data and dates (``../shared/routine/ROUTINE.md``).

- ``steps``    the routine as one table: each step's id, who acts, its Norwegian text, and for
               the steps on the calendar their title, what they need and their offset from T
- ``calendar`` the working-day calendar: T-14, T-7, T 09:00 Europe/Oslo, Norway's holidays
- ``evidence`` what the recorded test evidence proves: "is this agreement verified" (R-H2, R-K6, R-H5)
- ``timeline`` a kommune's milestones and their state on a given day
"""
