"""Celery task: forget the IP addresses of decided comments older than the retention period.

Scheduled by beat once an hour when ``COMMENTQ_IP_RETENTION_DAYS`` is above 0; the work is one
UPDATE in ``service.privacy.forget_addresses``, so a repeated or redelivered run does nothing more.
"""

from __future__ import annotations

import logging

from celery import shared_task
from flask import current_app

from service.db import get_session
from service.privacy import forget_addresses

log = logging.getLogger("commentq.privacy")


@shared_task(name="workers.privacy.forget_old_addresses")
def forget_old_addresses() -> int:
    days = current_app.extensions["settings"].ip_retention_days
    if days <= 0:
        return 0
    n = forget_addresses(get_session(), days)
    if n:
        log.info("forgot the IP address of %s comment(s) older than %s days", n, days)
    return n
