"""Messages of the web console's static file server."""

from healthnet.core.i18n import register

MESSAGES: dict[str, tuple[str, str]] = {
    "webui.not_built.title": ("前端尚未构建", "The web console is not built"),
    "webui.not_built.body": (
        "HealthNet 的网页界面尚未构建。请在项目目录运行 make run 构建前端（或在 web 目录运行 "
        "npm ci && npm run build），然后刷新本页。接口服务 /api 正常运行。",
        "The web console has not been built. Run make run in the project directory (or "
        "npm ci && npm run build in web/), then reload this page. The API under /api is running.",
    ),
}
register(MESSAGES)
