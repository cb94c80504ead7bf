"""Fetching sources in a Twisted reactor, routed by each kind's `fetch`: feeds, pages, APIs."""
