"""The status board: what the store knows, as pages for fans — a web page, an Atom feed of the alerts,
an iCal calendar of release dates and the `status --json` rows.

`data` reads a `Board` from the config and the store (read-only); `html`, `atom`, `ics` and
`pages` render it (pure functions of the `Board`); `web` serves the pages with twisted.web and
`export` writes them as static files. Nothing here writes to the store.
"""
