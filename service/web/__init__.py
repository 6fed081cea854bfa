"""The Flask adapters: the public and moderation APIs, the desk, the pages. They turn HTTP into
calls on ``service.core`` and domain errors into status codes."""
