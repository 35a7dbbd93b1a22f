"""A real HTTPS server on 127.0.0.1 for update tests, with its own throwaway CA.

``LocalCA`` makes a CA and a certificate for 127.0.0.1 with ``cryptography``;
the client trusts it only through the CA file handed to ``UpdateChecker``.
``FeedServer`` serves byte strings by path, honours ``Range`` (for resuming)
and can cut a body short after N bytes while announcing the full length.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


@dataclass(frozen=True)
class LocalCA:
    ca_file: Path
    cert_file: Path
    key_file: Path

    @classmethod
    def create(cls, folder: Path) -> LocalCA:
        now = dt.datetime.now(dt.UTC)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Kitdesk test CA")])
        ca_cert = (
            x509.CertificateBuilder()
            .subject_name(ca_name)
            .issuer_name(ca_name)
            .public_key(ca_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
            )
            .sign(ca_key, hashes.SHA256())
        )
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(
                x509.SubjectAlternativeName(
                    [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
                ),
                critical=False,
            )
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        folder.mkdir(parents=True, exist_ok=True)
        ca_file = folder / "ca.pem"
        ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        cert_file = folder / "server.pem"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file = folder / "server-key.pem"
        key_file.write_bytes(_pem_key(key))
        return cls(ca_file=ca_file, cert_file=cert_file, key_file=key_file)


@dataclass
class Route:
    body: bytes
    status: int = 200
    content_type: str = "application/octet-stream"
    # Send only this many bytes of the body, then close (Content-Length says all of it).
    cut_after: int | None = None


@dataclass
class FeedServer:
    """Serves ``routes`` over HTTPS; ``requests`` records (path, Range header) per request."""

    server: ThreadingHTTPServer
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, str | None]] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base_url + path


def start_feed_server(ca: LocalCA) -> tuple[FeedServer, threading.Thread]:
    holder: list[FeedServer] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            feed = holder[0]
            feed.requests.append((self.path, self.headers.get("range")))
            route = feed.routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            body, status, start = route.body, route.status, 0
            wanted = self.headers.get("range")
            if wanted and status == 200 and wanted.startswith("bytes="):
                start = int(wanted.removeprefix("bytes=").split("-")[0])
                if start >= len(body):
                    self.send_response(416)
                    self.send_header("content-length", "0")
                    self.end_headers()
                    return
                status = 206
            part = body[start:]
            self.send_response(status)
            self.send_header("content-type", route.content_type)
            self.send_header("content-length", str(len(part)))
            if status == 206:
                self.send_header("content-range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            self.end_headers()
            if route.cut_after is not None and start == 0:
                part = part[: route.cut_after]
            self.wfile.write(part)
            self.wfile.flush()
            self.close_connection = True

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(ca.cert_file, ca.key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    feed = FeedServer(server=server)
    holder.append(feed)
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), name="feed-server", daemon=True
    )
    thread.start()
    return feed, thread
