"""The per-site crawl: which pages are read, whose addresses count, and what "nothing found" says."""

from __future__ import annotations

import threading
from collections.abc import Callable

import httpx
import pytest

from leadgen_desktop.domain import CancelToken, EmailMethod, FoundAddress, SiteOutcome, SiteResult
from leadgen_desktop.net.web import WebsiteCrawler
from leadgen_desktop.net.web.host_gate import HostGate
from leadgen_desktop.net.web.transport import build_web_client
from tests.fakes.fake_web import Behaviour, FakePage, FakeWeb, html, redirect

MakeCrawler = Callable[..., WebsiteCrawler]


def crawl(web: FakeWeb, make_crawler: MakeCrawler, website: str) -> SiteResult:
    return make_crawler(transport=web.mock_transport()).crawl(website, CancelToken())


def test_contact_pages_are_read_best_first_and_at_most_four(web: FakeWeb, make_crawler: MakeCrawler) -> None:
    links = ["/blog", "/about-us", "/services", "/team", "/impressum", "/kontakt", "/datenschutz", "/legal"]
    web.add("praxis.de", "/", html("".join(f"<a href='{path}'>{path[1:]}</a>" for path in links)))
    for path in links:
        web.add("praxis.de", path, html(f"<p>{path[1:]}@praxis.de</p>"))
    crawler = make_crawler(transport=web.mock_transport())
    result = crawler.crawl("praxis.de", CancelToken())
    assert web.paths("praxis.de") == ["/robots.txt", "/", "/impressum", "/kontakt", "/about-us", "/team"]
    assert result.outcome is SiteOutcome.FOUND
    assert result.emails == (
        "impressum@praxis.de",
        "kontakt@praxis.de",
        "about-us@praxis.de",
        "team@praxis.de",
    )
    assert result.addresses[0] == FoundAddress(
        "impressum@praxis.de", "http://praxis.de/impressum", EmailMethod.TEXT
    )
    assert (result.pages_fetched, result.requests) == (5, 6)


def test_a_later_page_can_lead_to_the_contact_page(web: FakeWeb, make_crawler: MakeCrawler) -> None:
    web.add("shop.com", "/", html("<a href='/about'>About</a>"))
    web.add("shop.com", "/about", html("<a href='/contact'>Contact us</a>"))
    web.add("shop.com", "/contact", html("<a href='mailto:hello@shop.com'>Mail</a>"))
    result = crawl(web, make_crawler, "https://shop.com/")
    assert result.emails == ("hello@shop.com",)


def test_addresses_of_other_domains_never_count(web: FakeWeb, make_crawler: MakeCrawler) -> None:
    web.add(
        "bakery.com",
        "/",
        html(
            "<p>Order: orders@bakery.com</p><p>Our flour: sales@millers-partner.com</p>"
            "<footer>Website by Pixel Agency "
            "<a href='mailto:hello@pixel-agency.com'>hello@pixel-agency.com</a>"
            " | Hosted by jo.host@gmail.com</footer>"
        ),
    )
    result = crawl(web, make_crawler, "https://bakery.com/")
    assert result.emails == ("orders@bakery.com",)
    assert "ignored 3" in result.detail


def test_free_mail_on_the_business_pages_counts(web: FakeWeb, make_crawler: MakeCrawler) -> None:
    web.add(
        "joes-pizza.com",
        "/",
        html("<p>Catering: joespizza.austin@gmail.com</p><p>info@mail.joes-pizza.com</p>"),
    )
    result = crawl(web, make_crawler, "https://joes-pizza.com/")
    assert result.emails == ("joespizza.austin@gmail.com", "info@mail.joes-pizza.com")


def test_pdf_and_image_links_are_never_requested(web: FakeWeb, make_crawler: MakeCrawler) -> None:
    web.add(
        "law.com",
        "/",
        html(
            "<a href='/contact.pdf'>Contact (PDF)</a><a href='/team.jpg'>Team photo</a>"
            "<a href='/kontakt'>Kontakt</a>"
        ),
    )
    web.add("law.com", "/kontakt", html("<p>office@law.com</p>"))
    result = crawl(web, make_crawler, "https://law.com/")
    assert result.emails == ("office@law.com",)
    assert web.paths("law.com") == ["/robots.txt", "/", "/kontakt"]


def test_a_pdf_served_as_a_page_is_not_read(web: FakeWeb, make_crawler: MakeCrawler) -> None:
    web.add("law.com", "/", html("<a href='/contact?format=print'>Contact</a>"))
    web.add(
        "law.com", "/contact?format=print", FakePage(b"%PDF info@law.com", content_type="application/pdf")
    )
    result = crawl(web, make_crawler, "https://law.com/")
    assert result.outcome is SiteOutcome.NONE_FOUND


def test_a_missing_listed_page_falls_back_to_the_root(web: FakeWeb, make_crawler: MakeCrawler) -> None:
    web.add("shop.com", "/", html("<p>info@shop.com</p>"))
    result = crawl(web, make_crawler, "https://shop.com/old-page")
    assert result.emails == ("info@shop.com",)
    assert web.paths("shop.com") == ["/robots.txt", "/old-page", "/"]


