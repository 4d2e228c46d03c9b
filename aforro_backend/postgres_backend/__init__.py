"""Django's PostgreSQL backend, keeping each request's database deadline (events.deadline)."""
