"""A small OpenID Connect provider for the tests, speaking ProConnect's dialect on the loopback
interface: /token exchanges a code for an RS256-signed id_token carrying the nonce, /userinfo answers
a signed JWT (application/jwt, as ProConnect does), /jwks publishes the public key. The test plays
the person at /authorize: it reads state and nonce from the platform's redirect and asks the
provider for a code bound to them (`issue_code`)."""

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

KID = "test-key"


class LocalOIDCProvider:
    def __init__(self, *, client_id: str, client_secret: str):
        self.client_id, self.client_secret = client_id, client_secret
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        # When set, id_tokens are signed with this key while /jwks still publishes `key`: a forgery.
        self.forging_key = None
        # Who signs in at /authorize when a browser comes (None: the test plays that step itself).
        self.person: dict | None = None
        self.codes: dict[str, dict] = {}
        self.tokens: dict[str, dict] = {}
        self.token_requests: list[dict] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, body: bytes, content_type: str):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                if self.path != "/api/v2/token":
                    return self._send(404, b"{}", "application/json")
                form = {
                    k: v[0] for k, v in parse_qs(self.rfile.read(int(self.headers["Content-Length"])).decode()).items()
                }
                provider.token_requests.append(form)
                grant = provider.codes.pop(form.get("code", ""), None)
                if (
                    grant is None
                    or form.get("client_id") != provider.client_id
                    or form.get("client_secret") != provider.client_secret
                    or form.get("redirect_uri") != grant["redirect_uri"]
                ):
                    return self._send(400, b'{"error": "invalid_grant"}', "application/json")
                access = secrets.token_urlsafe(16)
                provider.tokens[access] = grant["claims"]
                id_claims = {"sub": grant["claims"]["sub"], "nonce": grant["nonce"], **grant.get("id_extra", {})}
                id_token = provider.sign(id_claims, key=provider.forging_key)
                body = {"access_token": access, "token_type": "Bearer", "id_token": id_token}
                return self._send(200, json.dumps(body).encode(), "application/json")

            def do_GET(self):
                if self.path.startswith("/api/v2/authorize?") and provider.person is not None:
                    # A person who consents at once (browser walkthroughs): back with a code.
                    query = {k: v[0] for k, v in parse_qs(self.path.split("?", 1)[1]).items()}
                    code = provider.issue_code(
                        nonce=query["nonce"], redirect_uri=query["redirect_uri"], claims=provider.person
                    )
                    self.send_response(302)
                    self.send_header("Location", f"{query['redirect_uri']}?code={code}&state={query['state']}")
                    self.end_headers()
                    return None
                if self.path == "/api/v2/jwks":
                    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(provider.key.public_key()))
                    body = {"keys": [{**public, "kid": KID, "alg": "RS256", "use": "sig"}]}
                    return self._send(200, json.dumps(body).encode(), "application/json")
                if self.path == "/api/v2/userinfo":
                    token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                    claims = provider.tokens.get(token)
                    if claims is None:
                        return self._send(401, b"", "application/json")
                    return self._send(200, provider.sign(claims).encode(), "application/jwt")
                return self._send(404, b"", "text/plain")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def domain(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/api/v2"

    def sign(self, claims: dict, key=None) -> str:
        now = int(time.time())
        payload = {"iss": self.domain, "aud": self.client_id, "iat": now, "exp": now + 60, **claims}
        return jwt.encode(payload, key or self.key, algorithm="RS256", headers={"kid": KID})

    def issue_code(self, *, nonce: str, redirect_uri: str, claims: dict, id_extra: dict | None = None) -> str:
        code = secrets.token_urlsafe(16)
        self.codes[code] = {"nonce": nonce, "redirect_uri": redirect_uri, "claims": claims, "id_extra": id_extra or {}}
        return code

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
