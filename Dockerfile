FROM python:3.11-slim-bookworm
# WeasyPrint needs Pango; libmagic is not needed (content sniffing uses `filetype`).
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b fonts-dejavu-core postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock pyproject.toml ./
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
RUN chmod +x docker/entrypoint.sh \
    && DJANGO_ENV=production DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput
ENV DJANGO_ENV=production PYTHONUNBUFFERED=1
EXPOSE 8000
ENTRYPOINT ["docker/entrypoint.sh"]
CMD ["web"]
