from healthnet.core.i18n import register

MESSAGES: dict[str, tuple[str, str]] = {
    "oidc.insecure_transport": (
        "单点登录与令牌接口只能通过 HTTPS 访问（本机调试可用 http://localhost）",
        "The OAuth/OIDC endpoints must be reached over HTTPS (http only on loopback)",
    ),
    "oidc.client_not_found": ("接入系统（OIDC 客户端）不存在", "No such OIDC client"),
    "oidc.institution_unknown": ("所属机构不存在", "No such institution"),
    "oidc.redirect_uri_invalid": (
        "回调地址无效：必须是完整的 https 地址（本机调试可用 http://localhost 或 "
        "http://127.0.0.1），且不能包含 # 片段",
        "Redirect URIs must be absolute https URIs (http only on loopback) without a fragment",
    ),
    "oidc.redirect_uri_required": (
        "授权码模式至少需要登记一个回调地址",
        "The authorization code grant needs at least one redirect URI",
    ),
    "oidc.scope_unknown": ("不支持的授权范围：{scope}", "Unknown scope: {scope}"),
    "oidc.scope_openid_required": (
        "授权码模式（单点登录）的授权范围必须包含 openid",
        "The authorization code grant needs the openid scope",
    ),
    "oidc.grant_types_invalid": (
        "授权类型组合无效：刷新令牌需同时使用授权码模式",
        "refresh_token needs authorization_code",
    ),
    "oidc.public_client_credentials": (
        "公开客户端（无密钥）不能使用客户端凭证模式，也不能做令牌内省",
        "Public clients cannot use client_credentials or introspection",
    ),
    "oidc.auth_method_invalid": (
        "客户端认证方式与客户端类型不符：公开客户端只能用 none，机密客户端只能用 "
        "client_secret_basic 或 client_secret_post",
        "Public clients use 'none'; confidential clients client_secret_basic or _post",
    ),
    "oidc.public_client_no_secret": (
        "公开客户端没有密钥，无需轮换",
        "A public client has no secret to rotate",
    ),
    "oidc.client_inactive": ("该接入系统已停用", "This client is deactivated"),
    "oidc.authorize_invalid_client": (
        "单点登录请求无效：接入系统不存在或已停用",
        "Authorization request refused: unknown or deactivated client",
    ),
    "oidc.authorize_invalid_request": (
        "单点登录请求无效：回调地址未登记、缺失或参数重复。为安全起见不会跳转回接入系统",
        "Authorization request refused: redirect URI not registered, missing, or parameters "
        "repeated; not redirecting",
    ),
    "oidc.login_required": (
        "请先登录 HealthNet，再进行单点登录",
        "Log in to HealthNet first",
    ),
    "oidc.logout_invalid": (
        "退出登录请求无效：{reason}",
        "Invalid logout request: {reason}",
    ),
    "oidc.logout_confirm": (
        "退出登录请求未携带 id_token_hint，请以 POST 方式提交以确认退出",
        "Without id_token_hint, confirm the logout with a POST",
    ),
    "oidc.token_invalid": (
        "访问令牌无效、已过期或已被吊销",
        "The access token is invalid, expired or revoked",
    ),
    "oidc.insufficient_scope": (
        "访问令牌缺少所需的授权范围：{scope}",
        "The access token lacks the scope {scope}",
    ),
}
register(MESSAGES)
