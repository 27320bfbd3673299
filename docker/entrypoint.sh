#!/usr/bin/env bash
# One entrypoint for every service of docker-compose.yml: web | worker | beat | migrate.
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
    exec celery -A cgii worker --loglevel=INFO --concurrency="${CELERY_CONCURRENCY:-4}"
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
