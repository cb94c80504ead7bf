"""Renewal Radar: tells you the moment a show you watch gets a new season."""

__version__ = "0.1.0"
PROJECT_URL = "https://github.com/renewal-radar/renewal-radar"
USER_AGENT = f"RenewalRadar/{__version__} (+{PROJECT_URL})"
