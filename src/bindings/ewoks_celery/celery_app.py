"""`celery -A ewoks_celery.celery_app worker -Q ewoks`: the app of $EWOKS_CELERY_CONFIG (or the embedded mode)."""

from .app import get_app
from .config import load_config

app = get_app(load_config())
