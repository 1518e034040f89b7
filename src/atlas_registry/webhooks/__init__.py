"""Webhooks: URLs an admin subscribed to event types, and the worker that delivers to them.

Split by job: :mod:`.keys` keeps the signing secrets encrypted with a key
outside the database, :mod:`.signing` signs a delivery the Standard Webhooks
way, :mod:`.transport` sends it without letting a URL reach the network the
registry runs in, :mod:`.subscriptions` writes and reads the subscriptions and
their delivery log, :mod:`.worker` turns new events into deliveries and sends
them, in order, at least once.
"""
