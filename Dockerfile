# commentq: one image for web, worker, trainer and beat (the command differs per service).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app
COPY pyproject.toml README.md constraints.txt ./
COPY service ./service
COPY workers ./workers
# The train extra (numpy, scipy, scikit-learn, ~270 MB) too: the same image runs the trainer service,
# which retrains the spam model; web, worker and beat never import it. Pinned like the tests' venv.
RUN pip install -c constraints.txt ".[train]" && useradd --system --home /app commentq && mkdir -p /app/instance && chown commentq /app/instance
USER commentq
ENV COMMENTQ_INSTANCE_DIR=/app/instance
EXPOSE 8000
CMD ["gunicorn", "--config", "python:service.gunicorn_conf", "--bind", "0.0.0.0:8000", "--workers", "4", "--threads", "4", "service:create_app()"]
