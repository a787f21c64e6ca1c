"""Webhooks, pure: subscriptions and their validation, which webhooks an event goes to, the body
and its signatures, the retry schedule and the address policy. No I/O here: the store, the queue
and the HTTP client live in store/ and services/."""