def test_a_site_redirecting_to_another_domain_is_left(web: FakeWeb, make_crawler: MakeCrawler) -> None:
    web.add("old-name.com", "/", redirect("https://new-owner.com/"))
    web.add("new-owner.com", "/", html("<p>info@new-owner.com</p>"))
    result = crawl(web, make_crawler, "https://old-name.com/")
    assert result.outcome is SiteOutcome.REDIRECTED_OFF_SITE
    assert web.paths("new-owner.com") == []


@pytest.mark.parametrize(
    ("website", "outcome"),
    [
        ("http://192.168.178.1/", SiteOutcome.BLOCKED_ADDRESS),
        ("http://localhost:8080/", SiteOutcome.BLOCKED_ADDRESS),
        ("https://[::1]/", SiteOutcome.BLOCKED_ADDRESS),
        ("fritz.box.local", SiteOutcome.BLOCKED_ADDRESS),
        ("", SiteOutcome.INVALID_URL),
        ("not a url", SiteOutcome.INVALID_URL),
        ("ftp://shop.com", SiteOutcome.INVALID_URL),
        ("http://intranet/", SiteOutcome.INVALID_URL),
    ],
)
def test_unusable_websites_send_nothing(
    web: FakeWeb, make_crawler: MakeCrawler, website: str, outcome: SiteOutcome
) -> None:
    result = crawl(web, make_crawler, website)
    assert (result.outcome, result.requests) == (outcome, 0)
    assert web.log == []


def test_a_page_cut_at_the_cap_without_an_address_says_so(web: FakeWeb, make_crawler: MakeCrawler) -> None:
    web.add("huge-page.com", "/", FakePage(behaviour=Behaviour.HUGE, size=2_000_000))
    result = crawl(web, make_crawler, "https://huge-page.com/")
    assert result.outcome is SiteOutcome.TOO_LARGE


def test_a_host_that_timed_out_is_not_asked_again(web: FakeWeb, make_crawler: MakeCrawler) -> None:
    home = "<a href='/contact'>Contact</a><a href='/about'>About</a><p>info@slow.com</p>"
    web.add("slow.com", "/", html(home))
    web.add("slow.com", "/about", html("<p>about@slow.com</p>"))
    web.time_out.add(("slow.com", "/contact"))
    result = crawl(web, make_crawler, "https://slow.com/")
    assert result.emails == ("info@slow.com",)
    assert web.paths("slow.com") == ["/robots.txt", "/", "/contact"]
    assert "contact (timeout)" in result.detail


def test_site_results_survive_json(web: FakeWeb, make_crawler: MakeCrawler) -> None:
    web.add("shop.com", "/", html("<a href='mailto:a@shop.com'>a</a>"))
    result = crawl(web, make_crawler, "https://shop.com/")
    assert SiteResult.from_dict(result.to_dict()) == result


def test_one_request_at_a_time_per_host_across_threads(web: FakeWeb) -> None:
    """Two threads crawl the same host; the first page request is held until the second waits at the gate."""
    first_arrived = threading.Event()
    release = threading.Event()
    in_flight: list[int] = [0, 0]  # now, most
    lock = threading.Lock()

    def handle(request: httpx.Request) -> httpx.Response:
        with lock:
            in_flight[0] += 1
            in_flight[1] = max(in_flight)
        try:
            if request.url.path == "/" and not first_arrived.is_set():
                first_arrived.set()
                assert release.wait(10)
            return httpx.Response(200, html="<p>info@shop.com</p>")
        finally:
            with lock:
                in_flight[0] -= 1

    gate = HostGate()
    crawler = WebsiteCrawler(build_web_client(httpx.MockTransport(handle)), gate=gate)
    results: list[object] = []
    threads = [
        threading.Thread(target=lambda: results.append(crawler.crawl("https://shop.com/", CancelToken())))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    assert first_arrived.wait(10)
    for _ in range(1000):  # until the second thread waits for the gate (the first holds it)
        if gate.users("shop.com") == 2:
            break
        threading.Event().wait(0.01)
    assert gate.users("shop.com") == 2
    release.set()
    for thread in threads:
        thread.join(10)
    crawler.close()
    assert in_flight[1] == 1
    assert len(results) == 2


def test_links_stay_on_the_business_host(web: FakeWeb, make_crawler: MakeCrawler) -> None:
    """On a shared platform another subdomain is another business: its pages are not read."""
    web.add("joes.wixsite.com", "/", html("<a href='https://anna.wixsite.com/contact'>Contact</a>"))
    web.add("anna.wixsite.com", "/contact", html("<p>anna.bakes@gmail.com</p>"))
    result = crawl(web, make_crawler, "https://joes.wixsite.com/")
    assert result.outcome is SiteOutcome.NONE_FOUND
    assert web.paths("anna.wixsite.com") == []
