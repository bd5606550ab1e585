"""GraphiQL works offline: the gateway serves the page and every asset it loads, opens
it with a dev token in development, and serves neither in production. The last test
proves it in a real browser that can reach nothing but 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from serialtrace.common.auth import Role, verify_token
from serialtrace.common.testing import TEST_JWT_SECRET, free_port
from serialtrace.gateway.graphiql import ASSET_ROUTE, ASSETS

CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
INSTALL_CHROMIUM = "apt-get install -y chromium chromium-driver"
PRODUCTION_SECRET = "a-real-secret-for-this-test-of-32-bytes-or-more"


@dataclass
class GatewayProcess:
    """`serialtrace serve gateway` in its own process; no service behind it (GraphiQL's
    page, assets and schema introspection need none)."""

    directory: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> GatewayProcess:
        env = {
            **os.environ,
            "SERIALTRACE_ENV": "development",
            "SERIALTRACE_JWT_SECRET": TEST_JWT_SECRET,
            "SERIALTRACE_DATA_DIR": str(self.directory),
            "SERIALTRACE_LOG_LEVEL": "WARNING",
            "GATEWAY_PORT": str(self.port),
            **{f"{n}_ADDR": f"127.0.0.1:{free_port()}" for n in ("MASTERDATA", "PRODUCTION")},
            **{f"{n}_ADDR": f"127.0.0.1:{free_port()}" for n in ("WAREHOUSE", "QUALITY")},
            **self.extra_env,
        }
        env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
        log = (self.directory / "gateway.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "serialtrace.common.cli", "serve", "gateway"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError((self.directory / "gateway.log").read_text()[-3000:])
            try:
                if get(f"{self.base}/healthz")[0] == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise TimeoutError("the gateway did not answer /healthz within 60 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()


def get(url: str, accept: str = "text/html") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Accept": accept})  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310 - loopback
            return reply.status, dict(reply.headers), reply.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@contextmanager
def running_gateway(
    tmp_path_factory: pytest.TempPathFactory, **env: str
) -> Iterator[GatewayProcess]:
    gateway = GatewayProcess(tmp_path_factory.mktemp("gateway"), env)
    try:
        yield gateway.start()
    finally:
        gateway.stop()


@pytest.fixture(scope="module")
def dev_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GatewayProcess]:
    with running_gateway(tmp_path_factory) as gateway:
        yield gateway


def page_config(html: str) -> dict[str, Any]:
    match = re.search(r"const CONFIG = (.*);\n", html)
    assert match, "the page carries no configuration"
    config: dict[str, Any] = json.loads(match.group(1))
    return config


def assert_dev_headers(headers_text: str) -> None:
    """An Authorization header with a bearer token for `dev`, every role, signed with
    the gateway's configured secret."""
    authorization = json.loads(headers_text)["Authorization"]
    scheme, token = authorization.split(" ")
    assert scheme == "Bearer"
    principal = verify_token(TEST_JWT_SECRET, token)
    assert principal.subject == "dev" and principal.roles == frozenset(Role)


# --- the page and its assets, over HTTP ----------------------------------------------


def test_the_page_loads_only_assets_the_gateway_serves(dev_gateway: GatewayProcess) -> None:
    status, headers, body = get(f"{dev_gateway.base}/graphql")
    html = body.decode()
    assert status == 200 and "no-store" in headers["cache-control"]
    assert "Cookies" not in html  # strawberry's page called js-cookie's Cookies
    referenced = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sorted(referenced) == sorted(
        [*(f"{ASSET_ROUTE}/{name}" for name in ASSETS), "data:,"]
    ), "the page loads something from elsewhere"
    for name, asset in ASSETS.items():
        status, headers, content = get(f"{dev_gateway.base}{ASSET_ROUTE}/{name}", "*/*")
        assert status == 200, name
        assert headers["content-type"].startswith(asset.media_type)
        assert len(content) > 1000, name  # a real bundle, not a stand-in
    assert get(f"{dev_gateway.base}{ASSET_ROUTE}/../package.json", "*/*")[0] == 404
    assert get(f"{dev_gateway.base}{ASSET_ROUTE}/buf", "*/*")[0] == 404


def test_in_development_the_page_opens_with_a_dev_token(dev_gateway: GatewayProcess) -> None:
    first = page_config(get(f"{dev_gateway.base}/graphql")[2].decode())
    assert_dev_headers(first["headers"])


