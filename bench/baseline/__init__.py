"""A conventional implementation of the order API (ORM, row locks, Redis-cached reads): the
yardstick the event-sourced service is measured against. Its own settings, app and database."""
