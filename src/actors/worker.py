"""The module `autofactura worker` gives dramatiq: configure the broker from the
environment, then declare every actor on it."""

from autofactura.actors.broker import configure
from autofactura.actors.runtime import use_settings
from autofactura.core.config import load_settings

settings = load_settings()
use_settings(settings)
broker = configure(settings)
