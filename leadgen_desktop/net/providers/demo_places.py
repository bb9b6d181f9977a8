"""One invented business: its name, address, phone, website, rating and status.

Both demo discoveries build their businesses here: the page-by-page one (a
numbered list per campaign) and the demo city (places at coordinates). A
business depends only on its query key and number, so it is the same every
time it is asked for.

Roughly 15% have no website, 5% sit on a shared platform (a Facebook page or a
``wixsite.com`` site), 5% are temporarily closed, 2% have an unknown status
and about 4% have no phone. Website scheme:
``https://www.<name-slug>-demo-<code>.com/`` where ``<code>`` is four base-36
characters given by the caller; the ``-demo-`` token marks the domain as
invented, and the code gives every place its own registrable domain.
"""

from __future__ import annotations

import hashlib
import math
import random
from typing import NamedTuple

from leadgen_desktop.domain import Business, BusinessStatus, CampaignConfig
from leadgen_desktop.net.providers.demo_data import DemoData, _rng, _slug, _title

PROVIDER = "demo"


class DemoQuery(NamedTuple):
    """What determines a demo business: kind, keywords, the place's town, and the hash that seeds it."""

    business_type: str
    keywords: str
    location: str
    key: str

    @classmethod
    def of(cls, config: CampaignConfig) -> DemoQuery:
        """The query of a page-by-page campaign (type, keywords and location all count)."""
        c = config.normalized()
        parts = (c.business_type, c.keywords, c.location)
        digest = hashlib.sha256("\x1f".join(p.casefold() for p in parts).encode("utf-8")).hexdigest()
        return cls(*parts, key=digest)


def make_business(
    data: DemoData,
    query: DemoQuery,
    index: int,
    *,
    closed: bool,
    place_id: str,
    code: str,
    position: tuple[float, float] | None = None,
) -> Business:
    """Business number ``index`` of ``query``; ``position`` (lat, lng) replaces the town's scatter."""
    r = _rng(query.key, "place", index)
    name = _name(data, query, r)
    roll = r.random()
    status = BusinessStatus.OPERATIONAL if roll >= 0.07 else BusinessStatus.UNKNOWN
    if closed or roll < 0.05:
        status = BusinessStatus.CLOSED_PERMANENTLY if closed else BusinessStatus.CLOSED_TEMPORARILY
    unit = f", {r.choice(data['units'])}" if r.random() < 0.2 else ""
    street = f"{r.randint(100, 9899)} {r.choice(data['street_names'])} {r.choice(data['street_suffixes'])}"
    address = None if r.random() < 0.01 else f"{street}{unit}, {query.location}"
    area = _rng("area", query.location.casefold()).choice(data["area_codes"])
    phone = None if r.random() < 0.04 else f"({area}) 555-01{r.randrange(100):02d}"
    reviews = 0 if r.random() < 0.04 else int(math.exp(r.uniform(0.0, math.log(1501.0))) - 1)
    rating = None if reviews == 0 else round(2.8 + 2.2 * r.betavariate(5.0, 1.8), 1)
    centre = _rng("center", query.location.casefold())
    lat = centre.uniform(26.0, 47.0) + r.uniform(-0.08, 0.08)
    lng = centre.uniform(-122.0, -72.0) + r.uniform(-0.08, 0.08)
    if position is not None:
        lat, lng = position
    return Business(
        place_id=place_id,
        name=name,
        address=address,
        phone=phone,
        website=_website(r, _slug(name), code),
        rating=rating,
        review_count=reviews,
        business_status=status,
        types=(_slug(query.business_type).replace("-", "_"), "point_of_interest", "establishment"),
        latitude=round(lat, 6),
        longitude=round(lng, 6),
        maps_url=None,
        source=PROVIDER,
    )


def _name(data: DemoData, query: DemoQuery, r: random.Random) -> str:
    patterns = [p for p in data["patterns"] if query.keywords or "{keywords_title}" not in p]
    surname, surname2 = r.sample(data["surnames"], 2)
    noun, noun2 = r.sample(data["nouns"], 2)
    return r.choice(patterns).format(
        surname=surname,
        surname2=surname2,
        adjective=r.choice(data["adjectives"]),
        noun=noun,
        noun2=noun2,
        first_name=r.choice(data["first_names"]),
        street=r.choice(data["street_names"]),
        city=_title(query.location.split(",")[0]),
        type_title=_title(query.business_type),
        keywords_title=_title(query.keywords),
    )


def _website(r: random.Random, slug: str, code: str) -> str | None:
    roll = r.random()
    if roll < 0.15:
        return None
    if roll < 0.175:
        return f"https://www.facebook.com/{slug}-{code}"
    if roll < 0.20:
        return f"https://{slug.replace('-', '')[:30]}{code}.wixsite.com/home"
    prefix = r.choice(("https://www.", "https://www.", "https://www.", "https://", "http://www."))
    return f"{prefix}{slug}-demo-{code}.com{r.choice(('/', '/', '', '/home'))}"
