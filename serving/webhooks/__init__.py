"""Webhooks: endpoints tenants manage, and the deliverer that posts outbox events to them.

relay claims an event (seq) ──► one webhook_deliveries row per matching endpoint
    ──NOTIFY panels_webhooks──► deliverer (one leader) ──► signed POST, in seq order
"""
