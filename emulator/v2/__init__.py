"""Harvest API v2 and Harvest ID, served beside v1 from the same store (``shared/harvest-api/v2-notes.md``).

An account reads the same through either wire: a v2 time entry is a v1 day entry, the company's
``wants_timestamp_timers`` is the account's ``timestamp_timers``, and both wires apply the same
timesheet rules (:mod:`emulator.timesheet`). What v2 adds lives here:

    app.py           the sub-applications at /v2, /api/v2 and /id, and the v2 request pipeline
    auth_v2.py       User-Agent, bearer tokens (personal or OAuth) and Harvest-Account-Id
    tokens.py        personal access tokens
    identity.py      Harvest ID: OAuth 2 authorize and token, account discovery
    context.py       V2Ctx, V2Routes, the JSON refusals
    access.py        access_roles and who may see or change what
    paging.py        page-based and cursor-based envelopes with absolute links
    filters.py       query filters read with 422s
    serialise.py     users, company, clients, projects, tasks, assignments, expenses and
                     expense categories as v2 JSON
    entry_object.py  the time entry object
    users.py         /users/me, /company, /users, project assignments
    time_entries.py  /time_entries and its stop, restart, delete rules
    resources.py     /projects, /clients, /tasks, the assignments, /expenses,
                     /expense_categories
    project_writes.py  POST, PATCH and DELETE /projects, by v1's project rules
    reports.py       /reports/time/* and /reports/expenses/*

Each module's docstring says which v2 page it follows and what it assumes where the pages are
silent (the notes mark those with ⚠).
"""
