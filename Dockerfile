# commentq: one image for web, worker and beat (the command differs per service).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY service ./service
COPY workers ./workers
RUN pip install . && useradd --system --home /app commentq && mkdir -p /app/instance && chown commentq /app/instance
USER commentq
ENV COMMENTQ_INSTANCE_DIR=/app/instance
EXPOSE 8000
CMD ["gunicorn", "--config", "python:service.gunicorn_conf", "--bind", "0.0.0.0:8000", "--workers", "4", "--threads", "4", "service:create_app()"]
