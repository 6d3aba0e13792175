"""Settings of webhook mode and the health listener: each malformed value is refused with one
line naming it; webhook mode needs its URL and secret."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, Settings, load_settings, parse_listen

SECRET = "0123456789abcdef_-XYZ"


def settings(**values: object) -> Settings:
    return load_settings(_env_file=None, token="1:abc", **values)


def test_webhook_settings_give_the_url_the_listener_and_the_path():
    hook = settings(webhook_url="https://bot.example.org/telegram/updates",
                    webhook_secret=SECRET).require_webhook()
    assert (hook.url, hook.host, hook.port, hook.path) == (
        "https://bot.example.org/telegram/updates", "127.0.0.1", 8443, "/telegram/updates")
    assert hook.secret == SECRET and SECRET not in repr(hook)
    bare = settings(webhook_url="https://bot.example.org", webhook_secret=SECRET,
                    webhook_listen="[::1]:9000").require_webhook()
    assert (bare.host, bare.port, bare.path) == ("::1", 9000, "/")
    local = settings(webhook_url="http://127.0.0.1:8443/hook", webhook_secret=SECRET)
    assert local.require_webhook().url == "http://127.0.0.1:8443/hook"


@pytest.mark.parametrize(("missing", "named"), [
    ({"webhook_secret": SECRET}, "IPBOT_WEBHOOK_URL is not set"),
    ({"webhook_url": "https://bot.example.org/hook"}, "IPBOT_WEBHOOK_SECRET is not set"),
])
def test_webhook_mode_needs_the_url_and_the_secret(missing, named):
    with pytest.raises(ConfigError, match=named):
        settings(**missing).require_webhook()


@pytest.mark.parametrize(("values", "named"), [
    ({"webhook_url": "ftp://bot.example.org/hook"}, "IPBOT_WEBHOOK_URL"),
    ({"webhook_url": "http://bot.example.org/hook"}, "IPBOT_WEBHOOK_URL"),  # not loopback
    ({"webhook_url": "https://bot.example.org/healthz"}, "IPBOT_WEBHOOK_URL"),
    ({"webhook_secret": "short"}, "IPBOT_WEBHOOK_SECRET"),
    ({"webhook_secret": "has spaces in it, sixteen+"}, "IPBOT_WEBHOOK_SECRET"),
    ({"webhook_secret": "x" * 257}, "IPBOT_WEBHOOK_SECRET"),
    ({"webhook_listen": "8443"}, "IPBOT_WEBHOOK_LISTEN"),
    ({"webhook_listen": "127.0.0.1:99999"}, "IPBOT_WEBHOOK_LISTEN"),
    ({"health_listen": "localhost"}, "IPBOT_HEALTH_LISTEN"),
])
def test_a_malformed_setting_is_one_line_naming_it(values, named):
    with pytest.raises(ConfigError) as info:
        settings(**values)
    text = str(info.value)
    assert text.startswith(f"{named} is invalid: ") and "\n" not in text
    secret = values.get("webhook_secret")
    assert not secret or str(secret) not in text


def test_listen_addresses():
    assert parse_listen("0.0.0.0:8443") == ("0.0.0.0", 8443)
    assert parse_listen(" localhost:80 ") == ("localhost", 80)
    assert parse_listen("[::]:8443") == ("::", 8443)
    assert settings(health_listen="127.0.0.1:9090").health_address() == ("127.0.0.1", 9090)
    assert settings().health_address() is None
    for bad in ("", ":8443", "host:", "host:0", "a:b:c:80", "[::1]8443"):
        with pytest.raises(ValueError):
            parse_listen(bad)
