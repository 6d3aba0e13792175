"""Delivery: what comes in (durable inbound updates), what goes out (the transactional outbox),
who may do either (the instance lease), and the turn that ties an update to its effects."""