def test_in_production_there_is_no_graphiql_and_no_token(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    env = {"SERIALTRACE_ENV": "production", "SERIALTRACE_JWT_SECRET": PRODUCTION_SECRET}
    with running_gateway(tmp_path_factory, **env) as gateway:
        status, _, body = get(f"{gateway.base}/graphql")
        assert status != 200 and b"Bearer" not in body and b"GraphiQL" not in body
        assert get(f"{gateway.base}{ASSET_ROUTE}/graphiql.js", "*/*")[0] == 404


def test_without_the_assets_the_page_says_how_to_install_them(
    tmp_path_factory: pytest.TempPathFactory, tmp_path: Path
) -> None:
    with running_gateway(tmp_path_factory, GATEWAY_GRAPHIQL_ASSETS=str(tmp_path)) as gateway:
        status, _, body = get(f"{gateway.base}/graphql")
        assert status == 503
        assert b"make setup" in body and b"graphiql/graphiql.min.js" in body
        # The graph itself still answers.
        request = urllib.request.Request(  # noqa: S310 - loopback
            f"{gateway.base}/graphql",
            data=json.dumps({"query": "{ __typename }"}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310 - loopback
            assert json.loads(reply.read())["data"] == {"__typename": "Query"}


# --- in a browser with no network but 127.0.0.1 ----------------------------------------


class RecordingProxy(ThreadingHTTPServer):
    """The browser's proxy for everything but loopback: it records what the browser
    tried to reach and refuses it, so nothing leaves the machine."""

    def __init__(self) -> None:
        self.attempts: list[str] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _refuse(self) -> None:
                proxy.attempts.append(f"{self.command} {self.path}")
                self.send_error(403, "offline test: no network beyond 127.0.0.1")

            do_GET = do_POST = do_HEAD = do_CONNECT = do_PUT = do_OPTIONS = _refuse

            def log_message(self, *args: Any) -> None:
                return

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


def chromium_options(user_data_dir: Path, proxy_port: int) -> Any:
    from selenium.webdriver.chrome.options import Options

    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        "--disable-client-side-phishing-detection",
        "--disable-domain-reliability",
        "--no-default-browser-check",
        "--no-pings",
        "--homepage=about:blank",
        # The browser's own services that still call home with the flags above.
        "--disable-features=AutofillServerCommunication,NetworkTimeServiceQuerying,"
        "OptimizationHints,OptimizationGuideModelDownloading,MediaRouter,Translate,"
        "NtpRealboxSuggestions,SignInProfileCreation,ChromeWhatsNewUI",
        f"--user-data-dir={user_data_dir}",
        "--window-size=1400,900",
        # Names do not resolve (but 127.0.0.1), and whatever else is asked for goes to
        # the recording proxy; loopback bypasses proxies, so the gateway is reached.
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        f"--proxy-server=http://127.0.0.1:{proxy_port}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return options


def requests_sent(log: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every request the browser's tabs sent (URL, method, headers, and the document
    that sent it), from Chromium's DevTools performance log."""
    sent = []
    for entry in log:
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            params = message["params"]
            sent.append({**params["request"], "documentURL": params.get("documentURL", "")})
    return sent


@pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason=f"needs Debian's Chromium and ChromeDriver: {INSTALL_CHROMIUM}",
)
def test_graphiql_renders_offline_with_the_token_prefilled(
    dev_gateway: GatewayProcess, tmp_path: Path
) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    proxy = RecordingProxy()
    service = Service(executable_path=str(CHROMEDRIVER), log_output=str(tmp_path / "driver.log"))
    driver = webdriver.Chrome(
        service=service, options=chromium_options(tmp_path / "profile", proxy.server_port)
    )
    try:
        driver.set_page_load_timeout(30)
        driver.get(f"{dev_gateway.base}/graphql")
        wait = WebDriverWait(driver, 30)
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".graphiql-query-editor .CodeMirror"))
        editors = driver.execute_script(
            "return [...document.querySelectorAll('.CodeMirror')].map(e => e.CodeMirror.getValue())"
        )
        # The schema arrived (introspection, sent with the prefilled header): the
        # explorer lists the graph's root fields.
        explorer = '.graphiql-sidebar button[aria-label="Show GraphiQL Explorer"]'
        driver.find_element(By.CSS_SELECTOR, explorer).click()
        wait.until(lambda d: "whereUsed" in d.find_element(By.TAG_NAME, "body").text)
        screenshot = tmp_path / "graphiql.png"
        driver.save_screenshot(str(screenshot))
        print(f"screenshot: {screenshot}")
        sent = requests_sent(driver.get_log("performance"))
    finally:
        driver.quit()
        proxy.shutdown()

    [headers] = [text for text in editors if "Authorization" in text]
    assert_dev_headers(headers)
    assert any("query Trace" in text for text in editors)
    # Every request of the page went to the gateway (fonts are inlined as data: URLs).
    page = [r for r in sent if r["documentURL"].startswith(f"{dev_gateway.base}/")]
    assert len(page) >= 1 + len(ASSETS) + 1  # the page, its assets, introspection
    elsewhere = [r["url"] for r in page if not r["url"].startswith((dev_gateway.base, "data:"))]
    assert elsewhere == []
    introspection = [r for r in page if r["method"] == "POST"]
    assert introspection and all(
        r["headers"].get("Authorization", "").startswith("Bearer ") for r in introspection
    )
    # Nothing left the machine: all else went to the proxy, which refused it. What it
    # saw is the browser's own chatter (updates, sign-in), none of it for the page.
    for_the_page = [a for a in proxy.attempts if re.search(r"unpkg|jsdelivr|cdn|graphiql|react", a)]
    assert for_the_page == [], proxy.attempts
    assert screenshot.stat().st_size > 10_000
