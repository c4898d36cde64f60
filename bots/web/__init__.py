"""The campaign site's HTTP surface: public count feed, live updates, widget, poster, probes
and metrics. It only translates HTTP to the core's use cases (`core.public_feed`)."""

from bots.web.app import create_app
from bots.web.server import run_web, serving

__all__ = ["create_app", "run_web", "serving"]
