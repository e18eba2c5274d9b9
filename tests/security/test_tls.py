"""In transit: `reelforge serve --tls-cert/--tls-key` serves HTTPS with HSTS; provider clients
verify certificates, and REELFORGE_PROVIDER_CA_BUNDLE adds a CA (never turns checks off)."""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from reelforge.errors import ProviderError
from reelforge.providers.http import HttpPolicy, ProviderHttp


def trusting(cert: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(cert))


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "reelforge test")])
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=5)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    tmp_path = tmp_path_factory.mktemp("tls")
    cert, key = self_signed(tmp_path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "REELFORGE_DATA_DIR": str(tmp_path / "data")}
    process = subprocess.Popen([sys.executable, "-m", "reelforge.cli.main", "serve", "--port",
                                str(port), "--tls-cert", str(cert), "--tls-key", str(key)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"https://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                httpx.get(f"{url}/healthz", verify=trusting(cert), timeout=1)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                time.sleep(0.3)
        yield url, cert
    finally:
        process.terminate()
        process.wait(10)


def test_serve_with_a_certificate_speaks_https_and_sends_hsts(
        tls_server: tuple[str, Path]) -> None:
    url, cert = tls_server
    answer = httpx.get(f"{url}/healthz", verify=trusting(cert))
    assert answer.status_code == 200
    assert answer.headers["strict-transport-security"].startswith("max-age=")


def test_provider_clients_verify_certificates_and_a_ca_bundle_adds_trust(
        tls_server: tuple[str, Path]) -> None:
    url, cert = tls_server

    async def get(policy: HttpPolicy) -> int:
        async with ProviderHttp("runware", url, policy=policy, key_name="RUNWARE_API_KEY") as h:
            return (await h.request("health", "GET", "/healthz", expect_json=False)).status

    quick = {"max_retries": 0, "connect_timeout_s": 3.0}
    with pytest.raises(ProviderError):  # unknown CA: refused, never silently accepted
        asyncio.run(get(HttpPolicy(**quick)))  # type: ignore[arg-type]
    assert asyncio.run(get(HttpPolicy(ca_bundle=str(cert), **quick))) == 200  # type: ignore[arg-type]
