import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "edirae.settings")
application = get_wsgi_application()

# Load the broker's transport now rather than on the first request that touches it (about
# 0.7 s of imports): /healthz must answer within a second even in a fresh process. Creating
# the transport opens no connection.
from edirae.celery import app as _celery_app  # noqa: E402

_broker_transport = _celery_app.connection_for_write().transport
