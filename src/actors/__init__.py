"""Dramatiq actors. The broker is set here, before any module that declares an actor."""

from autofactura.actors.broker import setup_broker

broker = setup_broker()
