"""Who a request comes from, without keeping their address.

Behind a reverse proxy every request comes from the proxy: the deployment names the header that the
proxy sets (CLIENT_ADDRESS_HEADER, e.g. "HTTP_X_REAL_IP"); it is never trusted unless configured.
"""

import hashlib

from django.conf import settings


def client_address(request) -> str:
    header = settings.CLIENT_ADDRESS_HEADER
    return (request.META.get(header, "") if header else "") or request.META.get("REMOTE_ADDR", "")


def client_address_hash(request) -> str:
    """A keyed hash of the client address: enough to count a client's requests, not to find them."""
    key = f"{settings.SECRET_KEY}|client|{client_address(request)}"
    return hashlib.sha256(key.encode()).hexdigest()[:32]
