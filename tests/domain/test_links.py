import pytest

from fanzha.domain.links import find_urls, inspect_links, inspect_url, registrable_domain
from fanzha.domain.values.url import url_host


def kinds(text: str) -> list[str]:
    return [finding.kind for finding in inspect_links(text)]


@pytest.mark.parametrize(
    "url",
    [
        "icbc-com.cn.xyz/login",
        "http://1cbc.com.cn/jf",
        "https://icbcc.com.cn",
        "ccb-jf.top",
        "alipay-safe.vip/a",
    ],
)
def test_lookalike_bank_domains_are_called_phishing(url):
    findings = inspect_url(url)
    assert "lookalike_bank" in [f.kind for f in findings]
    assert "钓鱼网站" in next(f for f in findings if f.kind == "lookalike_bank").explanation


@pytest.mark.parametrize(
    "url", ["http://www.mps-gov.cn.top/qq", "gov-cn.vip/notice", "http://zhengfu.gov.cn.hk/x"]
)
def test_government_lookalikes_fire_but_real_gov_cn_does_not(url):
    assert "lookalike_government" in [f.kind for f in inspect_url(url)]


@pytest.mark.parametrize(
    "url",
    [
        "www.icbc.com.cn",
        "http://mall.icbc.com.cn/a",
        "www.gov.cn",
        "http://www.mps.gov.cn/n2254",
        "www.10086.cn",
        "e95555.cn/mm",
        "https://www.abc.com",
    ],
)
def test_official_and_unrelated_hosts_raise_nothing(url):
    assert inspect_url(url) == []


def test_ip_literal_host_fires():
    findings = inspect_links("请打开 http://103.45.67.8:8080/login 填写信息")
    assert [f.kind for f in findings] == ["ip_host"]
    assert "IP 地址" in findings[0].explanation
    assert findings[0].host == "103.45.67.8"


def test_shortener_fires_and_hides_the_real_address():
    findings = inspect_links("点击 t.cn/R7YQqO0 领取")
    assert [f.kind for f in findings] == ["shortener"]
    assert "短网址" in findings[0].explanation


def test_direct_apk_download_fires():
    assert "apk" in kinds("下载安装 http://download.example.com/files/anquan.apk 即可")
    assert "apk" not in kinds("http://download.example.com/files/anquan.html")


def test_punycode_host_fires():
    assert "punycode" in kinds("https://xn--icbc-9q3a.com/")


def test_url_stops_at_chinese_text():
    assert find_urls("登陆www.10086.cn在“资费专区”查询，或 http://t.cn/8kx?a=1。") == [
        "www.10086.cn",
        "http://t.cn/8kx?a=1",
    ]


def test_host_and_registrable_domain():
    assert url_host("HTTP://WWW.ICBC.com.cn:8080/x") == "icbc.com.cn"
    assert registrable_domain("a.b.icbc.com.cn") == "icbc.com.cn"
    assert registrable_domain("x.fake.xyz") == "fake.xyz"
