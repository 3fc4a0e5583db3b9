"""Real-time notifications: the outbox relay, the broker between API processes, the hub.

    publish/mutation txn ──► panel_events (outbox) ──NOTIFY panels_outbox──► relay (one leader)
    relay: claim (give seq) ─► broker.publish ─► mark published
    broker (Redis pub/sub, or Postgres LISTEN/NOTIFY) ──► every API process's hub ──► sockets

A client resumes with ``last_event_id`` (a ``seq``): the hub replays what it missed from the
outbox, then goes live, delivering each ``seq`` at most once per subscription.
"""
