"""GraphiQL, served by the gateway itself so that it works offline.

strawberry's built-in page loads React, GraphiQL and the explorer plugin from a CDN, so
without internet it never gets past "Loading...". Here the same browser bundles come
from the npm packages pinned in package-lock.json (`make setup` runs `npm ci`; the
container image copies them in), served from a fixed list of files under
/graphiql/assets/. In development the page opens with a dev token (every role, signed
with the configured secret) in its headers editor; production serves no GraphiQL at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response

from serialtrace.common.auth import dev_token

ASSET_ROUTE = "/graphiql/assets"


@dataclass(frozen=True)
class Asset:
    package: str  # npm package, a directory under the assets root
    path: str  # the file inside that package
    media_type: str


# What the page loads, by the name it is served under. The packages are package.json's
# "dependencies"; the Dockerfile copies each of them into the image.
ASSETS: dict[str, Asset] = {
    "react.js": Asset("react", "umd/react.production.min.js", "text/javascript"),
    "react-dom.js": Asset("react-dom", "umd/react-dom.production.min.js", "text/javascript"),
    "graphiql.js": Asset("graphiql", "graphiql.min.js", "text/javascript"),
    "graphiql.css": Asset("graphiql", "graphiql.min.css", "text/css"),
    "explorer.js": Asset("@graphiql/plugin-explorer", "dist/index.umd.js", "text/javascript"),
    "explorer.css": Asset("@graphiql/plugin-explorer", "dist/style.css", "text/css"),
}
ASSET_PACKAGES = sorted({asset.package for asset in ASSETS.values()})

PAGE = Path(__file__).with_name("graphiql.html")
CONFIG_PLACEHOLDER = "/*SERIALTRACE_GRAPHIQL_CONFIG*/null"


def default_assets_dir() -> Path | None:
    """The checkout's node_modules, when the gateway runs from a source checkout
    (`make setup` installs it there); containers say where with GATEWAY_GRAPHIQL_ASSETS."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "node_modules"
        if (candidate / "graphiql" / "package.json").is_file():
            return candidate
    return None


def missing_assets(root: Path | None) -> list[str]:
    """The files the page needs that are not under `root` (all of them without a root)."""
    return [
        f"{asset.package}/{asset.path}"
        for asset in ASSETS.values()
        if root is None or not (root / asset.package / asset.path).is_file()
    ]


class GraphiQLPage:
    """The page and its assets. `with_dev_token` is decided by the caller from the
    environment (never true in production)."""

    def __init__(self, assets_dir: Path | None, jwt_secret: str, with_dev_token: bool) -> None:
        self.assets_dir = assets_dir
        self.missing = missing_assets(assets_dir)
        self.jwt_secret = jwt_secret
        self.with_dev_token = with_dev_token
        self.template = PAGE.read_text(encoding="utf-8")

    def render(self) -> Response:
        if self.missing:
            return PlainTextResponse(
                "GraphiQL's browser assets are not installed, so this page cannot load.\n"
                "In a checkout, run `make setup` (it runs `npm ci`; Node.js 20+ needed), or\n"
                "point GATEWAY_GRAPHIQL_ASSETS at a node_modules folder holding "
                f"{', '.join(ASSET_PACKAGES)}.\nMissing: {', '.join(self.missing)}\n"
                "The graph itself works: POST queries to this URL.\n",
                status_code=503,
            )
        config: dict[str, str] = {}
        if self.with_dev_token:
            # A fresh token on each load, so a long-open tab is one reload from working.
            bearer = f"Bearer {dev_token(self.jwt_secret)}"
            config["headers"] = json.dumps({"Authorization": bearer}, indent=2)
        # Inside a <script> element: no "</" may appear in the JSON.
        literal = json.dumps(config).replace("<", "\\u003c")
        html = self.template.replace(CONFIG_PLACEHOLDER, literal)
        # The token is the developer's own: keep it out of caches.
        return HTMLResponse(html, headers={"Cache-Control": "no-store"})

    async def asset(self, request: Request) -> Response:
        asset = ASSETS.get(request.path_params["name"])
        if asset is None or self.assets_dir is None:
            return PlainTextResponse("no such GraphiQL asset", status_code=404)
        path = self.assets_dir / asset.package / asset.path
        if not path.is_file():
            return PlainTextResponse(
                f"GraphiQL asset {asset.package}/{asset.path} is not installed", 404
            )
        # Versions are pinned by package-lock.json; an hour keeps reloads cheap.
        return FileResponse(
            path, media_type=asset.media_type, headers={"Cache-Control": "public, max-age=3600"}
        )


__all__ = ["ASSETS", "ASSET_PACKAGES", "ASSET_ROUTE", "GraphiQLPage", "default_assets_dir"]
