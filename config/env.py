"""One place that reads the environment (see .env.example).

Every integration is switched on by a variable; the defaults run on a laptop with nothing installed.
"""

import os
import secrets
from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def local_secret_key(path: Path) -> str:
    """The secret key of a local installation, generated on first use and kept in var/ (never committed).

    Several processes may start at once (gunicorn workers, the background worker): the key is written
    to a private temporary file and linked into place, so exactly one key wins and everyone reads it.
    """
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_urlsafe(64))
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process won the race: use its key
    finally:
        temporary.unlink()
    return path.read_text(encoding="ascii").strip()
