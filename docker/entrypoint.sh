#!/usr/bin/env bash
# One entrypoint for every service of docker-compose.yml: web | worker | beat | migrate.
set -euo pipefail
role="${1:-web}"

case "$role" in
  web)
    python manage.py migrate --noinput
    python manage.py cargar_catalogos
    exec daphne -b 0.0.0.0 -p 8000 --proxy-headers cgii.asgi:application
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
