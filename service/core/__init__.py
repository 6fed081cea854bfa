"""The domain both processes share: comments and their life cycle, moderation, notifications,
privacy, settings and the database. No Flask request, no Celery task, no HTTP status here."""
