#!/usr/bin/env bash
# One entrypoint for every service of docker-compose.yml: web | worker | flujo | beat | migrate.
set -euo pipefail
role="${1:-web}"

case "$role" in
  web)
    python manage.py migrate --noinput
    python manage.py cargar_catalogos
    # gunicorn's master (PID 1 here) supervising N uvicorn workers: default two per core,
    # WEB_PROCESOS overrides; WEB_TIMEOUT / WEB_GRACEFUL_TIMEOUT in cgii/gunicorn_conf.py.
    # `docker compose kill -s HUP web` reloads the workers gracefully.
    exec python -m cgii.servidor --host 0.0.0.0 --puerto 8000 --proxy-headers \
      ${WEB_PROCESOS:+--procesos "$WEB_PROCESOS"}
    ;;
  worker)
    # Default queue: sink runs (search, notifications, mail), reports, imports, sweeps.
    exec celery -A cgii worker -Q celery --loglevel=INFO --concurrency="${CELERY_CONCURRENCY:-4}"
    ;;
  flujo)
    # The live stream's send and sweep alone, so no long task ever holds them up.
    exec celery -A cgii worker -Q flujo -n flujo@%h --loglevel=INFO --concurrency=1
    ;;
  beat)
    exec celery -A cgii beat --loglevel=INFO --schedule=/tmp/celerybeat-schedule
    ;;
  migrate)
    exec python manage.py migrate --noinput
    ;;
  *)
    exec "$@"
    ;;
esac
