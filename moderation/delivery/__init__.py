"""Delivery: the worker that turns outbox events into mails and webhook
calls (worker.py), what each mail says (mail.py), how it travels (transport.py,
over SMTP or into .eml files) and how webhook calls are signed (webhooks.py)."""
