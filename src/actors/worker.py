"""The module `autofactura worker` gives dramatiq: configure logging, Sentry and the broker
from the environment, then declare every actor on it."""

import sys

from autofactura.actors.broker import configure
from autofactura.actors.runtime import use_settings
from autofactura.core.config import load_settings
from autofactura.core.observability.logs import configure_logging
from autofactura.core.observability.sentry import init_sentry

settings = load_settings()
# In a worker process stderr is now its pipe to the supervisor, which writes it out whole.
configure_logging(settings, sys.stderr)
init_sentry(settings)  # before the broker is made: Sentry's dramatiq hook wraps new brokers
use_settings(settings)
broker = configure(settings)
