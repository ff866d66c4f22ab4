"""One place that reads the environment (see .env.example).

Every integration is switched on by a variable; the defaults run on a laptop with nothing installed.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
