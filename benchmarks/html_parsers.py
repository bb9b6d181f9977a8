"""Compare selectolax (Lexbor) and lxml on the work the website email engine does per page.

Builds a realistic small-business page (navigation, long body text, a footer on every
page, JSON-LD, microdata, a Cloudflare-protected address; about 150 KB) and times, per
parser: parse the bytes, select every ``a[href]``, every JSON-LD script, every
``[itemprop~=email]`` and ``[data-cfemail]`` element, and read the page's visible text.

    .venv/bin/python benchmarks/html_parsers.py [--repeat 200]

lxml is not a project dependency: install it into the venv to compare (the script says
so and measures selectolax alone when it is missing).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from selectolax.lexbor import LexborHTMLParser


def realistic_page(paragraphs: int = 500) -> bytes:
    """A ~150 KB business page with the markup kinds the extractor reads."""
    nav = "".join(f'<li><a href="/service-{i}">Service {i}</a></li>' for i in range(60))
    body = "".join(
        f"<p>Paragraph {i}: our team of <b>experienced</b> staff serves the "
        f"<a href='/area/{i}'>area {i}</a> with care since 1998. "
        "Call us or visit our office; we answer every enquiry within a day. "
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt.</p>"
        for i in range(paragraphs)
    )
    footer = (
        "<footer><div class='cols'><div>Smile Dental, 1 Main St, Austin TX</div>"
        "<div>E-Mail: <a href='mailto:info@smile-dental.com'>info@smile-dental.com</a></div>"
        "<div><a href='/cdn-cgi/l/email-protection' "
        "data-cfemail='a1c8cfc7cee1d2ccc8cdc48cc5c4cfd5c0cd8fc2cecc'>[email protected]</a></div>"
        "<div>Website by <a href='https://agency.example'>Agency</a></div></div></footer>"
    )
    jsonld = (
        '<script type="application/ld+json">{"@context":"https://schema.org","@type":"Dentist",'
        '"name":"Smile Dental","email":"mailto:office@smile-dental.com"}</script>'
    )
    micro = (
        '<div itemscope itemtype="https://schema.org/LocalBusiness">'
        '<span itemprop="email">team@smile-dental.com</span></div>'
    )
    page = (
        f"<!doctype html><html><head><title>Smile Dental</title>{jsonld}</head><body>"
        f"<header><nav><ul>{nav}</ul></nav></header><main>{body}{micro}</main>{footer}"
        "<script>var x = 1;</script></body></html>"
    )
    return page.encode("utf-8")


def with_selectolax(page: bytes) -> int:
    tree = LexborHTMLParser(page)
    links = [node.attributes.get("href") for node in tree.css("a[href]")]
    scripts = [node.text() for node in tree.css('script[type="application/ld+json"]')]
    micro = tree.css('[itemprop~="email"]')
    cf = tree.css("[data-cfemail]")
    body = tree.body
    text = body.text(separator="\n") if body is not None else ""
    return len(links) + len(scripts) + len(micro) + len(cf) + len(text)


def with_lxml(page: bytes) -> int:
    import lxml.html  # type: ignore[import-untyped]  # optional, measured only when installed

    tree = lxml.html.fromstring(page)
    links = tree.xpath("//a[@href]/@href")
    scripts = [node.text_content() for node in tree.xpath('//script[@type="application/ld+json"]')]
    micro = tree.xpath('//*[contains(concat(" ", normalize-space(@itemprop), " "), " email ")]')
    cf = tree.xpath("//*[@data-cfemail]")
    text = "\n".join(tree.body.itertext())
    return len(links) + len(scripts) + len(micro) + len(cf) + len(text)


def measure(name: str, work: Callable[[bytes], int], page: bytes, repeat: int) -> None:
    work(page)  # warm up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work(page)
        times.append(time.perf_counter() - start)
    print(
        f"{name:<11} median {statistics.median(times) * 1000:7.2f} ms   "
        f"min {min(times) * 1000:7.2f} ms   ({repeat} runs, page {len(page) / 1000:.0f} KB)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    page = realistic_page()
    measure("selectolax", with_selectolax, page, args.repeat)
    try:
        measure("lxml", with_lxml, page, args.repeat)
    except ImportError:
        print("lxml not installed: `pip install lxml` into the venv to compare")


if __name__ == "__main__":
    main()
