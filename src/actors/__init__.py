"""Dramatiq actors: thin, take ids, hand off to the core.

`autofactura.actors.worker` is what `autofactura worker` hands to dramatiq; the API
configures the broker itself (`broker.configure`) before it sends anything.
"""
