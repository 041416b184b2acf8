"""Webhooks: where a delivery may go (`destinations.py`), how a request is signed
(`signing.py`) and the deliverer of the outbox (`delivery.py`). The use cases (endpoints,
the log, redelivery, the events queued with each change) are `deskline.service.webhooks`;
the SQL is `deskline.store.webhooks`."""
